// Sliding windows over NCHW images: unfold (im2col) and its adjoint fold (col2im).
// Each is the other's backward, so conv2d and pooling built on them get gradients of any order.
import { foldKernel, outputSize, unfoldKernel, type Window } from '../../tensor/kernels/conv.js';
import { formatShape } from '../../tensor/shape.js';
import { record } from '../node.js';
import type { Tensor } from '../tensor.js';
import { floating } from './util.js';

export type Pair = number | readonly [number, number];
export interface WindowOptions {
  stride?: Pair;
  padding?: Pair;
}

/** A size given as one number or as [height, width], as [height, width]. */
export const toPair = (v: Pair): [number, number] =>
  typeof v === 'number' ? [v, v] : [v[0], v[1]];

const pair = (v: Pair, name: string, op: string, min: number): [number, number] => {
  const p = toPair(v);
  if (!p.every((x) => Number.isInteger(x) && x >= min))
    throw new RangeError(`${op}: ${name} must be integer(s) >= ${min}, got ${JSON.stringify(v)}`);
  return p;
};

/** Validated window; the output must have at least one position. */
export function makeWindow(
  op: string,
  kernel: Pair,
  opts: WindowOptions,
  h: number,
  w: number,
  stride?: Pair,
): Window {
  const win: Window = {
    kernel: pair(kernel, 'kernelSize', op, 1),
    stride: pair(opts.stride ?? stride ?? 1, 'stride', op, 1),
    padding: pair(opts.padding ?? 0, 'padding', op, 0),
  };
  const [Ho, Wo] = outputSize(h, w, win);
  if (Ho < 1 || Wo < 1) {
    throw new RangeError(
      `${op}: kernel ${formatShape(win.kernel)} with padding ${formatShape(win.padding)} does not fit an input of size ${h}x${w}`,
    );
  }
  return win;
}

/** The [batch, channels, height, width] of a 4-D input, or an error naming the op and the shape. */
export function checkImage(op: string, x: Tensor): [number, number, number, number] {
  if (x.ndim !== 4)
    throw new RangeError(
      `${op}: expected a 4-D input [batch, channels, height, width], got shape ${formatShape(x.shape)}`,
    );
  return x.shape as [number, number, number, number];
}

// d unfold(x) = fold(g): every input pixel collects the gradient of each window it appears in
export function unfold(a: Tensor, kernelSize: Pair, opts: WindowOptions = {}): Tensor {
  const x = floating(a);
  checkImage('unfold', x);
  const [, C, H, W] = x.shape as [number, number, number, number];
  const win = makeWindow('unfold', kernelSize, opts, H, W);
  return record('unfold', [x], unfoldKernel(x.storage, win), (g) => [
    () => fold(g, [H, W], kernelSize, { stride: win.stride, padding: win.padding, channels: C }),
  ]);
}

// d fold(cols) = unfold(g)
export function fold(
  a: Tensor,
  outputSize2: readonly [number, number],
  kernelSize: Pair,
  opts: WindowOptions & { channels?: number } = {},
): Tensor {
  const cols = floating(a);
  if (cols.ndim !== 3)
    throw new RangeError(
      `fold: expected a 3-D input [batch, C*kh*kw, L], got shape ${formatShape(cols.shape)}`,
    );
  const [H, W] = outputSize2;
  const win = makeWindow('fold', kernelSize, opts, H, W);
  const k = win.kernel[0] * win.kernel[1];
  const C = opts.channels ?? cols.shape[1]! / k;
  const [Ho, Wo] = outputSize(H, W, win);
  if (!Number.isInteger(C) || C * k !== cols.shape[1] || cols.shape[2] !== Ho * Wo) {
    throw new RangeError(
      `fold: input of shape ${formatShape(cols.shape)} does not match kernel ${formatShape(win.kernel)} and output ${H}x${W} (expected [B, C*${k}, ${Ho * Wo}])`,
    );
  }
  return record('fold', [cols], foldKernel(cols.storage, C, [H, W], win, cols.dtype), (g) => [
    () => unfold(g, kernelSize, { stride: win.stride, padding: win.padding }),
  ]);
}
