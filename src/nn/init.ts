// Weight initialisation, as torch.nn.init. All functions fill the tensor in place (no graph)
// and take an optional generator so initialisation is reproducible.
import type { Tensor } from '../autograd/tensor.js';
import { bumpVersion } from '../autograd/version.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';

/**
 * Fills t in place with fill(i) for element i. Only a whole contiguous tensor (a parameter, not
 * a view into one) is filled: its array is exactly its elements. The write is an in-place change
 * that a graph which used t will refuse to backward through (version.ts).
 */
function fillWith(t: Tensor, op: string, fill: (i: number) => number): Tensor {
  const s = t.storage;
  if (!s.isContiguous() || s.offset !== 0 || s.data.length !== s.size)
    throw new RangeError(`init.${op}: expects a whole contiguous tensor, not a view into another`);
  const d = s.data;
  for (let i = 0; i < d.length; i++) d[i] = fill(i);
  bumpVersion(s);
  return t;
}

/** fan_in = size(1) · receptive field; fan_out = size(0) · receptive field. */
export function fans(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.ndim < 2)
    throw new RangeError(`init: fan in/out need a tensor with at least 2 dims, got ${t.ndim}`);
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: t.shape[1]! * receptive, fanOut: t.shape[0]! * receptive };
}

export function uniform_(
  t: Tensor,
  low: number,
  high: number,
  generator: Generator = defaultGenerator,
): Tensor {
  return fillWith(t, 'uniform_', () => low + (high - low) * generator.random());
}

export function normal_(
  t: Tensor,
  mean = 0,
  std = 1,
  generator: Generator = defaultGenerator,
): Tensor {
  return fillWith(t, 'normal_', () => mean + std * generator.normal());
}

export const zeros_ = (t: Tensor): Tensor => fillWith(t, 'zeros_', () => 0);
export const ones_ = (t: Tensor): Tensor => fillWith(t, 'ones_', () => 1);

/** gain for leaky_relu with slope a: sqrt(2 / (1 + a²)) */
export function calculateGain(
  nonlinearity: 'linear' | 'relu' | 'leaky_relu' | 'tanh' | 'sigmoid',
  param = 0.01,
): number {
  switch (nonlinearity) {
    case 'linear':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu':
      return Math.sqrt(2 / (1 + param * param));
  }
}

/**
 * Kaiming (He) uniform: U(−b, b) with b = gain · sqrt(3 / fan_in). PyTorch's Linear and Conv2d
 * call it with a = √5, which gives b = 1 / sqrt(fan_in).
 */
export function kaimingUniform_(
  t: Tensor,
  opts: { a?: number; nonlinearity?: 'relu' | 'leaky_relu'; generator?: Generator } = {},
): Tensor {
  const gain = calculateGain(opts.nonlinearity ?? 'leaky_relu', opts.a ?? 0);
  const bound = gain * Math.sqrt(3 / fans(t).fanIn);
  return uniform_(t, -bound, bound, opts.generator);
}

/** Kaiming (He) normal: N(0, (gain / sqrt(fan))²); fan_out is what torchvision's ResNets use. */
export function kaimingNormal_(
  t: Tensor,
  opts: {
    a?: number;
    mode?: 'fan_in' | 'fan_out';
    nonlinearity?: 'relu' | 'leaky_relu';
    generator?: Generator;
  } = {},
): Tensor {
  const gain = calculateGain(opts.nonlinearity ?? 'leaky_relu', opts.a ?? 0);
  const f = fans(t);
  return normal_(
    t,
    0,
    gain / Math.sqrt(opts.mode === 'fan_out' ? f.fanOut : f.fanIn),
    opts.generator,
  );
}

/** Glorot: U(−b, b), b = gain · sqrt(6 / (fan_in + fan_out)). */
export function xavierUniform_(t: Tensor, gain = 1, generator?: Generator): Tensor {
  const { fanIn, fanOut } = fans(t);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -bound, bound, generator);
}
