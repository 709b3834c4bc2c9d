// Elementwise functions of one tensor. Each backward reuses the forward result where it can.
import type { UnaryOp } from '../../tensor/backend/index.js';
import { binaryMap, type NamedFunction, unaryMap } from '../../tensor/kernels/elementwise.js';
import { isGradEnabled } from '../grad-mode.js';
import { record } from '../node.js';
import { Tensor } from '../tensor.js';
import { div, mul, neg, sub } from './arithmetic.js';
import { floating } from './util.js';

function unaryFloat(
  op: UnaryOp | NamedFunction<(x: number) => number>,
  a: Tensor,
  backward: (g: Tensor, x: Tensor, out: Tensor) => Tensor,
): Tensor {
  const x = floating(a);
  const name = typeof op === 'string' ? op : op.name;
  const out: Tensor = record(name, [x], unaryMap(x.storage, x.dtype, op), (g) => [
    () => backward(g, x, out),
  ]);
  return out;
}

// d exp(x) = g * exp(x)
export const exp = (a: Tensor): Tensor => unaryFloat('exp', a, (g, _x, out) => mul(g, out));
// d log(x) = g / x
export const log = (a: Tensor): Tensor => unaryFloat('log', a, (g, x) => div(g, x));
// d sqrt(x) = g / (2 sqrt(x))
export const sqrt = (a: Tensor): Tensor =>
  unaryFloat({ name: 'sqrt', fn: Math.sqrt }, a, (g, _x, out) => div(g, mul(out, 2)));
// d x^(-1/2) = -g / (2 x^(3/2)) = -g * out³ / 2
export const rsqrt = (a: Tensor): Tensor =>
  unaryFloat({ name: 'rsqrt', fn: (v) => 1 / Math.sqrt(v) }, a, (g, _x, out) =>
    mul(g, mul(out, mul(out, out))).mul(-0.5),
  );
// d |x| = g * sign(x); sign(0) = 0, so the kink gets gradient 0 (as PyTorch)
export const abs = (a: Tensor): Tensor =>
  unaryFloat({ name: 'abs', fn: Math.abs }, a, (g, x) => mul(g, sign(x)));
// d relu(x) = g * [x > 0]; relu'(0) = 0 (as PyTorch). First order in one fused pass; under
// createGraph as tensor ops (the mask is a constant, so the second derivative is 0 but exists).
export const relu = (a: Tensor): Tensor => unaryFloat('relu', a, (g, x) => reluBackward(g, x));

/**
 * relu's backward g·[v > 0], v its input or its output (the same mask): one pass at first order,
 * tensor ops under createGraph. Also the gate of the ops with a ReLU fused (batchNormRelu,
 * conv2dRelu) where their kernels do not apply it themselves.
 */
export function reluBackward(g: Tensor, v: Tensor): Tensor {
  return isGradEnabled() || g.dtype !== v.dtype
    ? mul(g, v.gt(0).to(v.dtype))
    : new Tensor(binaryMap(g.storage, v.storage, v.dtype, 'reluGrad'));
}
// d σ(x) = g * σ(x)(1 - σ(x)); the two branches keep exp from overflowing
export const sigmoid = (a: Tensor) =>
  unaryFloat(
    {
      name: 'sigmoid',
      fn: (v) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v))),
    },
    a,
    (g, _x, out) => mul(g, mul(out, sub(1, out))),
  );
// d tanh(x) = g * (1 - tanh²(x))
export const tanh = (a: Tensor): Tensor =>
  unaryFloat({ name: 'tanh', fn: Math.tanh }, a, (g, _x, out) => mul(g, sub(1, mul(out, out))));
// d sin(x) = g * cos(x)
export const sin = (a: Tensor): Tensor =>
  unaryFloat({ name: 'sin', fn: Math.sin }, a, (g, x) => mul(g, cos(x)));
// d cos(x) = -g * sin(x)
export const cos = (a: Tensor): Tensor =>
  unaryFloat({ name: 'cos', fn: Math.cos }, a, (g, x) => neg(mul(g, sin(x))));
// d (1/x) = -g / x² = -g * out²
export const reciprocal = (a: Tensor): Tensor =>
  unaryFloat({ name: 'reciprocal', fn: (v) => 1 / v }, a, (g, _x, out) =>
    neg(mul(g, mul(out, out))),
  );
// d x² = 2 g x
export const square = (a: Tensor): Tensor => unaryFloat('square', a, (g, x) => mul(g, mul(x, 2)));

// d clamp(x, lo, hi) = g where lo <= x <= hi, else 0 (boundaries pass the gradient, as PyTorch)
export function clamp(a: Tensor, min?: number | null, max?: number | null): Tensor {
  const lo = min ?? -Infinity;
  const hi = max ?? Infinity;
  if (Number.isNaN(lo) || Number.isNaN(hi))
    throw new RangeError(`clamp: bounds must not be NaN (min ${min}, max ${max})`);
  if (lo > hi) throw new RangeError(`clamp: min ${lo} is greater than max ${hi}`);
  return unaryFloat({ name: 'clamp', fn: (v) => (v < lo ? lo : v > hi ? hi : v) }, a, (g, x) =>
    mul(g, x.ge(lo).to(x.dtype).mul(x.le(hi).to(x.dtype))),
  );
}

/** -1, 0 or 1 (NaN stays NaN); piecewise constant, so no gradient. */
export function sign(a: Tensor): Tensor {
  return record(
    'sign',
    [a],
    unaryMap(a.storage, a.dtype, { name: 'sign', fn: (v) => (v > 0 ? 1 : v < 0 ? -1 : v) }),
    null,
  );
}
