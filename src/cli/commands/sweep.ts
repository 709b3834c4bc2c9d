// `kdgrad sweep` (the article's temperature experiment) and `kdgrad demo` (what `npm start` runs).
import { mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { noGrad } from '../../autograd/grad-mode.js';
import { labelsAt, toImageTensor } from '../../data/transforms.js';
import { inspectDistillation } from '../../distill/inspect.js';
import { saveModule } from '../../nn/checkpoint.js';
import { accuracyVsTemperatureSvg, trainingCurvesSvg } from '../../report/plots.js';
import { Generator } from '../../tensor/random.js';
import { resolveKD } from '../../train/config.js';
import { CIFAR10_MD5, CIFAR10_URL } from '../../data/download.js';
import { runSweep, sweepMarkdown, type SweepResult } from '../../train/sweep.js';
import {
  addStudyOptions,
  list,
  loadData,
  loadZooModel,
  positiveInt,
  printJson,
  type Data,
} from '../common.js';
import { addKDOptions, kdFrom } from './train.js';
import { inspectTable } from './inspect.js';
import { packageFile } from '../paths.js';

/** The teacher trained by `kdgrad train` and committed with the package. */
export const TEACHER_CHECKPOINT = relative(
  process.cwd(),
  packageFile('checkpoints/vgg-teacher.safetensors'),
);
export const TEACHER_COMMAND = `npx kdgrad train --model vgg-teacher --epochs 30 --batch-size 64 --lr 0.05 --optimizer sgd --lr-schedule onecycle --weight-decay 5e-4 --seed 0 --out ${TEACHER_CHECKPOINT}`;

interface SweepCli {
  teacher: string;
  teacherModel?: string;
  model: string;
  temperatures?: number[];
  seeds: number;
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: 'sgd' | 'adam' | 'adamw';
  lrSchedule: 'onecycle' | 'cosine' | 'constant';
  weightDecay: number;
  alpha: number;
  clipGradNorm: number;
  augment?: boolean;
  cropPaddingMode: 'constant' | 'edge' | 'reflect' | 'symmetric';
  cropFill: number[] | 'mean';
  download?: boolean;
  downloadUrl: string;
  downloadMd5: string;
  trainLimit: number;
  testLimit: number;
  outDir: string;
  data?: string;
  json?: boolean;
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
    .option('--json', 'print the result as JSON');
}

function addSweepAndKDOptions(cmd: Command, d: { epochs: number; seeds: number }): Command {
  return addKDOptions(addSweepOptions(cmd, d), { temperature: false });
}

async function sweepFrom(o: SweepCli, data: Data, log: (s: string) => void): Promise<SweepResult> {
  if (!existsSync(o.teacher)) {
    throw new Error(
      `teacher checkpoint ${o.teacher} not found. Train it with:\n  ${TEACHER_COMMAND}`,
    );
  }
  const kd = kdFrom(o as unknown as Record<string, unknown>);
  resolveKD(kd, 1);
  const teacher = await loadZooModel(o.teacher, o.teacherModel);
  return runSweep({
    teacher: teacher.model,
    teacherModel: teacher.name,
    student: o.model,
    train: data.train,
    test: data.test,
    norm: data.norm,
    config: {
      epochs: o.epochs,
      batchSize: o.batchSize,
      lr: o.lr,
      optimizer: o.optimizer,
      momentum: 0.9,
      nesterov: true,
      weightDecay: o.weightDecay,
      schedule: o.lrSchedule,
      augment: o.augment ?? false,
      cropPaddingMode: o.cropPaddingMode,
      cropFill: o.cropFill,
      clipGradNorm: o.clipGradNorm,
      trainLimit: o.trainLimit,
      testLimit: o.testLimit,
    },
    kd: (({ temperature: _t, ...rest }) => rest)(kd),
    temperatures: o.temperatures ?? [1, 2, 5],
    seeds: Array.from({ length: o.seeds }, (_, i) => i),
    onRun: (run, done, total) =>
      log(
        `[${done}/${total}] ${run.kind === 'kd' ? `KD T=${run.temperature}` : 'from scratch'} seed ${run.seed}: ${run.status === 'done' ? `test accuracy ${(100 * run.testAccuracy!).toFixed(2)}%` : run.message}`,
      ),
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
  ).action(async (o: SweepCli) => {
    const log = (s: string) => {
      if (!o.json) process.stderr.write(`${s}\n`);
    };
    const data = await loadData(o.data);
    const r = await sweepFrom(o, data, log);
    const files = await writeReport(r, o.outDir);
    if (o.json) printJson({ ...r, models: undefined, files });
    else process.stdout.write(`${sweepMarkdown(r)}\n\nwrote ${files.join(', ')}\n`);
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
    .action(async (o: SweepCli) => {
      const log = (s: string) => {
        if (!o.json) process.stderr.write(`${s}\n`);
      };
      const data = await loadData(
        o.data,
        o.download === false ? undefined : { url: o.downloadUrl, md5: o.downloadMd5, log },
      );
      log(
        `kdgrad demo: data from ${data.dir}; teacher ${o.teacher}; student ${o.model}; T in {${(o.temperatures ?? [1, 2, 5]).join(', ')}}, ${o.seeds} seeds, ${o.epochs} epochs each`,
      );
      const r = await sweepFrom(o, data, log);
      // one batch of test images: the gradient report of the KD loss at each T for the best KD student
      const bestKey = r.best ? `T=${r.best.temperature}` : 'scratch';
      const student = r.models[bestKey];
      let extra = '';
      if (student) {
        await mkdir(o.outDir, { recursive: true });
        await saveModule(
          student,
          join(o.outDir, `${o.model}-${bestKey.replace('=', '')}.safetensors`),
          { kdgrad_model: o.model },
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
        extra = `\n## Gradient report (KD student ${bestKey}, 64 test images, alpha ${o.alpha})\n\n${inspectTable(reports)}\n`;
      }
      const files = await writeReport(r, o.outDir, extra);
      if (o.json) printJson({ ...r, models: undefined, files });
      else process.stdout.write(`${sweepMarkdown(r)}\n${extra}\nwrote ${files.join(', ')}\n`);
    });
}
