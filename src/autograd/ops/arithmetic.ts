// Binary arithmetic with broadcasting. The engine sums each gradient back to its input's
// shape, so the rules below are written for the broadcast (output) shape.
import { binaryMap, unaryMap } from '../../tensor/kernels/elementwise.js';
import { record } from '../node.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { operands } from './util.js';
import { where } from './indexing.js';

// d(a + b) = (g, g)
export function add(a: TensorLike, b: TensorLike): Tensor {
  const [x, y, dtype] = operands('add', a, b);
  // bool + bool is logical or (as PyTorch): the result stays 0 or 1
  const out =
    dtype === 'bool'
      ? binaryMap(x.storage, y.storage, dtype, {
          name: 'logicalOr',
          fn: (p, q) => (p !== 0 || q !== 0 ? 1 : 0),
        })
      : binaryMap(x.storage, y.storage, dtype, 'add');
  return record('add', [x, y], out, (g) => [() => g, () => g]);
}

// d(a - b) = (g, -g)
export function sub(a: TensorLike, b: TensorLike): Tensor {
  const [x, y, dtype] = operands('sub', a, b);
  if (dtype === 'bool') {
    throw new TypeError(
      'sub: subtracting two bool tensors is not supported (as in PyTorch); to invert a mask use mask.eq(0), or convert with .int() first',
    );
  }
  return record('sub', [x, y], binaryMap(x.storage, y.storage, dtype, 'sub'), (g) => [
    () => g,
    () => neg(g),
  ]);
}

// d(a * b) = (g * b, g * a)
export function mul(a: TensorLike, b: TensorLike): Tensor {
  const [x, y, dtype] = operands('mul', a, b);
  return record('mul', [x, y], binaryMap(x.storage, y.storage, dtype, 'mul'), (g) => [
    () => mul(g, y),
    () => mul(g, x),
  ]);
}

// d(a / b) = (g / b, -g * a / b²)
export function div(a: TensorLike, b: TensorLike): Tensor {
  const [x, y, dtype] = operands('div', a, b, true);
  return record('div', [x, y], binaryMap(x.storage, y.storage, dtype, 'div'), (g) => [
    () => div(g, y),
    () => neg(div(mul(g, x), mul(y, y))),
  ]);
}

// d(a^b) = (g * b * a^(b-1), g * a^b * ln a); the exponent's gradient is 0 where a = 0 (as PyTorch).
export function pow(a: TensorLike, b: TensorLike): Tensor {
  const [x, y, dtype] = operands('pow', a, b, true);
  const out = record(
    'pow',
    [x, y],
    binaryMap(x.storage, y.storage, dtype, { name: 'pow', fn: Math.pow }),
    (g) => [
      () => mul(g, mul(y, pow(x, sub(y, 1)))),
      () => where(x.eq(0), 0, mul(g, mul(pow(x, y), x.log()))),
    ],
  );
  return out;
}

// d(-a) = -g
export function neg(a: Tensor): Tensor {
  if (a.dtype === 'bool') {
    throw new TypeError(
      'neg: negating a bool tensor is not supported (as in PyTorch); to invert a mask use mask.eq(0), or convert with .int() first',
    );
  }
  return record('neg', [a], unaryMap(a.storage, a.dtype, 'neg'), (g) => [() => neg(g)]);
}

// d max(a, b) = g where a > b, g/2 each on ties (as torch.maximum).
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return extremum(
    'maximum',
    a,
    b,
    (p, q) => (Number.isNaN(p) || Number.isNaN(q) ? NaN : Math.max(p, q)),
    1,
  );
}

// d min(a, b) = g where a < b, g/2 each on ties (as torch.minimum).
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return extremum(
    'minimum',
    a,
    b,
    (p, q) => (Number.isNaN(p) || Number.isNaN(q) ? NaN : Math.min(p, q)),
    -1,
  );
}

function extremum(
  op: string,
  a: TensorLike,
  b: TensorLike,
  fn: (p: number, q: number) => number,
  sign: 1 | -1,
): Tensor {
  const [x, y, dtype] = operands(op, a, b);
  const share = (p: Tensor, q: Tensor) => {
    // weight 1 where p wins, 0.5 on a tie, 0 where q wins
    const wins = sign > 0 ? p.gt(q) : p.lt(q);
    return add(wins.to(dtype), mul(p.eq(q).to(dtype), 0.5));
  };
  return record(op, [x, y], binaryMap(x.storage, y.storage, dtype, { name: op, fn }), (g) => [
    () => mul(g, share(x, y)),
    () => mul(g, share(y, x)),
  ]);
}
