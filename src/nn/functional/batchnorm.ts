// Batch normalisation (Ioffe & Szegedy 2015) with PyTorch's semantics:
// training: y = (x − mean_B) / sqrt(var_B + eps) · γ + β with the biased batch variance, and
//   running = (1 − momentum) · running + momentum · stat (the running variance is unbiased);
// eval: the running statistics are used instead.
import { noGrad } from '../../autograd/grad-mode.js';
import type { Tensor } from '../../autograd/tensor.js';
import { formatShape } from '../../tensor/shape.js';

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  training?: boolean;
  momentum?: number;
  eps?: number;
}

export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, opts: BatchNormOptions = {}): Tensor {
  const { weight = null, bias = null, training = false, momentum = 0.1, eps = 1e-5 } = opts;
  if (x.ndim < 2) throw new RangeError(`batchNorm: expected input [batch, channels, ...], got shape ${formatShape(x.shape)}`);
  const C = x.shape[1]!;
  for (const [name, t] of [['runningMean', runningMean], ['runningVar', runningVar], ['weight', weight], ['bias', bias]] as const) {
    if (t && (t.ndim !== 1 || t.shape[0] !== C)) throw new RangeError(`batchNorm: ${name} must have shape [${C}], got ${formatShape(t.shape)}`);
  }
  const dims = [0, ...Array.from({ length: x.ndim - 2 }, (_, i) => i + 2)];
  const view = [1, C, ...Array<number>(x.ndim - 2).fill(1)];
  let mean: Tensor;
  let variance: Tensor;
  if (training || !runningMean || !runningVar) {
    const n = x.numel() / C;
    if (training && n <= 1) throw new RangeError(`batchNorm: expected more than 1 value per channel when training, got input of shape ${formatShape(x.shape)}`);
    mean = x.mean(dims, true);
    variance = x.sub(mean).square().mean(dims, true);
    if (training && runningMean && runningVar) {
      noGrad(() => {
        const m = mean.reshape(C);
        const unbiased = variance.reshape(C).mul(n / (n - 1));
        runningMean.storage.data.set(runningMean.mul(1 - momentum).add(m.mul(momentum)).to(runningMean.dtype).storage.data);
        runningVar.storage.data.set(runningVar.mul(1 - momentum).add(unbiased.mul(momentum)).to(runningVar.dtype).storage.data);
      });
    }
  } else {
    mean = runningMean.reshape(view);
    variance = runningVar.reshape(view);
  }
  let y = x.sub(mean).mul(variance.add(eps).rsqrt());
  if (weight) y = y.mul(weight.reshape(view));
  if (bias) y = y.add(bias.reshape(view));
  return y;
}
