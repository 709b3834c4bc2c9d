// Elementwise kernels over strided, broadcast inputs. Output is always a fresh contiguous array.
// Dims that are laid out contiguously for every operand are merged first ("coalesced"), so most
// broadcasts reduce to a short outer loop around a long inner one; the hottest ops get their own
// inner loops (a closure call per element cannot be inlined once many ops share the call site),
// written without data-dependent branches where they can be: +(x > y), not x > y ? 1 : 0.
import type { DType, TypedArray } from '../dtype.js';
import { allocateUninitialized } from '../pool.js';
import { broadcastShapes, broadcastStrides, numel, type Shape } from '../shape.js';
import { TensorData } from '../storage.js';
import { binaryF32Wasm, EW_BINARY_OPS, EW_MIN, reluF32Wasm } from './wasm-kernels.js';

/** Merges dim d into d+1 wherever stride[d] = stride[d+1]·shape[d+1] for every operand; drops size-1 dims. */
export function coalesce(
  shape: Shape,
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    if (size === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, q) => outStrides[q]![last] === s[d]! * size)) {
      outShape[last] = outShape[last]! * size;
      strides.forEach((s, q) => {
        outStrides[q]![last] = s[d]!;
      });
    } else {
      outShape.push(size);
      strides.forEach((s, q) => outStrides[q]!.push(s[d]!));
    }
  }
  if (!outShape.length) {
    outShape.push(1);
    strides.forEach((_, q) => outStrides[q]!.push(0));
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * Visits the coalesced outer index space of `shape`, calling inner(outStart, offsets, length, innerStrides)
 * once per innermost run.
 */
export function forEachRun(
  shape: Shape,
  strides: readonly (readonly number[])[],
  offsets: readonly number[],
  inner: (o: number, at: number[], len: number, step: number[]) => void,
): void {
  if (numel(shape) === 0) return;
  const c = coalesce(shape, strides);
  const nd = c.shape.length;
  const len = c.shape[nd - 1]!;
  const step = c.strides.map((s) => s[nd - 1]!);
  const base = [...offsets];
  const idx = new Array<number>(nd).fill(0);
  const runs = numel(c.shape) / len;
  for (let r = 0; r < runs; r++) {
    inner(r * len, base, len, step);
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]!++;
      for (let q = 0; q < base.length; q++) base[q]! += c.strides[q]![d]!;
      if (idx[d]! < c.shape[d]!) break;
      for (let q = 0; q < base.length; q++) base[q]! -= c.strides[q]![d]! * c.shape[d]!;
      idx[d] = 0;
    }
  }
}

/** Copies a strided view into a fresh contiguous array of `dtype` (values cast by the typed array). */
export function stridedCopy(a: TensorData, out: TypedArray): void {
  const src = a.data;
  forEachRun(a.shape, [a.strides], [a.offset], (o, at, len, step) => {
    let i = at[0]!;
    const s = step[0]!;
    if (s === 1) {
      for (let j = 0; j < len; j++) out[o + j] = src[i + j]!;
      return;
    }
    for (let j = 0; j < len; j++, i += s) out[o + j] = src[i]!;
  });
}

/**
 * dst += src elementwise, in place (a gradient accumulated into a .grad buffer it owns): dst is
 * contiguous, src any view of the same shape and dtype. Each sum is rounded to the dtype as
 * binaryMap's add rounds it, so the result is bit-identical to dst.add(src).
 */
export function accumulateInto(dst: TensorData, src: TensorData): void {
  const out = dst.data;
  const from = src.data;
  const base = dst.offset;
  if (out instanceof Float32Array && from instanceof Float32Array && dst.size >= EW_MIN) {
    if (wasmBinary('add', dst, src, dst.shape, out, base)) return;
  }
  forEachRun(src.shape, [src.strides], [src.offset], (o, at, len, step) => {
    let i = at[0]!;
    const s = step[0]!;
    const d = base + o;
    if (s === 1) {
      for (let j = 0; j < len; j++) out[d + j] = out[d + j]! + from[i + j]!;
      return;
    }
    for (let j = 0; j < len; j++, i += s) out[d + j] = out[d + j]! + from[i]!;
  });
}

const UNARY: Record<
  string,
  (src: TypedArray, i: number, s: number, out: TypedArray, o: number, len: number) => void
> = {
  neg: (src, i, s, out, o, len) => {
    for (let j = 0; j < len; j++, i += s) out[o + j] = -src[i]!;
  },
  exp: (src, i, s, out, o, len) => {
    for (let j = 0; j < len; j++, i += s) out[o + j] = Math.exp(src[i]!);
  },
  log: (src, i, s, out, o, len) => {
    for (let j = 0; j < len; j++, i += s) out[o + j] = Math.log(src[i]!);
  },
  square: (src, i, s, out, o, len) => {
    for (let j = 0; j < len; j++, i += s) {
      const v = src[i]!;
      out[o + j] = v * v;
    }
  },
  // v·[v > 0] + 0 has no data-dependent branch (a random-sign branch mispredicts half the time,
  // 5× slower); + 0 turns −0 into 0, and the rare NaN (from NaN or −∞ inputs) is fixed after.
  relu: (src, i, s, out, o, len) => {
    for (let j = 0; j < len; j++, i += s) {
      const v = src[i]!;
      const r = v * +(v > 0) + 0;
      out[o + j] = r === r ? r : v === v ? 0 : v;
    }
  },
};

/** out[i] = fn(a[i]); `op` selects a dedicated loop for the hottest ops (fn defines the result). */
export function unaryMap(
  a: TensorData,
  outDtype: DType,
  fn: (x: number) => number,
  op = '',
): TensorData {
  const out = allocateUninitialized(outDtype, a.size);
  const src = a.data;
  const fast = UNARY[op];
  if (
    op === 'relu' &&
    src instanceof Float32Array &&
    out instanceof Float32Array &&
    a.isContiguous()
  ) {
    if (out.length >= EW_MIN && reluF32Wasm(src, a.offset, out, out.length))
      return new TensorData(out, a.shape);
  }
  if (a.isContiguous()) {
    // the common case needs no index bookkeeping at all
    if (fast) fast(src, a.offset, 1, out, 0, out.length);
    else for (let j = 0, i = a.offset; j < out.length; j++, i++) out[j] = fn(src[i]!);
    return new TensorData(out, a.shape);
  }
  forEachRun(a.shape, [a.strides], [a.offset], (o, at, len, step) => {
    if (fast) {
      fast(src, at[0]!, step[0]!, out, o, len);
      return;
    }
    let i = at[0]!;
    const s = step[0]!;
    for (let j = 0; j < len; j++, i += s) out[o + j] = fn(src[i]!);
  });
  return new TensorData(out, a.shape);
}

type BinaryLoop = (
  x: TypedArray,
  i: number,
  si: number,
  y: TypedArray,
  k: number,
  sk: number,
  out: TypedArray,
  o: number,
  len: number,
) => void;
const BINARY: Record<string, BinaryLoop> = {
  add: (x, i, si, y, k, sk, out, o, len) => {
    for (let j = 0; j < len; j++, i += si, k += sk) out[o + j] = x[i]! + y[k]!;
  },
  sub: (x, i, si, y, k, sk, out, o, len) => {
    for (let j = 0; j < len; j++, i += si, k += sk) out[o + j] = x[i]! - y[k]!;
  },
  mul: (x, i, si, y, k, sk, out, o, len) => {
    for (let j = 0; j < len; j++, i += si, k += sk) out[o + j] = x[i]! * y[k]!;
  },
  div: (x, i, si, y, k, sk, out, o, len) => {
    for (let j = 0; j < len; j++, i += si, k += sk) out[o + j] = x[i]! / y[k]!;
  },
  gt: (x, i, si, y, k, sk, out, o, len) => {
    for (let j = 0; j < len; j++, i += si, k += sk) out[o + j] = +(x[i]! > y[k]!);
  },
  ge: (x, i, si, y, k, sk, out, o, len) => {
    for (let j = 0; j < len; j++, i += si, k += sk) out[o + j] = +(x[i]! >= y[k]!);
  },
  lt: (x, i, si, y, k, sk, out, o, len) => {
    for (let j = 0; j < len; j++, i += si, k += sk) out[o + j] = +(x[i]! < y[k]!);
  },
  le: (x, i, si, y, k, sk, out, o, len) => {
    for (let j = 0; j < len; j++, i += si, k += sk) out[o + j] = +(x[i]! <= y[k]!);
  },
  eq: (x, i, si, y, k, sk, out, o, len) => {
    for (let j = 0; j < len; j++, i += si, k += sk) out[o + j] = +(x[i]! === y[k]!);
  },
  // relu's backward: g · [x > 0]
  reluGrad: (x, i, si, y, k, sk, out, o, len) => {
    for (let j = 0; j < len; j++, i += si, k += sk) out[o + j] = x[i]! * +(y[k]! > 0);
  },
};

/** Same sizes once leading 1s are ignored: a contiguous operand then lines up element for element. */
function sameLayout(own: Shape, shape: Shape): boolean {
  const off = shape.length - own.length;
  for (let d = 0; d < shape.length; d++)
    if ((d < off ? 1 : own[d - off]!) !== shape[d]) return false;
  return true;
}

/** out = fn(a, b) with NumPy broadcasting; `op` names the op in errors and picks a fast loop. */
export function binaryMap(
  a: TensorData,
  b: TensorData,
  outDtype: DType,
  fn: (x: number, y: number) => number,
  op: string,
): TensorData {
  const shape = broadcastShapes(a.shape, b.shape, op);
  const out = allocateUninitialized(outDtype, numel(shape));
  const da = a.data;
  const db = b.data;
  const fast = BINARY[op];
  const n = out.length;
  if (n >= EW_MIN && out instanceof Float32Array && wasmBinary(op, a, b, shape, out, 0)) {
    return new TensorData(out, shape);
  }
  // contiguous operands of the output's size, or a single value: one flat loop
  const flatA = a.size === n && a.isContiguous() ? 1 : a.size === 1 ? 0 : -1;
  const flatB = b.size === n && b.isContiguous() ? 1 : b.size === 1 ? 0 : -1;
  if (
    flatA >= 0 &&
    flatB >= 0 &&
    (flatA === 0 || a.ndim <= shape.length) &&
    (flatB === 0 || b.ndim <= shape.length) &&
    (flatA === 0 || sameLayout(a.shape, shape)) &&
    (flatB === 0 || sameLayout(b.shape, shape))
  ) {
    if (fast) fast(da, a.offset, flatA, db, b.offset, flatB, out, 0, n);
    else
      for (let j = 0, i = a.offset, k = b.offset; j < n; j++, i += flatA, k += flatB)
        out[j] = fn(da[i]!, db[k]!);
    return new TensorData(out, shape);
  }
  const sa = broadcastStrides(a.shape, a.strides, shape);
  const sb = broadcastStrides(b.shape, b.strides, shape);
  forEachRun(shape, [sa, sb], [a.offset, b.offset], (o, at, len, step) => {
    if (fast) {
      fast(da, at[0]!, step[0]!, db, at[1]!, step[1]!, out, o, len);
      return;
    }
    let i = at[0]!;
    let k = at[1]!;
    const si = step[0]!;
    const sk = step[1]!;
    for (let j = 0; j < len; j++, i += si, k += sk) out[o + j] = fn(da[i]!, db[k]!);
  });
  return new TensorData(out, shape);
}

/**
 * The float32 fast path of binaryMap and accumulateInto: out[outOff..] = op(a, b) broadcast to
 * `shape`, in wasm when the op has a kernel, both operands are float32, the layout coalesces to
 * at most 3 dims and no stride is negative; false (nothing done) otherwise.
 */
function wasmBinary(
  op: string,
  a: TensorData,
  b: TensorData,
  shape: Shape,
  out: Float32Array,
  outOff: number,
): boolean {
  const code = EW_BINARY_OPS[op];
  if (code === undefined || !(a.data instanceof Float32Array) || !(b.data instanceof Float32Array))
    return false;
  const c = coalesce(shape, [
    broadcastStrides(a.shape, a.strides, shape),
    broadcastStrides(b.shape, b.strides, shape),
  ]);
  if (c.shape.length > 3 || c.strides.some((s) => s.some((v) => v < 0))) return false;
  return binaryF32Wasm(
    code,
    a.data,
    a.offset,
    c.strides[0]!,
    b.data,
    b.offset,
    c.strides[1]!,
    c.shape,
    out,
    outOff,
  );
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
