// `kdgrad learn <topic>`: one of Hinton et al.'s claims, computed on real networks' logits (the
// committed teacher on real test images, and a student), with a conclusion from the numbers. The
// lessons and their reports are in src/learn (registry.ts); this file gives them their context:
// the data, the networks the options name, and where the output goes.
import { relative } from 'node:path';
import type { Command } from 'commander';
import { noGrad } from '../../autograd/grad-mode.js';
import { cat } from '../../autograd/ops/shape.js';
import type { Tensor } from '../../autograd/tensor.js';
import { loadClassNames } from '../../data/folder.js';
import { labelsAt, toImageTensor } from '../../data/transforms.js';
import type { Lesson, LessonContext, LoadedNetwork } from '../../learn/lesson.js';
import { renderReport } from '../../learn/lesson.js';
import { LESSONS, TOPICS, type Topic } from '../../learn/registry.js';
import { buildModel } from '../../models/zoo.js';
import { Generator } from '../../tensor/random.js';
import type { Fields } from '../../train/fields.js';
import { loadData, loadZooModel, oneOf, positiveInt, printJson } from '../common.js';
import { addFieldOptions, readFields } from '../options.js';
import { packageFile } from '../paths.js';
import { TEACHER_CHECKPOINT } from './sweep.js';

const RESNET_TEACHER = relative(
  process.cwd(),
  packageFile('checkpoints/resnet20-teacher.safetensors'),
);

const FORMATS = ['markdown', 'plain', 'json'] as const;

interface LearnCli extends Record<string, unknown> {
  teacher: string;
  teacherModel?: string;
  student?: string;
  studentModel?: string;
  teachers: string;
  images?: number;
  data?: string;
  format: (typeof FORMATS)[number];
  json?: boolean;
}

/** Every lesson's own options, once each (a key two lessons share is declared by the first). */
function lessonOptions(): { fields: Fields; defaults: Record<string, unknown> }[] {
  const seen = new Set<string>();
  return TOPICS.flatMap((t) => {
    const o = LESSONS[t].options;
    if (!o) return [];
    const keys = Object.keys(o.fields).filter((k) => !seen.has(k));
    keys.forEach((k) => seen.add(k));
    const fields = Object.fromEntries(keys.map((k) => [k, o.fields[k]!]));
    const defaults = Object.fromEntries(keys.map((k) => [k, o.defaults[k]]));
    return [{ fields, defaults }];
  });
}

const specsOf = (defaults: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(defaults).map(([k, v]) => [k, { default: v }]));

/** A memo of an async loader (each network is read once, when a lesson first asks for it). */
const once = <T>(load: () => Promise<T>): (() => Promise<T>) => {
  let p: Promise<T> | undefined;
  return () => (p ??= load());
};

export function registerLearn(program: Command): void {
  const cmd = program
    .command('learn')
    .description(
      'one claim about distillation, computed on real logits: ' +
        TOPICS.map((t) => `${t} (${LESSONS[t].summary})`).join(', '),
    )
    .argument('<topic>', `one of ${TOPICS.join(', ')}`, oneOf('<topic>', TOPICS))
    .option('--teacher <file>', 'teacher checkpoint', TEACHER_CHECKPOINT)
    .option('--teacher-model <name>', 'zoo model of the teacher (default: from the checkpoint)')
    .option(
      '--student <file>',
      'student checkpoint (default: a freshly initialised cnn-student, as at the start of distillation)',
    )
    .option('--student-model <name>', 'zoo model of the student (default: from the checkpoint)')
    .option(
      '--teachers <files>',
      'several-teachers: two or more checkpoints, comma-separated',
      `${TEACHER_CHECKPOINT},${RESNET_TEACHER}`,
    )
    .option(
      '--images <n>',
      `test images to use (default: 256; all of them for ${TOPICS.filter((t) => LESSONS[t].images === 'all').join(' and ')})`,
      positiveInt('--images'),
    )
    .option('--data <dir>', 'CIFAR-10 folder');
  const own = lessonOptions();
  for (const { fields, defaults } of own) addFieldOptions(cmd, fields, specsOf(defaults));
  cmd
    .option(
      '--format <how>',
      `output: ${FORMATS.join(' | ')}`,
      oneOf('--format', FORMATS),
      'markdown',
    )
    .option('--json', 'print the numbers as JSON (the same as --format json)')
    .action(async (topic: Topic, o: LearnCli) => {
      const lesson: Lesson = LESSONS[topic];
      const options = Object.assign(
        {},
        ...own.map(({ fields, defaults }) => readFields(fields, o, specsOf(defaults))),
      ) as Record<string, unknown>;
      // a lesson's own knobs are refused before any data is read
      lesson.check?.(options);
      const ctx = await contextFor(topic, o, options);
      const result = await lesson.run(ctx);
      if (o.json || o.format === 'json') return printJson(result);
      process.stdout.write(renderReport(await lesson.report(result, ctx), o.format));
    });
}

async function contextFor(
  topic: Topic,
  o: LearnCli,
  options: Record<string, unknown>,
): Promise<LessonContext> {
  const data = await loadData(o.data);
  const all = LESSONS[topic].images === 'all';
  const n = Math.min(o.images ?? (all ? data.test.count : 256), data.test.count);
  // an 'all' lesson takes the first n test images; the others a seeded sample
  const g = new Generator(1);
  const images = all
    ? Int32Array.from({ length: n }, (_, i) => i)
    : Int32Array.from({ length: n }, () => g.integer(0, data.test.count));
  const fromFile = async (path: string, model: string | undefined, flag: string | null) => {
    const { model: m, name } = await loadZooModel(path, model, flag);
    return { name, path, model: m };
  };
  const logits = new Map<LoadedNetwork, Tensor>();
  return {
    images,
    labels: labelsAt(data.test, images),
    allImages: n === data.test.count,
    data,
    options,
    classNames: once(() => loadClassNames(data.dir)),
    teacher: once(() => fromFile(o.teacher, o.teacherModel, '--teacher-model')),
    student: once(async () =>
      o.student
        ? fromFile(o.student, o.studentModel, '--student-model')
        : {
            name: 'cnn-student, fresh',
            path: '',
            model: buildModel('cnn-student', { generator: new Generator(0) }).eval(),
          },
    ),
    teachers: once(async () => {
      const paths = o.teachers
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean);
      if (paths.length < 2) {
        const got = JSON.stringify(o.teachers);
        throw new RangeError(
          `--teachers needs two or more checkpoints, comma-separated, got ${got}`,
        );
      }
      return Promise.all(paths.map((p) => fromFile(p, undefined, null)));
    }),
    logits(net) {
      let z = logits.get(net);
      if (!z) {
        const outs: Tensor[] = [];
        for (let i = 0; i < images.length; i += 500) {
          const x = toImageTensor(data.test, images.subarray(i, i + 500), data.norm);
          outs.push(noGrad(() => net.model.forward(x)));
        }
        z = noGrad(() => cat(outs, 0));
        logits.set(net, z);
      }
      return z;
    },
    progress: (line) => process.stderr.write(`${line}\n`),
  };
}
