// Batch normalisation (Ioffe & Szegedy 2015) with PyTorch's semantics:
// training: y = (x − mean_B) / sqrt(var_B + eps) · γ + β with the biased batch variance, and
//   running = (1 − momentum) · running + momentum · stat (the running variance is unbiased);
// eval: the running statistics are used instead.
// One op, forward and backward side by side: the kernels (tensor/kernels/batchnorm.ts) make a
// couple of passes where the composite of sub/mul/mean made about fifteen. Under createGraph the
// backward is the same formula written in tensor ops, so second derivatives still work:
//   x̂ = (x − mean) · rstd,  dx = γ · rstd / M · (M·g − Σg − x̂ · Σ g·x̂),  dγ = Σ g·x̂,  dβ = Σ g
// (M values per channel; with running statistics mean and rstd are constants: dx = γ · rstd · g).
// With `relu: true` the op is relu(batchNorm(x)) in one node — what a BatchNorm layer followed by a
// ReLU in a Sequential runs — whose backward takes relu's gradient g·[r > 0] from the output r
// inside the batch-norm passes: the same bits as the two ops, a pass and an activation fewer.
import { tensor } from '../../autograd/creation.js';
import { isGradEnabled } from '../../autograd/grad-mode.js';
import { record } from '../../autograd/node.js';
import { reluBackward } from '../../autograd/ops/unary.js';
import { floating } from '../../autograd/ops/util.js';
import { Tensor } from '../../autograd/tensor.js';
import {
  batchNormBackwardKernel,
  batchNormForwardKernel,
  batchNormStatsKernel,
} from '../../tensor/kernels/batchnorm.js';
import { formatShape } from '../../tensor/shape.js';

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  training?: boolean;
  momentum?: number;
  eps?: number;
  /** relu(batchNorm(x)) as one op (not a PyTorch option: kdgrad's fusion of the two layers). */
  relu?: boolean;
}

/** Each per-channel tensor given must be [C]: the error names it and its shape. */
function checkPerChannel(C: number, tensors: Record<string, Tensor | null | undefined>): void {
  for (const [name, t] of Object.entries(tensors)) {
    if (t && (t.ndim !== 1 || t.shape[0] !== C))
      throw new RangeError(
        `batchNorm: ${name} must have shape [${C}], got ${formatShape(t.shape)}`,
      );
  }
}

/**
 * The batch's per-channel mean and (biased) variance; when running statistics are given they
 * move towards the batch's by `momentum`, the variance unbiased as PyTorch does (M / (M − 1)).
 */
function batchStatistics(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  momentum: number,
): { mean: ArrayLike<number>; variance: ArrayLike<number> } {
  const { mean, variance } = batchNormStatsKernel(x.storage);
  if (runningMean && runningVar) {
    const C = x.shape[1]!;
    const M = x.numel() / C;
    const rm = runningMean.storage;
    const rv = runningVar.storage;
    for (let c = 0; c < C; c++) {
      rm.data[rm.offset + c * rm.strides[0]!] = (1 - momentum) * rm.get([c]) + momentum * mean[c]!;
      rv.data[rv.offset + c * rv.strides[0]!] =
        (1 - momentum) * rv.get([c]) + momentum * variance[c]! * (M / (M - 1));
    }
  }
  return { mean, variance };
}

export function batchNorm(
  input: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  opts: BatchNormOptions = {},
): Tensor {
  const { training = false, momentum = 0.1, eps = 1e-5, relu = false } = opts;
  if (input.ndim < 2)
    throw new RangeError(
      `batchNorm: expected input [batch, channels, ...], got shape ${formatShape(input.shape)}`,
    );
  const x = floating(input);
  const C = x.shape[1]!;
  checkPerChannel(C, { runningMean, runningVar, weight: opts.weight, bias: opts.bias });
  const weight = opts.weight
    ? opts.weight.dtype === x.dtype
      ? opts.weight
      : opts.weight.to(x.dtype)
    : null;
  const bias = opts.bias ? (opts.bias.dtype === x.dtype ? opts.bias : opts.bias.to(x.dtype)) : null;
  const dims = [0, ...Array.from({ length: x.ndim - 2 }, (_, i) => i + 2)];
  const view = [1, C, ...Array<number>(x.ndim - 2).fill(1)];
  const M = x.numel() / C;
  const batchStats = training || !runningMean || !runningVar;
  if (batchStats && training && M <= 1)
    throw new RangeError(
      `batchNorm: expected more than 1 value per channel when training, got input of shape ${formatShape(x.shape)}`,
    );
  const { mean, variance } = batchStats
    ? batchStatistics(x, training ? runningMean : null, training ? runningVar : null, momentum)
    : { mean: runningMean.toTypedArray(), variance: runningVar.toTypedArray() };
  const rstd = Float64Array.from(variance, (v) => 1 / Math.sqrt(v + eps));
  const out = batchNormForwardKernel(
    x.storage,
    mean,
    rstd,
    weight?.storage ?? null,
    bias?.storage ?? null,
    x.dtype,
    relu,
  );
  const inputs = [x, weight, bias].filter((t): t is Tensor => t !== null);
  // the statistics as constant tensors: only a backward with running statistics or under createGraph needs them
  const meanT = () => tensor(Float64Array.from(mean), { dtype: x.dtype, shape: view });
  const rstdT = () => tensor(rstd, { dtype: x.dtype, shape: view });
  const channels = (t: Tensor) => t.reshape(C);
  return record(relu ? 'batchNormRelu' : 'batchNorm', inputs, out, (gOut) => {
    // with the ReLU fused, gOut is the gradient of r = relu(y): relu's backward gives y's, g·[r > 0]
    // (the first-order kernel applies it as it reads gOut; the other paths take it from here)
    let gated: Tensor | null = null;
    const gy = () => (!relu ? gOut : (gated ??= reluBackward(gOut, new Tensor(out))));
    let fused: ReturnType<typeof batchNormBackwardKernel> | null = null;
    // first order: the fused kernel, once for all inputs; under createGraph: tensor ops
    const kernel = () =>
      (fused ??= batchNormBackwardKernel(
        gOut.storage,
        x.storage,
        mean,
        rstd,
        weight?.storage ?? null,
        x.requiresGrad && batchStats,
        x.dtype,
        relu ? out : null,
      ));
    const graph = !isGradEnabled()
      ? null
      : (() => {
          // with batch statistics, mean and rstd are functions of x (so second derivatives see them)
          const mu = batchStats ? x.mean(dims, true) : meanT();
          const centred = x.sub(mu);
          const rs = batchStats ? centred.square().mean(dims, true).add(eps).rsqrt() : rstdT();
          const xhat = centred.mul(rs);
          const g = gy();
          return { rs, xhat, g, sumG: g.sum(dims, true), sumGXhat: g.mul(xhat).sum(dims, true) };
        })();
    const scale = (rs: Tensor) => (weight ? weight.reshape(view).mul(rs) : rs);
    const dx = () => {
      if (graph) {
        const k = scale(graph.rs);
        const g = graph.g;
        return batchStats
          ? k.div(M).mul(g.mul(M).sub(graph.sumG).sub(graph.xhat.mul(graph.sumGXhat)))
          : g.mul(k);
      }
      if (batchStats) return new Tensor(kernel().dx!);
      return gy().mul(scale(rstdT())); // constant statistics: dx = γ · rstd · g
    };
    const dWeight = () =>
      graph ? channels(graph.sumGXhat) : tensor(kernel().sumGXhat, { dtype: x.dtype });
    const dBias = () => (graph ? channels(graph.sumG) : tensor(kernel().sumG, { dtype: x.dtype }));
    return [dx, ...(weight ? [dWeight] : []), ...(bias ? [dBias] : [])];
  });
}
