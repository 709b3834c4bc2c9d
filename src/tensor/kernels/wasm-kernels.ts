// The JavaScript side of the wasm fast paths: copy the operands into wasm memory, run the kernel
// over all threads, copy the result out. Each returns false (doing nothing) when the wasm
// kernels are unavailable, and the caller runs its TypeScript reference kernel instead.
import { ARGS_AT, heapF32, heapI32, reserve, residentOffset, wasm, type Wasm } from './wasm.js';
import { getNumThreads, parallel, solo } from './threads.js';

/** Bytes to reserve for n floats of `a`: none when `a` is resident (used in place). */
const need = (a: Float32Array, n: number) => (residentOffset(a) >= 0 ? 0 : n * 4);

/** The byte offset of n floats from a[off] in wasm memory: in place when resident, else copied to `at`. */
function place(heap: Float32Array, a: Float32Array, off: number, n: number, at: number): number {
  const r = residentOffset(a);
  if (r >= 0) return r + off * 4;
  heap.set(a.subarray(off, off + n), at / 4);
  return at;
}

/** Where a kernel writes n floats of `out` from outOff: in place when resident, else at scratch `at`. */
function target(out: Float32Array, outOff: number, at: number): number {
  const r = residentOffset(out);
  return r >= 0 ? r + outOff * 4 : at;
}

/** Copies a kernel's result from scratch `at` into `out` (nothing to do when `out` is resident). */
function collect(
  heap: Float32Array,
  out: Float32Array,
  outOff: number,
  n: number,
  at: number,
): void {
  if (residentOffset(out) < 0) out.set(heap.subarray(at / 4, at / 4 + n), outOff);
}

/** Below this many multiply-adds a product is not worth splitting across threads. */
const PARALLEL_MIN_WORK = 1 << 17;

/**
 * C = A @ B for row-major float32 matrices (A: n×k at aOff; B: k×m at bOff, or, with
 * transposeB, B stored as m×k), written to C at cOff.
 */
export function sgemm(
  A: Float32Array,
  aOff: number,
  B: Float32Array,
  bOff: number,
  C: Float32Array,
  cOff: number,
  n: number,
  k: number,
  m: number,
  transposeB = false,
): boolean {
  const w = wasm();
  if (!w) return false;
  const split = n >= 8 && n * k * m >= PARALLEL_MIN_WORK;
  const packBytes = w.exports.gemmPackFloats(k) * 4;
  const sizes = [
    need(A, n * k),
    need(B, k * m),
    need(C, n * m),
    (split ? getNumThreads() : 1) * packBytes,
  ];
  const [ra, rb, rc, pp] = reserve(w, sizes) as [number, number, number, number];
  const heap = heapF32(w);
  const pa = place(heap, A, aOff, n * k, ra);
  const pb = place(heap, B, bOff, k * m, rb);
  const pc = target(C, cOff, rc);
  if (split) parallel(w, 'sgemmParallel', [pa, pb, pc, n, k, m, transposeB ? 1 : 0, pp, packBytes]);
  else if (transposeB) w.exports.sgemmNT(pa, pb, pc, n, k, m);
  else w.exports.sgemm(pa, pb, pc, n, k, m, pp);
  collect(heap, C, cOff, n * m, rc);
  return true;
}

/** Sizes of one 2-D convolution over NCHW images. */
export interface ConvShape {
  B: number;
  C: number;
  H: number;
  W: number;
  O: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  Ho: number;
  Wo: number;
}

function writeGeometry(heap: Int32Array, s: ConvShape): void {
  heap.set([s.C, s.H, s.W, s.O, s.kh, s.kw, s.sh, s.sw, s.ph, s.pw, s.Ho, s.Wo], ARGS_AT / 4);
}

const dims = (s: ConvShape) => ({ K: s.C * s.kh * s.kw, L: s.Ho * s.Wo, X: s.C * s.H * s.W });
const align16 = (bytes: number) => Math.ceil(bytes / 16) * 16;

/** y [B, O, Ho, Wo] = w [O, C·kh·kw] @ im2col(x) per image. */
export function conv2dForwardWasm(
  x: Float32Array,
  weight: Float32Array,
  y: Float32Array,
  s: ConvShape,
): boolean {
  const w = wasm();
  if (!w) return false;
  const { K, L, X } = dims(s);
  const nt = getNumThreads();
  const scratchBytes = align16(K * L * 4) + w.exports.gemmPackFloats(K) * 4;
  const sizes = [
    need(x, s.B * X),
    need(weight, s.O * K),
    need(y, s.B * s.O * L),
    nt * scratchBytes,
  ];
  const [rx, rw, ry, ps] = reserve(w, sizes) as [number, number, number, number];
  const heap = heapF32(w);
  const px = place(heap, x, 0, s.B * X, rx);
  const pw = place(heap, weight, 0, s.O * K, rw);
  const py = target(y, 0, ry);
  writeGeometry(heapI32(w), s);
  parallel(w, 'conv2dForward', [ARGS_AT, px, pw, py, s.B, ps, scratchBytes]);
  collect(heap, y, 0, s.B * s.O * L, ry);
  return true;
}

/** dx [B, C, H, W] = col2im(wᵀ @ g) per image. */
export function conv2dInputGradWasm(
  g: Float32Array,
  weight: Float32Array,
  dx: Float32Array,
  s: ConvShape,
): boolean {
  const w = wasm();
  if (!w) return false;
  const { K, L, X } = dims(s);
  const nt = getNumThreads();
  const scratchBytes = align16(K * L * 4) + w.exports.gemmPackFloats(s.O) * 4;
  const sizes = [need(g, s.B * s.O * L), K * s.O * 4, need(dx, s.B * X), nt * scratchBytes];
  const [rg, pwT, rdx, ps] = reserve(w, sizes) as [number, number, number, number];
  const heap = heapF32(w);
  const pg = place(heap, g, 0, s.B * s.O * L, rg);
  const pdx = target(dx, 0, rdx);
  // wᵀ [K, O]: small, transposed here once so the kernel runs a plain product per image
  const wT = pwT / 4;
  for (let o = 0; o < s.O; o++)
    for (let q = 0; q < K; q++) heap[wT + q * s.O + o] = weight[o * K + q]!;
  heap.fill(0, pdx / 4, pdx / 4 + s.B * X);
  writeGeometry(heapI32(w), s);
  parallel(w, 'conv2dInputGrad', [ARGS_AT, pg, pwT, pdx, s.B, ps, scratchBytes]);
  collect(heap, dx, 0, s.B * X, rdx);
  return true;
}

/** Partial sums of the weight gradient: fixed, so the result is the same for any thread count. */
const WEIGHT_GRAD_CHUNKS = 8;

/** dw [O, C·kh·kw] = Σ_b g[b] @ im2col(x[b])ᵀ, as WEIGHT_GRAD_CHUNKS partial sums (split over threads) added here. */
export function conv2dWeightGradWasm(
  x: Float32Array,
  g: Float32Array,
  dw: Float32Array,
  s: ConvShape,
): boolean {
  const w = wasm();
  if (!w) return false;
  const { K, L, X } = dims(s);
  const nt = getNumThreads();
  const n = s.O * K;
  const scratchBytes = align16(K * L * 4) + align16(n * 4);
  const sizes = [
    need(x, s.B * X),
    need(g, s.B * s.O * L),
    WEIGHT_GRAD_CHUNKS * n * 4,
    nt * scratchBytes,
  ];
  const [rx, rg, pparts, ps] = reserve(w, sizes) as [number, number, number, number];
  const heap = heapF32(w);
  const px = place(heap, x, 0, s.B * X, rx);
  const pg = place(heap, g, 0, s.B * s.O * L, rg);
  writeGeometry(heapI32(w), s);
  parallel(w, 'conv2dWeightGrad', [
    ARGS_AT,
    px,
    pg,
    pparts,
    s.B,
    WEIGHT_GRAD_CHUNKS,
    ps,
    scratchBytes,
  ]);
  const base = pparts / 4;
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let q = 0; q < WEIGHT_GRAD_CHUNKS; q++) sum += heap[base + q * n + i]!;
    dw[i] = sum;
  }
  return true;
}

/** Window maxima and first-maximum positions of B·C planes [H, W] (s.B = planes; s.C, s.O unused). */
export function maxPool2dWasm(
  x: Float32Array,
  vals: Float32Array,
  idx: Int32Array,
  s: ConvShape,
): boolean {
  const w = wasm();
  if (!w) return false;
  const n = s.B * s.Ho * s.Wo;
  const [rx, rv, pi] = reserve(w, [need(x, s.B * s.H * s.W), need(vals, n), n * 4]) as [
    number,
    number,
    number,
  ];
  const heap = heapF32(w);
  const px = place(heap, x, 0, s.B * s.H * s.W, rx);
  const pv = target(vals, 0, rv);
  writeGeometry(heapI32(w), s);
  parallel(w, 'maxPool2dForward', [ARGS_AT, px, pv, pi, s.B]);
  collect(heap, vals, 0, n, rv);
  idx.set(heapI32(w).subarray(pi / 4, pi / 4 + n));
  return true;
}

/** Codes of the binary ops assembly/elementwise.ts runs. */
export const EW_BINARY_OPS: Readonly<Record<string, number>> = {
  add: 0,
  sub: 1,
  mul: 2,
  reluGrad: 3,
};

/** Below this many elements the copies and the fork-join cost more than an elementwise op. */
export const EW_MIN = 16384;

/** Elementwise-sized work: over the threads from two units of EW_MIN elements, else on this thread. */
const runner = (size: number) => (size >= 2 * EW_MIN ? parallel : solo);

/** Floats from the first to the last element a view of `shape` with these (non-negative) strides reads. */
const span = (shape: readonly number[], strides: readonly number[]) =>
  shape.reduce((s, d, i) => s + (d - 1) * strides[i]!, 1);

/**
 * out[outOff..] (contiguous) = op(x, y) for the coalesced shape (1 to 3 dims) and element strides
 * of x and y (non-negative). out may be x itself (a gradient accumulated in place).
 */
export function binaryF32Wasm(
  op: number,
  x: Float32Array,
  xOff: number,
  xs: readonly number[],
  y: Float32Array,
  yOff: number,
  ys: readonly number[],
  shape: readonly number[],
  out: Float32Array,
  outOff: number,
): boolean {
  const w = wasm();
  if (!w || shape.length > 3) return false;
  const pad = 3 - shape.length;
  const d = [...Array<number>(pad).fill(1), ...shape];
  const sx = [...Array<number>(pad).fill(0), ...xs];
  const sy = [...Array<number>(pad).fill(0), ...ys];
  const n = d[0]! * d[1]! * d[2]!;
  const nx = span(d, sx),
    ny = span(d, sy);
  const [rx, ry, ro] = reserve(w, [need(x, nx), need(y, ny), need(out, n)]) as [
    number,
    number,
    number,
  ];
  const heap = heapF32(w);
  const px = place(heap, x, xOff, nx, rx);
  const py = place(heap, y, yOff, ny, ry);
  heapI32(w).set([...d, ...sx, ...sy], ARGS_AT / 4);
  // a resident out (e.g. a gradient accumulated in place) is written where it lives
  runner(n)(w, 'binaryF32', [op, px, py, target(out, outOff, ro), ARGS_AT]);
  collect(heap, out, outOff, n, ro);
  return true;
}

/** out = relu(x) over n contiguous float32 elements from x[xOff]. */
export function reluF32Wasm(x: Float32Array, xOff: number, out: Float32Array, n: number): boolean {
  const w = wasm();
  if (!w) return false;
  const [rx, ro] = reserve(w, [need(x, n), need(out, n)]) as [number, number];
  const heap = heapF32(w);
  const px = place(heap, x, xOff, n, rx);
  runner(n)(w, 'reluF32', [px, target(out, 0, ro), n]);
  collect(heap, out, 0, n, ro);
  return true;
}

/**
 * One SGD step with momentum over float32 parameters p, gradients g and momentum buffers b (same
 * length), in place: the loop of src/nn/optim/sgd.ts, bit for bit (assembly/optim.ts).
 */
export function sgdMomentumF32Wasm(
  p: Float32Array,
  g: Float32Array,
  b: Float32Array,
  o: { lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean },
): boolean {
  const w = wasm();
  if (!w) return false;
  const n = p.length;
  const [rp, rg, rb] = reserve(w, [need(p, n), need(g, n), need(b, n)]) as [number, number, number];
  const heap = heapF32(w);
  const pp = place(heap, p, 0, n, rp);
  const pg = place(heap, g, 0, n, rg);
  const pb = place(heap, b, 0, n, rb);
  new Float64Array(w.memory.buffer, ARGS_AT, 4).set([
    o.lr,
    o.momentum,
    1 - o.dampening,
    o.weightDecay,
  ]);
  runner(n)(w, 'sgdMomentumF32', [pp, pg, pb, n, ARGS_AT, o.nesterov ? 1 : 0]);
  // resident parameters and momentum were updated where they live
  collect(heap, p, 0, n, rp);
  collect(heap, b, 0, n, rb);
  return true;
}

/** Float64 arrays of per-channel numbers written into wasm memory at `at` (8-byte aligned). */
function putF64(w: Wasm, at: number, values: ArrayLike<number>): void {
  new Float64Array(w.memory.buffer, at, values.length).set(values);
}
function getF64(w: Wasm, at: number, out: Float64Array): void {
  out.set(new Float64Array(w.memory.buffer, at, out.length));
}

/** Batch-norm statistics of float32 x [N, C, S] from x[xOff] (contiguous): per-channel mean and biased variance. */
export function bnStatsWasm(
  x: Float32Array,
  xOff: number,
  N: number,
  C: number,
  S: number,
  mean: Float64Array,
  variance: Float64Array,
): boolean {
  const w = wasm();
  if (!w) return false;
  const n = N * C * S;
  const [rx, pm, pv] = reserve(w, [need(x, n), C * 8, C * 8]) as [number, number, number];
  const px = place(heapF32(w), x, xOff, n, rx);
  runner(n)(w, 'bnStatsF32', [px, N, C, S, pm, pv]);
  getF64(w, pm, mean);
  getF64(w, pv, variance);
  return true;
}

/** out = x·scale_c + shift_c for float32 x [N, C, S] from x[xOff] (contiguous), per element in float64. */
export function bnAffineWasm(
  x: Float32Array,
  xOff: number,
  out: Float32Array,
  N: number,
  C: number,
  S: number,
  scale: ArrayLike<number>,
  shift: ArrayLike<number>,
): boolean {
  const w = wasm();
  if (!w) return false;
  const n = N * C * S;
  const [rx, ro, ps, pt] = reserve(w, [need(x, n), need(out, n), C * 8, C * 8]) as [
    number,
    number,
    number,
    number,
  ];
  const heap = heapF32(w);
  const px = place(heap, x, xOff, n, rx);
  putF64(w, ps, scale);
  putF64(w, pt, shift);
  runner(n)(w, 'bnForwardF32', [px, target(out, 0, ro), N, C, S, ps, pt]);
  collect(heap, out, 0, n, ro);
  return true;
}

/** Per-channel Σ g and Σ g·(x − mean_c) of float32 g and x [N, C, S] (contiguous, from gOff and xOff). */
export function bnBackwardSumsWasm(
  g: Float32Array,
  gOff: number,
  x: Float32Array,
  xOff: number,
  N: number,
  C: number,
  S: number,
  mean: ArrayLike<number>,
  sumG: Float64Array,
  sumGX: Float64Array,
): boolean {
  const w = wasm();
  if (!w) return false;
  const n = N * C * S;
  const sizes = [need(g, n), need(x, n), C * 8, C * 8, C * 8];
  const [rg, rx, pm, psg, psx] = reserve(w, sizes) as [number, number, number, number, number];
  const heap = heapF32(w);
  const pg = place(heap, g, gOff, n, rg);
  const px = place(heap, x, xOff, n, rx);
  putF64(w, pm, mean);
  runner(n)(w, 'bnBackwardSumsF32', [pg, px, N, C, S, pm, psg, psx]);
  getF64(w, psg, sumG);
  getF64(w, psx, sumGX);
  return true;
}

/** dx = a_c·g + b_c·x + d_c (coef: a, b, d per channel) for float32 g and x [N, C, S] (contiguous). */
export function bnBackwardDxWasm(
  g: Float32Array,
  gOff: number,
  x: Float32Array,
  xOff: number,
  dx: Float32Array,
  N: number,
  C: number,
  S: number,
  coef: ArrayLike<number>,
): boolean {
  const w = wasm();
  if (!w) return false;
  const n = N * C * S;
  const sizes = [need(g, n), need(x, n), need(dx, n), C * 24];
  const [rg, rx, rd, pc] = reserve(w, sizes) as [number, number, number, number];
  const heap = heapF32(w);
  const pg = place(heap, g, gOff, n, rg);
  const px = place(heap, x, xOff, n, rx);
  putF64(w, pc, coef);
  runner(n)(w, 'bnBackwardDxF32', [pg, px, target(dx, 0, rd), N, C, S, pc]);
  collect(heap, dx, 0, n, rd);
  return true;
}

/** out[c] = Σ over n and s of float32 x [N, C, S] (contiguous from x[xOff]), float64, in sumKernel's order. */
export function channelSumsWasm(
  x: Float32Array,
  xOff: number,
  N: number,
  C: number,
  S: number,
  out: Float64Array,
): boolean {
  const w = wasm();
  if (!w) return false;
  const n = N * C * S;
  const [rx, po] = reserve(w, [need(x, n), C * 8]) as [number, number];
  const px = place(heapF32(w), x, xOff, n, rx);
  runner(n)(w, 'channelSumsF32', [px, N, C, S, po]);
  getF64(w, po, out);
  return true;
}
