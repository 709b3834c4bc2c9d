// `kdgrad learn <topic>`: one of Hinton et al.'s claims, computed on real networks' logits
// (the committed teacher on real test images, and a student), with a conclusion from the numbers.
import type { Command } from 'commander';
import { labelsAt } from '../../data/transforms.js';
import { loadClassNames } from '../../data/folder.js';
import {
  darkKnowledgeLesson,
  learnedTLesson,
  logitMatchingLesson,
  tSquaredLesson,
} from '../../learn/lessons.js';
import { buildModel } from '../../models/zoo.js';
import { Generator } from '../../tensor/random.js';
import { loadData, loadZooModel, num, oneOf, positiveInt, printJson } from '../common.js';
import {
  logitsOn,
  omittedClass,
  severalTeachers,
  type ExperimentOptions,
} from './learn-experiments.js';
import { TEACHER_CHECKPOINT } from './sweep.js';
import { checkOmittedClassOptions } from '../../learn/omitted-class.js';
import { relative } from 'node:path';
import { packageFile } from '../paths.js';

const RESNET_TEACHER = relative(
  process.cwd(),
  packageFile('checkpoints/resnet20-teacher.safetensors'),
);

const TOPICS = [
  't-squared',
  'logit-matching',
  'dark-knowledge',
  'omitted-class',
  'several-teachers',
  'learned-t',
] as const;
type Topic = (typeof TOPICS)[number];

type LearnedDescent = ReturnType<typeof learnedTLesson>['descent'][number];
interface LearnOptions extends ExperimentOptions {
  student?: string;
  studentModel?: string;
  teacherModel?: string;
  images?: number;
  data?: string;
}

const f = (v: number) =>
  Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toFixed(4) : v.toExponential(3);

export function registerLearn(program: Command): void {
  program
    .command('learn')
    .description(
      'one claim about distillation, computed on real logits: ' +
        't-squared (why T²), logit-matching (high T), dark-knowledge (soft targets), ' +
        'omitted-class (Hinton et al. §3: distil without one class; trains 3 × seeds MLPs, ' +
        'about 2 minutes per seed), several-teachers (averaging probabilities or logits), ' +
        'learned-t (dL/dT, and descent on T)',
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
      'test images to use (default: 256; all of them for dark-knowledge and several-teachers)',
      positiveInt('--images'),
    )
    .option('--data <dir>', 'CIFAR-10 folder')
    .option(
      '--omit <class>',
      'omitted-class: the class left out of the transfer set (name or 0-9)',
      'automobile',
    )
    .option('--seeds <n>', 'omitted-class: seeds (students per method)', positiveInt('--seeds'), 3)
    .option('--epochs <n>', 'omitted-class: epochs per student', positiveInt('--epochs'), 10)
    .option('--temperature <T>', 'omitted-class: distillation temperature', num('--temperature'), 4)
    .option('--alpha <a>', 'omitted-class: weight of the soft term', num('--alpha'), 0.9)
    .option('--lr <x>', 'omitted-class: peak learning rate (one-cycle)', num('--lr'), 0.02)
    .option('--json', 'print JSON')
    .action(async (topic: Topic, o: LearnOptions) => {
      if (topic === 'omitted-class') {
        try {
          checkOmittedClassOptions(o);
        } catch (e) {
          throw new Error(`--${(e as Error).message}`, { cause: e });
        }
      }
      const data = await loadData(o.data);
      const whole = topic === 'dark-knowledge' || topic === 'several-teachers';
      const n = Math.min(o.images ?? (whole ? data.test.count : 256), data.test.count);
      if (topic === 'several-teachers') return severalTeachers(data, n, o);
      const teacher = await loadZooModel(o.teacher, o.teacherModel, '--teacher-model');
      if (topic === 'omitted-class') return omittedClass(data, teacher, o);
      const student = o.student
        ? (await loadZooModel(o.student, o.studentModel, '--student-model')).model
        : buildModel('cnn-student', { generator: new Generator(0) }).eval();
      const g = new Generator(1);
      // dark knowledge averages over the first n test images; the gradient lessons use a seeded sample
      const idx = whole
        ? Int32Array.from({ length: n }, (_, i) => i)
        : Int32Array.from({ length: n }, () => g.integer(0, data.test.count));
      const y = labelsAt(data.test, idx);
      const forward = (m: typeof student) => logitsOn(m, data, idx);
      const t = forward(teacher.model);
      const head = `teacher ${teacher.name} (${o.teacher}); ${n} test images`;
      if (topic === 'learned-t') {
        const r = learnedTLesson(forward(student), t, Array.from(y));
        if (o.json) return printJson(r);
        process.stdout.write(
          `The gradient through T. ${head}; student ${o.student ?? 'cnn-student, fresh'}\n\n`,
        );
        process.stdout.write(
          '| T | KL | T²·KL | dKL/dT | d(T²·KL)/dT | autograd vs closed form (relative) |\n',
        );
        process.stdout.write('| ---: | ---: | ---: | ---: | ---: | ---: |\n');
        for (const row of r.rows) {
          const err = row.closedFormError.toExponential(1);
          const cells = [row.T, f(row.kl), f(row.softLoss), f(row.dKLdT), f(row.dSoftdT), err];
          process.stdout.write(`| ${cells.join(' | ')} |\n`);
        }
        process.stdout.write('\nDescent on T = exp(θ) (Adam on θ, lr 0.05), the logits fixed:\n\n');
        process.stdout.write('| step | T (minimising KL) | KL | T (minimising T²·KL) | T²·KL |\n');
        process.stdout.write('| ---: | ---: | ---: | ---: | ---: |\n');
        const [a, b] = r.descent as [LearnedDescent, LearnedDescent];
        a.path.forEach((p, i) => {
          const q = b.path[i]!;
          process.stdout.write(
            `| ${p.step} | ${f(p.T)} | ${f(p.loss)} | ${f(q.T)} | ${f(q.loss)} |\n`,
          );
        });
        process.stdout.write(`\n${r.conclusion}\n`);
      } else if (topic === 't-squared') {
        const r = tSquaredLesson(forward(student), t, Array.from(y));
        if (o.json) return printJson(r);
        process.stdout.write(`Why T²? ${head}; student ${o.student ?? 'cnn-student, fresh'}\n\n`);
        process.stdout.write('| T | ‖∂KL/∂s‖ | ‖∂(T²·KL)/∂s‖ |\n| ---: | ---: | ---: |\n');
        for (const row of r.rows) {
          process.stdout.write(`| ${row.T} | ${f(row.softUnscaled)} | ${f(row.softScaled)} |\n`);
        }
        process.stdout.write(`\n${r.conclusion}\n`);
      } else if (topic === 'logit-matching') {
        const r = logitMatchingLesson(forward(student), t);
        if (o.json) return printJson(r);
        process.stdout.write(
          `High T is logit matching. ${head}; student ${o.student ?? 'cnn-student, fresh'}\n\n`,
        );
        process.stdout.write('| T | relative error of (z_s − z_t)/(N·T²) |\n| ---: | ---: |\n');
        for (const row of r.rows)
          process.stdout.write(`| ${row.T} | ${(100 * row.relativeError).toFixed(3)}% |\n`);
        process.stdout.write(`\n${r.conclusion}\n`);
      } else {
        const names = await loadClassNames(data.dir);
        const r = darkKnowledgeLesson(t, y, names);
        if (o.json) return printJson(r);
        process.stdout.write(
          `Dark knowledge. ${head}${n === data.test.count ? ' (all of them)' : ''}\n\n`,
        );
        process.stdout.write(
          "| true class | teacher's nearest wrong class | its mean probability at T = 1 " +
            '| at T = 4 |\n',
        );
        process.stdout.write('| --- | --- | ---: | ---: |\n');
        for (const row of r.rows) {
          const [p1, p4] = [row.probability['T=1']!, row.probability['T=4']!];
          process.stdout.write(`| ${row.cls} | ${row.nearest} | ${f(p1)} | ${f(p4)} |\n`);
        }
        process.stdout.write(`\n${r.conclusion}\n`);
      }
    });
}
