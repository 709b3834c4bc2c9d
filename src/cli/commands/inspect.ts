// `kdgrad inspect`: the gradient report of the distillation loss for a teacher/student pair on
// one batch of test images, at several temperatures.
import type { Command } from 'commander';
import { noGrad } from '../../autograd/grad-mode.js';
import { labelsAt, toImageTensor } from '../../data/transforms.js';
import { inspectDistillation, type GradientReport } from '../../distill/inspect.js';
import { Generator } from '../../tensor/random.js';
import { int, positiveInt, list, loadData, loadZooModel, num, printJson } from '../common.js';

export function inspectTable(reports: readonly GradientReport[]): string {
  const f = (v: number | null) =>
    v === null ? '—' : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toFixed(4) : v.toExponential(2);
  const lines = [
    '| T | KL | T²·KL | CE | ‖soft‖ with T² | ‖soft‖ without | ‖hard‖ | soft share | dL/dT | dL/dT closed form |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of reports) {
    lines.push(
      `| ${r.temperature} | ${f(r.kl)} | ${f(r.softLoss)} | ${f(r.hardLoss)} | ${f(r.norms.soft)} | ${f(r.norms.softUnscaled)} | ${f(r.norms.hard)} | ${(100 * r.softShare.scaled).toFixed(1)}% | ${f(r.dLdT)} | ${f(r.closedForm.dLdT)} |`,
    );
  }
  return lines.join('\n');
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description(
      'gradient report of the KD loss (soft vs hard gradient norms, dL/dT) for a teacher/student pair on one batch',
    )
    .requiredOption('--teacher <file>', 'teacher checkpoint (required)')
    .requiredOption('--student <file>', 'student checkpoint (required)')
    .option('--teacher-model <name>', 'zoo model of the teacher (default: from the checkpoint)')
    .option('--student-model <name>', 'zoo model of the student (default: from the checkpoint)')
    .option(
      '--temperatures <list>',
      'comma-separated temperatures (default: 1,2,4,8)',
      list('--temperatures'),
    )
    .option('--alpha <a>', 'weight of the T²·KL term', num('--alpha'), 0.9)
    .option('--batch-size <n>', 'images in the batch', positiveInt('--batch-size'), 64)
    .option('--seed <n>', 'which test images (random, seeded)', int('--seed'), 0)
    .option('--data <dir>', 'CIFAR-10 folder')
    .option('--json', 'print JSON')
    .action(
      async (o: {
        teacher: string;
        student: string;
        teacherModel?: string;
        studentModel?: string;
        temperatures?: number[];
        alpha: number;
        batchSize: number;
        seed: number;
        data?: string;
        json?: boolean;
      }) => {
        const data = await loadData(o.data);
        const teacher = await loadZooModel(o.teacher, o.teacherModel);
        const student = await loadZooModel(o.student, o.studentModel, '--student-model');
        const g = new Generator(o.seed);
        const idx = Int32Array.from({ length: Math.min(o.batchSize, data.test.count) }, () =>
          g.integer(0, data.test.count),
        );
        const x = toImageTensor(data.test, idx, data.norm);
        const y = labelsAt(data.test, idx);
        const [t, s] = noGrad(() => [teacher.model.forward(x), student.model.forward(x)]);
        const reports = (o.temperatures ?? [1, 2, 4, 8]).map((T) =>
          inspectDistillation(s, t, y, { temperature: T, alpha: o.alpha }),
        );
        if (o.json) {
          printJson(
            reports.map((r) => ({
              ...r,
              grads: undefined,
              closedForm: { dLdT: r.closedForm.dLdT, dLdTUnscaled: r.closedForm.dLdTUnscaled },
            })),
          );
        } else {
          process.stdout.write(
            `teacher ${teacher.name}, student ${student.name}, ${idx.length} test images, alpha ${o.alpha}\n${inspectTable(reports)}\n`,
          );
        }
      },
    );
}
