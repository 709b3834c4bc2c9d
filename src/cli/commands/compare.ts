// `kdgrad compare`: the article's remedies measured — one student, one budget, every method.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { compareSvg } from '../../report/plots.js';
import {
  compareMarkdown,
  runCompare,
  METHOD_NAMES,
  standardMethods,
  type CompareResult,
  type CompareRun,
} from '../../train/compare.js';
import { checkOutDir, openJournal, stopSignals } from '../study.js';
import { DEFAULT_KD, KD_FIELDS } from '../../train/config.js';
import { resolveLayerPairs } from '../../train/feature-loss.js';
import { buildModel, type ZooModel } from '../../models/zoo.js';
import type { Method } from '../../train/compare.js';
import {
  addStudyOptions,
  collect,
  loadData,
  loadZooModel,
  num,
  positiveInt,
  printJson,
  studyConfig,
  type StudyCli,
} from '../common.js';
import { TEACHER_CHECKPOINT } from './sweep.js';
import { refuseDuplicateTeachers } from './train.js';

interface CompareCli extends StudyCli {
  teacher?: string[];
  model: string;
  methods?: string;
  seeds: number;
  alpha: number;
  outDir: string;
  data?: string;
  json?: boolean;
  resume?: boolean;
  force?: boolean;
  featureLayers?: string;
}

/**
 * Why a method cannot run on this student and teacher (a feature loss whose layers do not pair),
 * or null.
 */
function inapplicable(m: Method, student: string, teacher: ZooModel): string | null {
  const kind = m.kd?.feature;
  if (!kind || kind === 'none') return null;
  try {
    resolveLayerPairs(kind, m.kd!.featureLayers, buildModel(student), teacher);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

export async function writeCompareReport(r: CompareResult, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files = ['compare.md', 'compare.json', 'compare.svg'].map((f) => join(dir, f));
  await writeFile(
    files[0]!,
    `# Methods compared: ${r.student}\n\n${compareMarkdown(r)}\n\n![accuracy by method](compare.svg)\n`,
  );
  await writeFile(files[1]!, `${JSON.stringify(r, null, 2)}\n`);
  await writeFile(files[2]!, await compareSvg(r));
  return files;
}

export function registerCompare(program: Command): void {
  addStudyOptions(
    program
      .command('compare')
      .description(
        "the article's remedies measured: the same student and budget under each method (scratch, then each loss's rows: KD at T 1/2/4, adaptive schedules, several teachers, DKD, LSKD), mean ± std over seeds",
      )
      .option(
        '--teacher <file>',
        `teacher checkpoint; repeat for several teachers (default: ${TEACHER_CHECKPOINT})`,
        collect,
      )
      .option('--model <name>', 'student model from the zoo', 'mlp-student')
      .option(
        '--methods <list>',
        `comma-separated subset of: ${METHOD_NAMES.join(', ')} (default: all that the teachers allow)`,
      )
      .option('--seeds <n>', 'seeds per method (0 .. n-1)', positiveInt('--seeds'), 3)
      .option('--epochs <n>', 'epochs per run', positiveInt('--epochs'), 10),
  )
    .option(
      '--alpha <a>',
      'weight of the T²·KL term (kd, schedules, several teachers, lskd)',
      num('--alpha'),
      DEFAULT_KD.alpha,
    )
    .option(
      '--out-dir <dir>',
      'where to write compare.md, compare.json, compare.svg',
      'report/compare',
    )
    .option('--feature-layers <pairs>', `the feature rows' layers: ${KD_FIELDS.featureLayers.help}`)
    .option('--data <dir>', 'CIFAR-10 folder')
    .option('--json', 'print the result as JSON')
    .option(
      '--resume',
      'continue the comparison stopped in --out-dir: finished runs are not trained again',
    )
    .option('--force', 'start over in an --out-dir that holds an interrupted comparison')
    .action(async (o: CompareCli) => {
      const log = (s: string) => {
        if (!o.json) process.stderr.write(`${s}\n`);
      };
      const paths = o.teacher ?? [TEACHER_CHECKPOINT];
      await refuseDuplicateTeachers(paths);
      if (o.featureLayers !== undefined) KD_FIELDS.featureLayers.parse(o.featureLayers);
      const teachers = await Promise.all(
        paths.map(async (path) => ({ ...(await loadZooModel(path)), path })),
      );
      const layers = o.featureLayers === undefined ? {} : { featureLayers: o.featureLayers };
      const every = standardMethods(paths.length, o.epochs, o.alpha, layers);
      const why = new Map(every.map((m) => [m.name, inapplicable(m, o.model, teachers[0]!.model)]));
      const all = every.filter((m) => !why.get(m.name));
      const wanted = o.methods
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (wanted && wanted.length === 0) {
        throw new Error(
          `--methods ${JSON.stringify(o.methods)} names no method; choose from ${all.map((x) => x.name).join(', ')}`,
        );
      }
      const methods = wanted
        ? wanted.map((w) => {
            const m = all.find((x) => x.name === w);
            if (!m && why.get(w))
              throw new Error(`--methods ${w}: not on ${o.model} and this teacher: ${why.get(w)}`);
            if (!m)
              throw new Error(
                `--methods: unknown or unavailable method ${JSON.stringify(w)}; with ${paths.length} teacher(s) choose from ${all.map((x) => x.name).join(', ')}`,
              );
            return m;
          })
        : all;
      await checkOutDir(o.outDir);
      const skip = new Set(['outDir', 'json', 'resume', 'force', 'data']);
      const settings: Record<string, unknown> = {
        methods: methods.map((m) => m.name),
        teacher: paths,
      };
      for (const [k, v] of Object.entries(o)) if (!skip.has(k) && !(k in settings)) settings[k] = v;
      const total = methods.length * o.seeds;
      const journal = await openJournal<CompareRun>(o.outDir, 'compare', settings, total, o);
      if (journal.done.length)
        log(`resuming: ${journal.done.length} of ${total} runs already finished`);
      const data = await loadData(o.data);
      log(
        `kdgrad compare: ${o.model}, ${methods.length} methods x ${o.seeds} seeds, ${o.epochs} epochs; teachers ${teachers.map((t) => `${t.name} (${t.path})`).join(', ')}`,
      );
      const signals = stopSignals();
      const r = await runCompare({
        done: journal.done,
        shouldStop: signals.stopped,
        teachers,
        student: o.model,
        train: data.train,
        test: data.test,
        norm: data.norm,
        methods,
        seeds: Array.from({ length: o.seeds }, (_, i) => i),
        config: studyConfig(o),
        onRun: async (run, done, total) => {
          await journal.record(run);
          log(
            `[${done}/${total}] ${run.method} seed ${run.seed}: ${run.status === 'done' ? `test accuracy ${(100 * run.testAccuracy!).toFixed(2)}%` : run.message} (${run.seconds.toFixed(0)} s)`,
          );
        },
      }).finally(() => signals.release());
      const files = await writeCompareReport(r, o.outDir);
      if (o.json) printJson({ ...r, files });
      else process.stdout.write(`${compareMarkdown(r)}\n\nwrote ${files.join(', ')}\n`);
      if (r.stopped) {
        process.stderr.write(
          `stopped after ${r.runs.length} of ${r.total} runs; the partial table is in ${files[0]}. Continue with the same command and --resume\n`,
        );
        process.exitCode = signals.exitCode;
      }
    });
}
