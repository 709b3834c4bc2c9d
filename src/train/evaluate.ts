// Accuracy, per-class accuracy, confusion matrix and mean cross-entropy of a classifier.
import { noGrad } from '../autograd/grad-mode.js';
import { tidy } from '../autograd/tidy.js';
import type { Tensor } from '../autograd/tensor.js';
import type { CifarSet } from '../data/cifar.js';
import { toImageTensor, type Normalization } from '../data/transforms.js';
import { crossEntropy } from '../nn/functional/loss.js';
import type { Module } from '../nn/module.js';

export interface Evaluation {
  loss: number;
  accuracy: number;
  perClass: number[];
  /** confusion[true][predicted] counts */
  confusion: number[][];
  count: number;
}

type Forward = { forward(x: Tensor): Tensor };

/** Runs the model in eval mode over the whole set (restoring its mode afterwards). */
export function evaluate(
  model: Module,
  set: CifarSet,
  norm: Normalization,
  opts: { batchSize?: number; classes?: number } = {},
): Evaluation {
  if (set.count === 0) throw new RangeError('evaluate: the evaluation set holds no images');
  const bs = opts.batchSize ?? 100;
  const C = opts.classes ?? 10;
  const wasTraining = model.training;
  model.eval();
  const confusion = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  let lossSum = 0;
  try {
    noGrad(() => {
      for (let start = 0; start < set.count; start += bs) {
        // one batch per tidy() scope: the next batch reuses its buffers
        tidy(() => {
          const idx = Int32Array.from(
            { length: Math.min(bs, set.count - start) },
            (_, i) => start + i,
          );
          const logits = (model as unknown as Forward).forward(toImageTensor(set, idx, norm));
          const labels = Int32Array.from(idx, (i) => set.labels[i]!);
          lossSum += crossEntropy(logits, labels, { reduction: 'sum' }).item();
          const pred = logits.argmax(1).toTypedArray();
          labels.forEach((y, i) => {
            confusion[y]![pred[i]!]!++;
          });
        });
      }
    });
  } finally {
    model.train(wasTraining);
  }
  const perClass = confusion.map((row, c) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total ? row[c]! / total : NaN;
  });
  const correct = confusion.reduce((s, row, c) => s + row[c]!, 0);
  return {
    loss: lossSum / set.count,
    accuracy: correct / set.count,
    perClass,
    confusion,
    count: set.count,
  };
}
