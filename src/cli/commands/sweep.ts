// `kdgrad sweep` (the article's temperature experiment) and `kdgrad demo` (what `npm start` runs).
import { mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { noGrad } from '../../autograd/grad-mode.js';
import { labelsAt, toImageTensor } from '../../data/transforms.js';
import { inspectDistillation } from '../../distill/inspect.js';
import { loadModule, saveModule } from '../../nn/checkpoint.js';
import { accuracyVsTemperatureSvg, trainingCurvesSvg } from '../../report/plots.js';
import { Generator } from '../../tensor/random.js';
import { resolveKD } from '../../train/config.js';
import { CIFAR10_MD5, CIFAR10_URL } from '../../data/download.js';
import {
  runSweep,
  sweepLabel,
  sweepMarkdown,
  type SweepResult,
  type SweepRun,
} from '../../train/sweep.js';
import { buildModel } from '../../models/zoo.js';
import type { Module } from '../../nn/module.js';
import { checkOutDir, openJournal, stopSignals } from '../study.js';
import {
  addStudyOptions,
  list,
  loadData,
  loadZooModel,
  positiveInt,
  printJson,
  studyConfig,
  type Data,
  type StudyCli,
} from '../common.js';
import { addKDOptions, kdFrom, refuseInapplicable } from './train.js';
import { inspectTable } from './inspect.js';
import { packageFile } from '../paths.js';

/** The teacher trained by `kdgrad train` and committed with the package. */
export const TEACHER_CHECKPOINT = relative(
  process.cwd(),
  packageFile('checkpoints/vgg-teacher.safetensors'),
);
export const TEACHER_COMMAND = `npx kdgrad train --model vgg-teacher --epochs 30 --batch-size 64 --lr 0.05 --optimizer sgd --lr-schedule onecycle --weight-decay 5e-4 --seed 0 --out ${TEACHER_CHECKPOINT}`;

interface SweepCli extends StudyCli {
  teacher: string;
  teacherModel?: string;
  model: string;
  temperatures?: number[];
  seeds: number;
  alpha: number;
  download?: boolean;
  downloadUrl: string;
  downloadMd5: string;
  outDir: string;
  data?: string;
  json?: boolean;
  resume?: boolean;
  force?: boolean;
}

function addSweepOptions(cmd: Command, d: { epochs: number; seeds: number }): Command {
  return addStudyOptions(
    cmd
      .option('--teacher <file>', 'teacher checkpoint', TEACHER_CHECKPOINT)
      .option('--teacher-model <name>', 'zoo model of the teacher (default: from the checkpoint)')
      .option('--model <name>', 'student model from the zoo', 'mlp-student')
      .option(
        '--temperatures <list>',
        'comma-separated temperatures (default: 1,2,5)',
        list('--temperatures'),
      )
      .option('--seeds <n>', 'seeds per configuration (0 .. n-1)', positiveInt('--seeds'), d.seeds)
      .option('--epochs <n>', 'epochs per run', positiveInt('--epochs'), d.epochs),
  )
    .option('--out-dir <dir>', 'where to write the table and plots', 'report')
    .option('--data <dir>', 'CIFAR-10 folder')
    .option('--json', 'print the result as JSON')
    .option(
      '--resume',
      'continue the study stopped in --out-dir: finished runs are not trained again',
    )
    .option('--force', 'start over in an --out-dir that holds an interrupted study');
}

/** The options that define a study's runs (what --resume must find unchanged). */
function studySettings(command: string, o: SweepCli): Record<string, unknown> {
  const skip = new Set([
    'outDir',
    'json',
    'resume',
    'force',
    'data',
    'download',
    'downloadUrl',
    'downloadMd5',
  ]);
  const settings: Record<string, unknown> = { command };
  for (const [k, v] of Object.entries(o)) if (!skip.has(k)) settings[k] = v;
  return settings;
}

/** The first seed's trained students, kept beside the journal so a resumed demo still has them. */
const modelFile = (o: SweepCli, label: string) =>
  join(o.outDir, 'runs', `${o.model}-${label.replace('=', '')}.safetensors`);

/** Runs the sweep with its journal and stop signals; writes the report (partial when stopped). */
async function runStudy(
  command: 'sweep' | 'demo',
  o: SweepCli,
  data: Data,
  log: (s: string) => void,
  extraFor: (r: SweepResult) => Promise<string> = () => Promise.resolve(''),
): Promise<void> {
  const temperatures = o.temperatures ?? [1, 2, 5];
  const total = o.seeds * (temperatures.length + 1);
  const journal = await openJournal<SweepRun>(
    o.outDir,
    command,
    studySettings(command, o),
    total,
    o,
  );
  const doneModels: Record<string, Module> = {};
  if (command === 'demo') {
    for (const run of journal.done.filter((r) => r.seed === 0 && r.status === 'done')) {
      const label = sweepLabel(run.temperature);
      const model = buildModel(o.model);
      await loadModule(model, modelFile(o, label));
      doneModels[label] = model;
    }
  }
  if (journal.done.length)
    log(`resuming: ${journal.done.length} of ${total} runs already finished`);
  const signals = stopSignals();
  try {
    const r = await sweepFrom(o, data, log, {
      done: journal.done,
      doneModels,
      shouldStop: signals.stopped,
      onFinished: async (run, model) => {
        if (command === 'demo' && run.seed === 0 && run.status === 'done') {
          await mkdir(join(o.outDir, 'runs'), { recursive: true });
          await saveModule(model, modelFile(o, sweepLabel(run.temperature)), {
            kdgrad_model: o.model,
          });
        }
        await journal.record(run);
      },
    });
    const extra = r.stopped ? '' : await extraFor(r);
    const files = await writeReport(r, o.outDir, extra);
    if (o.json) printJson({ ...r, models: undefined, files });
    else process.stdout.write(`${sweepMarkdown(r)}\n${extra}\nwrote ${files.join(', ')}\n`);
    if (r.stopped) {
      process.stderr.write(
        `stopped after ${r.runs.length} of ${r.total} runs; the partial table is in ${files[0]}. Continue with the same command and --resume\n`,
      );
      process.exitCode = signals.exitCode;
    }
  } finally {
    signals.release();
  }
}

function addSweepAndKDOptions(cmd: Command, d: { epochs: number; seeds: number }): Command {
  return addKDOptions(addSweepOptions(cmd, d), { temperature: false });
}

/** Every temperature of the sweep with the KD options, checked before any data is read. */
function checkTemperatures(o: SweepCli): void {
  const kd = kdFrom(o);
  for (const T of o.temperatures ?? [1, 2, 5]) resolveKD({ ...kd, temperature: T }, 1);
}

interface StudyHooks {
  done: readonly SweepRun[];
  doneModels: Record<string, Module>;
  shouldStop(): boolean;
  onFinished(run: SweepRun, model: Module): Promise<void>;
}

async function sweepFrom(
  o: SweepCli,
  data: Data,
  log: (s: string) => void,
  hooks: StudyHooks,
): Promise<SweepResult> {
  if (!existsSync(o.teacher)) {
    throw new Error(
      `teacher checkpoint ${o.teacher} not found. Train it with:\n  ${TEACHER_COMMAND}`,
    );
  }
  const kd = kdFrom(o);
  const teacher = await loadZooModel(o.teacher, o.teacherModel);
  return runSweep({
    teacher: teacher.model,
    teacherModel: teacher.name,
    student: o.model,
    train: data.train,
    test: data.test,
    norm: data.norm,
    config: studyConfig(o),
    kd: (({ temperature: _t, ...rest }) => rest)(kd),
    temperatures: o.temperatures ?? [1, 2, 5],
    seeds: Array.from({ length: o.seeds }, (_, i) => i),
    done: hooks.done,
    doneModels: hooks.doneModels,
    shouldStop: hooks.shouldStop,
    onRun: async (run, done, total, model) => {
      await hooks.onFinished(run, model);
      log(
        `[${done}/${total}] ${run.kind === 'kd' ? `KD T=${run.temperature}` : 'from scratch'} seed ${run.seed}: ${run.status === 'done' ? `test accuracy ${(100 * run.testAccuracy!).toFixed(2)}%` : run.message}`,
      );
    },
  });
}

async function writeReport(r: SweepResult, dir: string, extra = ''): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files = ['sweep.md', 'sweep.json', 'accuracy-vs-T.svg', 'training-curves.svg'].map((f) =>
    join(dir, f),
  );
  const md = `# Temperature sweep: ${r.student} distilled from ${r.teacher.model}\n\n${sweepMarkdown(r)}\n\n![accuracy vs T](accuracy-vs-T.svg)\n\n![training curves](training-curves.svg)\n${extra}`;
  await writeFile(files[0]!, md);
  await writeFile(files[1]!, `${JSON.stringify({ ...r, models: undefined }, null, 2)}\n`);
  await writeFile(files[2]!, await accuracyVsTemperatureSvg(r));
  await writeFile(files[3]!, await trainingCurvesSvg(r));
  return files;
}

export function registerSweep(program: Command): void {
  addSweepAndKDOptions(
    program
      .command('sweep')
      .description(
        "the article's temperature experiment: KD students at several T and seeds vs the same student from scratch",
      ),
    { epochs: 10, seeds: 3 },
  ).action(async (o: SweepCli, cmd: Command) => {
    refuseInapplicable(cmd, o);
    checkTemperatures(o);
    const log = (s: string) => {
      if (!o.json) process.stderr.write(`${s}\n`);
    };
    await checkOutDir(o.outDir);
    const data = await loadData(o.data);
    await runStudy('sweep', o, data, log);
  });

  addSweepAndKDOptions(
    program
      .command('demo')
      .description(
        "what npm start runs (about 4 minutes on two cores): the committed teacher, the student from scratch and distilled at T = 1, 2, 5 over 3 seeds (the article's table), plots and a gradient report, in report/",
      ),
    { epochs: 10, seeds: 3 },
  )
    .option(
      '--no-download',
      'do not download CIFAR-10 when no data folder is found (default: download into ./data)',
    )
    .option('--download-url <url>', 'where to download CIFAR-10 from', CIFAR10_URL)
    .option('--download-md5 <hex>', 'its MD5', CIFAR10_MD5)
    .action(async (o: SweepCli, cmd: Command) => {
      refuseInapplicable(cmd, o);
      checkTemperatures(o);
      const log = (s: string) => {
        if (!o.json) process.stderr.write(`${s}\n`);
      };
      await checkOutDir(o.outDir);
      const data = await loadData(
        o.data,
        o.download === false ? undefined : { url: o.downloadUrl, md5: o.downloadMd5, log },
      );
      log(
        `kdgrad demo: data from ${data.dir}; teacher ${o.teacher}; student ${o.model}; T in {${(o.temperatures ?? [1, 2, 5]).join(', ')}}, ${o.seeds} seeds, ${o.epochs} epochs each`,
      );
      await runStudy('demo', o, data, log, async (r) => {
        // one batch of test images: the gradient report of the KD loss at each T for the best KD student
        const bestKey = r.best ? `T=${r.best.temperature}` : 'scratch';
        const student = r.models[bestKey];
        if (!student) return '';
        await saveModule(
          student,
          join(o.outDir, `${o.model}-${bestKey.replace('=', '')}.safetensors`),
          {
            kdgrad_model: o.model,
          },
        );
        const teacher = await loadZooModel(o.teacher, o.teacherModel);
        const g = new Generator(0);
        const idx = Int32Array.from({ length: 64 }, () => g.integer(0, data.test.count));
        const x = toImageTensor(data.test, idx, data.norm);
        const y = labelsAt(data.test, idx);
        student.eval();
        const [t, s] = noGrad(() => [
          teacher.model.forward(x),
          (student as unknown as { forward(v: typeof x): typeof x }).forward(x),
        ]);
        const reports = [1, 2, 4, 8].map((T) =>
          inspectDistillation(s, t, y, { temperature: T, alpha: o.alpha }),
        );
        return `\n## Gradient report (KD student ${bestKey}, 64 test images, alpha ${o.alpha})\n\n${inspectTable(reports)}\n`;
      });
    });
}
