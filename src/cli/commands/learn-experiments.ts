// The two lessons of `kdgrad learn` that need more than one network's logits: Hinton et al.'s
// omitted-class experiment (it trains students) and several teachers (it runs each teacher).
import { noGrad } from '../../autograd/grad-mode.js';
import { cat } from '../../autograd/ops/shape.js';
import type { Tensor } from '../../autograd/tensor.js';
import { loadClassNames } from '../../data/folder.js';
import { labelsAt, toImageTensor } from '../../data/transforms.js';
import { severalTeachersLesson } from '../../learn/lessons.js';
import { omittedClassLesson } from '../../learn/omitted-class.js';
import type { ZooModel } from '../../models/zoo.js';
import { loadZooModel, printJson, type Data } from '../common.js';

export interface ExperimentOptions {
  teacher: string;
  teachers: string;
  json?: boolean;
  omit: string;
  seeds: number;
  epochs: number;
  temperature: number;
  alpha: number;
  lr: number;
}

/** A model's logits on the test images idx, 500 at a time. */
export function logitsOn(model: ZooModel, data: Data, idx: Int32Array): Tensor {
  const outs: Tensor[] = [];
  for (let i = 0; i < idx.length; i += 500) {
    outs.push(
      noGrad(() => model.forward(toImageTensor(data.test, idx.subarray(i, i + 500), data.norm))),
    );
  }
  return noGrad(() => cat(outs, 0));
}

/** Hinton et al.'s omitted-class experiment: the students, the table, the conclusion. */
export async function omittedClass(
  data: Data,
  teacher: { model: ZooModel; name: string },
  o: ExperimentOptions,
): Promise<void> {
  const names = await loadClassNames(data.dir);
  const omit = /^\d+$/.test(o.omit) ? Number(o.omit) : names.indexOf(o.omit);
  if (omit < 0 || omit >= names.length) {
    throw new RangeError(
      `--omit must be a class name (${names.join(', ')}) or 0-${names.length - 1}, got ${o.omit}`,
    );
  }
  const seeds = Array.from({ length: o.seeds }, (_, i) => i);
  process.stderr.write(
    `omitted-class: ${names[omit]} left out; ${seeds.length} seeds × 3 mlp-students,` +
      ` ${o.epochs} epochs each\n`,
  );
  const t0 = performance.now();
  const r = await omittedClassLesson({
    train: data.train,
    test: data.test,
    norm: data.norm,
    teacher: teacher.model,
    omit,
    names,
    seeds,
    epochs: o.epochs,
    temperature: o.temperature,
    alpha: o.alpha,
    lr: o.lr,
    onRun: (method, seed, done, total) => {
      const seconds = ((performance.now() - t0) / 1000).toFixed(0);
      process.stderr.write(`  ${done}/${total} ${method}, seed ${seed} (${seconds} s)\n`);
    },
  });
  if (o.json) return printJson(r);
  const pct = (v: number) => (100 * v).toFixed(2);
  process.stdout.write(
    `Hinton et al.'s omitted-class experiment: no ${r.omitted} image in the transfer set ` +
      `(${r.transferImages} of ${data.train.count} training images). Teacher ${teacher.name} (${o.teacher}), ` +
      `${r.omitted} test accuracy ${pct(r.teacherOmittedAccuracy)}%. Students: mlp-student, ${r.config.epochs} epochs, ` +
      `SGD one-cycle peak lr ${r.config.lr}, no augmentation; distilled with T = ${r.temperature}, α = ${r.alpha}; ` +
      `${seeds.length} seeds. δ: the ${r.omitted} bias shift that makes ${pct(r.share)}% of test images ` +
      `${r.omitted} (its share of the training split; no test label used).\n\n`,
  );
  process.stdout.write(`| student | what | ${r.omitted} test accuracy % | all classes % | δ |\n`);
  process.stdout.write('| --- | --- | ---: | ---: | ---: |\n');
  for (const row of r.rows) {
    const delta = row.deltaMean ? row.deltaMean.toFixed(2) : '—';
    process.stdout.write(
      `| ${row.method} | ${row.description} | ${pct(row.omittedMean)} ± ${pct(row.omittedStd)} ` +
        `| ${pct(row.accuracyMean)} ± ${pct(row.accuracyStd)} | ${delta} |\n`,
    );
  }
  process.stdout.write(`\n${r.conclusion}\n`);
}

/** Averaging the teachers' probabilities or their logits, on the first n test images. */
export async function severalTeachers(data: Data, n: number, o: ExperimentOptions): Promise<void> {
  const paths = o.teachers
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (paths.length < 2) {
    const got = JSON.stringify(o.teachers);
    throw new RangeError(`--teachers needs two or more checkpoints, comma-separated, got ${got}`);
  }
  const teachers = await Promise.all(paths.map((p) => loadZooModel(p, undefined, null)));
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  const logits = teachers.map(({ model }) => logitsOn(model, data, idx));
  const r = severalTeachersLesson(
    logits,
    labelsAt(data.test, idx),
    teachers.map((t) => t.name),
  );
  if (o.json) return printJson(r);
  const pct = (v: number) => (100 * v).toFixed(2);
  const who = r.teachers.map((t, k) => `${t.name} (${paths[k]}) ${pct(t.accuracy)}%`).join(', ');
  const all = n === data.test.count ? ' (all of them)' : '';
  process.stdout.write(`Several teachers: ${who}; ${n} test images${all}\n\n`);
  process.stdout.write(
    '| T | target | mean entropy (nats) | mean top probability | accuracy % | top classes differ ' +
      '| KL(probs ‖ logits) |\n',
  );
  process.stdout.write('| ---: | --- | ---: | ---: | ---: | ---: | ---: |\n');
  for (const row of r.rows) {
    const targets = [
      ['average of probabilities', row.probs],
      ['softmax of averaged logits', row.logits],
    ] as const;
    for (const [what, s] of targets) {
      const shared = what.startsWith('average')
        ? `${pct(row.disagree)}% | ${row.kl.toFixed(4)}`
        : ' | ';
      const cells = [row.T, what, s.entropy.toFixed(4), s.top.toFixed(4), pct(s.accuracy), shared];
      process.stdout.write(`| ${cells.join(' | ')} |\n`);
    }
  }
  process.stdout.write(`\n${r.conclusion}\n`);
}
