// `kdgrad eval`: accuracy, per-class accuracy and confusion matrix of a checkpoint on the test set.
import type { Command } from 'commander';
import { loadClassNames } from '../../data/folder.js';
import { evaluate, type Evaluation } from '../../train/evaluate.js';
import { loadData, loadZooModel, printJson } from '../common.js';

export function formatEvaluation(ev: Evaluation, names: readonly string[]): string {
  const lines = [
    `accuracy ${(100 * ev.accuracy).toFixed(2)}% on ${ev.count} test images (mean cross-entropy ${ev.loss.toFixed(4)})`,
    '',
    '| class | accuracy |',
    '| --- | ---: |',
  ];
  ev.perClass.forEach((a, c) => lines.push(`| ${names[c]} | ${(100 * a).toFixed(1)}% |`));
  lines.push(
    '',
    'confusion matrix (rows: true class, columns: predicted)',
    `${''.padStart(11)}${names.map((n) => n.slice(0, 5).padStart(6)).join('')}`,
  );
  ev.confusion.forEach((row, c) =>
    lines.push(`${names[c]!.padEnd(11)}${row.map((v) => String(v).padStart(6)).join('')}`),
  );
  return lines.join('\n');
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('accuracy, per-class accuracy and confusion matrix of a checkpoint')
    .requiredOption('--checkpoint <file>', 'model checkpoint (safetensors; required)')
    .option('--model <name>', 'zoo model (default: from the checkpoint metadata)')
    .option('--data <dir>', 'CIFAR-10 folder')
    .option('--json', 'print JSON')
    .action(async (o: { checkpoint: string; model?: string; data?: string; json?: boolean }) => {
      const { model, name } = await loadZooModel(o.checkpoint, o.model, '--model');
      const data = await loadData(o.data);
      const ev = evaluate(model, data.test, data.norm);
      const names = await loadClassNames(data.dir);
      if (o.json) printJson({ model: name, checkpoint: o.checkpoint, ...ev, classes: names });
      else process.stdout.write(`${name} (${o.checkpoint})\n${formatEvaluation(ev, names)}\n`);
    });
}
