// `kdgrad learn <topic>`: one of Hinton et al.'s claims, computed on real networks' logits
// (the committed teacher on real test images, and a student), with a conclusion from the numbers.
import type { Command } from 'commander';
import { noGrad } from '../../autograd/grad-mode.js';
import { cat } from '../../autograd/ops/shape.js';
import type { Tensor } from '../../autograd/tensor.js';
import { labelsAt, toImageTensor } from '../../data/transforms.js';
import { loadClassNames } from '../../data/folder.js';
import { darkKnowledgeLesson, logitMatchingLesson, tSquaredLesson } from '../../learn/lessons.js';
import { buildModel } from '../../models/zoo.js';
import { Generator } from '../../tensor/random.js';
import { loadData, loadZooModel, oneOf, positiveInt, printJson } from '../common.js';
import { TEACHER_CHECKPOINT } from './sweep.js';

const TOPICS = ['t-squared', 'logit-matching', 'dark-knowledge'] as const;
type Topic = (typeof TOPICS)[number];

const f = (v: number) => (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toFixed(4) : v.toExponential(3));

export function registerLearn(program: Command): void {
  program.command('learn')
    .description('one claim about distillation, computed on real logits: '
      + 't-squared (why T²), logit-matching (high T), dark-knowledge (soft targets)')
    .argument('<topic>', `one of ${TOPICS.join(', ')}`, oneOf('<topic>', TOPICS))
    .option('--teacher <file>', 'teacher checkpoint', TEACHER_CHECKPOINT)
    .option('--student <file>', 'student checkpoint (default: a freshly initialised cnn-student, as at the start of distillation)')
    .option('--images <n>', 'test images to use', positiveInt('--images'), 256)
    .option('--data <dir>', 'CIFAR-10 folder')
    .option('--json', 'print JSON')
    .action(async (topic: Topic, o: { teacher: string; student?: string; images: number; data?: string; json?: boolean }) => {
      const data = await loadData(o.data);
      const teacher = await loadZooModel(o.teacher);
      const student = o.student ? (await loadZooModel(o.student)).model : buildModel('cnn-student', { generator: new Generator(0) }).eval();
      const g = new Generator(1);
      const n = topic === 'dark-knowledge' ? data.test.count : Math.min(o.images, data.test.count);
      // dark knowledge averages over every test image; the gradient lessons use a seeded sample
      const idx = topic === 'dark-knowledge'
        ? Int32Array.from({ length: n }, (_, i) => i)
        : Int32Array.from({ length: n }, () => g.integer(0, data.test.count));
      const y = labelsAt(data.test, idx);
      const forward = (m: typeof student) => {
        const outs: Tensor[] = [];
        for (let i = 0; i < n; i += 500) outs.push(noGrad(() => m.forward(toImageTensor(data.test, idx.subarray(i, i + 500), data.norm))));
        return noGrad(() => cat(outs, 0));
      };
      const t = forward(teacher.model);
      const head = `teacher ${teacher.name} (${o.teacher}); ${n} test images`;
      if (topic === 't-squared') {
        const r = tSquaredLesson(forward(student), t, Array.from(y));
        if (o.json) return printJson(r);
        process.stdout.write(`Why T²? ${head}; student ${o.student ?? 'cnn-student, fresh'}\n\n`);
        process.stdout.write('| T | ‖∂KL/∂s‖ | ‖∂(T²·KL)/∂s‖ |\n| ---: | ---: | ---: |\n');
        for (const row of r.rows) process.stdout.write(`| ${row.T} | ${f(row.softUnscaled)} | ${f(row.softScaled)} |\n`);
        process.stdout.write(`\n${r.conclusion}\n`);
      } else if (topic === 'logit-matching') {
        const r = logitMatchingLesson(forward(student), t);
        if (o.json) return printJson(r);
        process.stdout.write(`High T is logit matching. ${head}; student ${o.student ?? 'cnn-student, fresh'}\n\n`);
        process.stdout.write('| T | relative error of (z_s − z_t)/(N·T²) |\n| ---: | ---: |\n');
        for (const row of r.rows) process.stdout.write(`| ${row.T} | ${(100 * row.relativeError).toFixed(3)}% |\n`);
        process.stdout.write(`\n${r.conclusion}\n`);
      } else {
        const names = await loadClassNames(data.dir);
        const r = darkKnowledgeLesson(t, y, names);
        if (o.json) return printJson(r);
        process.stdout.write(`Dark knowledge. ${head} (all of them)\n\n`);
        process.stdout.write("| true class | teacher's nearest wrong class | its mean probability at T = 1 | at T = 4 |\n");
        process.stdout.write('| --- | --- | ---: | ---: |\n');
        for (const row of r.rows) {
          const [p1, p4] = [row.probability['T=1']!, row.probability['T=4']!];
          process.stdout.write(`| ${row.cls} | ${row.nearest} | ${f(p1)} | ${f(p4)} |\n`);
        }
        process.stdout.write(`\n${r.conclusion}\n`);
      }
    });
}

