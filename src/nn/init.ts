// Weight initialisation, as torch.nn.init. All functions fill the tensor in place (no graph)
// and take an optional generator so initialisation is reproducible.
import type { Tensor } from '../autograd/tensor.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';

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
  const d = t.storage.data;
  for (let i = 0; i < d.length; i++) d[i] = low + (high - low) * generator.random();
  return t;
}

export function normal_(
  t: Tensor,
  mean = 0,
  std = 1,
  generator: Generator = defaultGenerator,
): Tensor {
  const d = t.storage.data;
  for (let i = 0; i < d.length; i++) d[i] = mean + std * generator.normal();
  return t;
}

export const zeros_ = (t: Tensor): Tensor => {
  t.storage.data.fill(0);
  return t;
};
export const ones_ = (t: Tensor): Tensor => {
  t.storage.data.fill(1);
  return t;
};

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
