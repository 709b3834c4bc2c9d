// Max pooling as its own op pair. Forward remembers where each window's maximum was; the
// backward routes g there with maxUnpool2d, whose own backward gathers from those places:
//   d maxPool2d(x) = maxUnpool2d(g, indices),   d maxUnpool2d(v) = gather of g at indices.
// Both directions are linear in what flows through them, so every order of gradient exists.
import {
  gatherPlanesKernel,
  maxPool2dKernel,
  maxUnpool2dKernel,
} from '../../tensor/kernels/pooling.js';
import { formatShape } from '../../tensor/shape.js';
import { record } from '../node.js';
import { Tensor } from '../tensor.js';
import { floating } from './util.js';
import { checkImage, makeWindow, type WindowOptions, type Pair } from './window.js';

export interface ValuesAndIndices {
  values: Tensor;
  /** Flat position y·W + x of each maximum within its [H, W] plane (int32), as PyTorch's return_indices. */
  indices: Tensor;
}

/** Window maxima and where they were; padding counts as −∞, the first maximum wins, NaN wins. */
export function maxPool2dWithIndices(
  a: Tensor,
  kernelSize: Pair,
  opts: WindowOptions = {},
): ValuesAndIndices {
  const x = floating(a);
  const [, , H, W] = checkImage('maxPool2d', x);
  const win = makeWindow('maxPool2d', kernelSize, opts, H, W, kernelSize);
  if (win.padding[0] > win.kernel[0] / 2 || win.padding[1] > win.kernel[1] / 2) {
    throw new RangeError(
      `maxPool2d: padding ${formatShape(win.padding)} must be at most half the kernel ${formatShape(win.kernel)}`,
    );
  }
  const { values, indices } = maxPool2dKernel(x.storage, win);
  const idx = new Tensor(indices);
  return {
    values: record('maxPool2d', [x], values, (g) => [() => unpool(g, idx, [H, W])]),
    indices: idx,
  };
}

function checkIndices(
  op: string,
  v: Tensor,
  indices: Tensor,
  size: readonly [number, number],
): void {
  checkImage(op, v);
  if (indices.dtype !== 'int32' || indices.shape.join() !== v.shape.join()) {
    throw new RangeError(
      `${op}: indices must be int32 of the input's shape ${formatShape(v.shape)}, got ${indices.dtype} ${formatShape(indices.shape)}`,
    );
  }
  const [H, W] = size;
  if (!(Number.isInteger(H) && Number.isInteger(W) && H > 0 && W > 0))
    throw new RangeError(
      `${op}: output size must be two positive integers, got ${JSON.stringify(size)}`,
    );
  const d = indices.storage.contiguous().data;
  for (let i = 0; i < d.length; i++) {
    if (!(d[i]! >= 0 && d[i]! < H * W))
      throw new RangeError(
        `${op}: index ${d[i]} at flat position ${i} is outside a ${H}x${W} plane`,
      );
  }
}

/** out[b, c].flat[indices[b, c, i]] += v[b, c, i] for an output of [B, C, H, W] (repeated indices add up). */
export function maxUnpool2d(
  a: Tensor,
  indices: Tensor,
  outputSize: readonly [number, number],
): Tensor {
  const v = floating(a);
  checkIndices('maxUnpool2d', v, indices, outputSize);
  return unpool(v, indices, outputSize);
}

/** maxUnpool2d on indices made by maxPool2dWithIndices itself (already valid: not scanned again). */
function unpool(v: Tensor, indices: Tensor, outputSize: readonly [number, number]): Tensor {
  return record(
    'maxUnpool2d',
    [v],
    maxUnpool2dKernel(v.storage, indices.storage, outputSize, v.dtype),
    (g) => [() => gatherPlanes(g, indices)],
  );
}

// d gatherPlanes(g) = maxUnpool2d(gg): the pair are each other's adjoint
function gatherPlanes(g: Tensor, indices: Tensor): Tensor {
  const [, , H, W] = g.shape as [number, number, number, number];
  return record(
    'gatherPlanes',
    [g],
    gatherPlanesKernel(g.storage, indices.storage, g.dtype),
    (gg) => [() => unpool(gg, indices, [H, W])],
  );
}
