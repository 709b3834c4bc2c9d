// Elementwise kernels over strided, broadcast inputs. Output is always a fresh contiguous array.
// An op is either a named kernel of the backend (its own inner loop, and wasm for the hottest
// float32 ones: a closure call per element cannot be inlined once many ops share the call site)
// or a named function run per element — never both, so a name and a function cannot disagree.
import { backend, type BinaryOp, type UnaryOp } from '../backend/index.js';
import type { DType } from '../dtype.js';
import { forEachRun } from '../layout.js';
import { allocateUninitialized } from '../buffer-pool.js';
import { broadcastShapes, broadcastStrides, numel } from '../shape.js';
import { TensorData } from '../storage.js';

/** An elementwise op without a kernel: its name (for errors) and its value per element. */
export interface NamedFunction<F> {
  name: string;
  fn: F;
}

/**
 * dst += src elementwise, in place (a gradient accumulated into a .grad buffer it owns): dst is
 * contiguous, src any view of the same shape and dtype. Each sum is rounded to the dtype as
 * binaryMap's add rounds it, so the result is bit-identical to dst.add(src).
 */
export function accumulateInto(dst: TensorData, src: TensorData): void {
  backend.binary(
    'add',
    dst.data,
    dst.offset,
    dst.strides,
    src.data,
    src.offset,
    src.strides,
    src.shape,
    dst.data,
    dst.offset,
  );
}

/** out[i] = op(a[i]), with op a kernel of the backend or a named function. */
export function unaryMap(
  a: TensorData,
  outDtype: DType,
  op: UnaryOp | NamedFunction<(x: number) => number>,
): TensorData {
  const out = allocateUninitialized(outDtype, a.size);
  if (typeof op === 'string') {
    backend.unary(op, a.data, a.offset, a.strides, a.shape, out);
    return new TensorData(out, a.shape);
  }
  const src = a.data;
  const fn = op.fn;
  forEachRun(a.shape, [a.strides], [a.offset], (o, at, len, step) => {
    let i = at[0]!;
    const s = step[0]!;
    for (let j = 0; j < len; j++, i += s) out[o + j] = fn(src[i]!);
  });
  return new TensorData(out, a.shape);
}

/** out = op(a, b) with NumPy broadcasting, op a kernel of the backend or a named function. */
export function binaryMap(
  a: TensorData,
  b: TensorData,
  outDtype: DType,
  op: BinaryOp | NamedFunction<(x: number, y: number) => number>,
): TensorData {
  const name = typeof op === 'string' ? op : op.name;
  const shape = broadcastShapes(a.shape, b.shape, name);
  const out = allocateUninitialized(outDtype, numel(shape));
  const sa = broadcastStrides(a.shape, a.strides, shape);
  const sb = broadcastStrides(b.shape, b.strides, shape);
  if (typeof op === 'string') {
    backend.binary(op, a.data, a.offset, sa, b.data, b.offset, sb, shape, out, 0);
    return new TensorData(out, shape);
  }
  const da = a.data;
  const db = b.data;
  const fn = op.fn;
  forEachRun(shape, [sa, sb], [a.offset, b.offset], (o, at, len, step) => {
    let i = at[0]!;
    let k = at[1]!;
    const si = step[0]!;
    const sk = step[1]!;
    for (let j = 0; j < len; j++, i += si, k += sk) out[o + j] = fn(da[i]!, db[k]!);
  });
  return new TensorData(out, shape);
}

/** out = cond ? a : b, all three broadcast together. */
export function whereKernel(
  cond: TensorData,
  a: TensorData,
  b: TensorData,
  outDtype: DType,
): TensorData {
  const shape = broadcastShapes(broadcastShapes(cond.shape, a.shape, 'where'), b.shape, 'where');
  const out = allocateUninitialized(outDtype, numel(shape));
  const dc = cond.data;
  const da = a.data;
  const db = b.data;
  const strides = [cond, a, b].map((t) => broadcastStrides(t.shape, t.strides, shape));
  forEachRun(shape, strides, [cond.offset, a.offset, b.offset], (o, at, len, step) => {
    let c = at[0]!;
    let i = at[1]!;
    let k = at[2]!;
    for (let j = 0; j < len; j++, c += step[0]!, i += step[1]!, k += step[2]!)
      out[o + j] = dc[c] ? da[i]! : db[k]!;
  });
  return new TensorData(out, shape);
}
