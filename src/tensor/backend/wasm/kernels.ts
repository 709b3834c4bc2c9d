// The wasm backend: the primitives of ../types.ts it accelerates, for float32 arrays. Each copies
// its operands into wasm memory (or uses them in place when they are resident), runs the kernel
// over the threads and copies the result out. Only ../dispatch.ts calls these, after checking
// that the kernels are loaded and that the call suits them (dtype, layout, size).
import type { TypedArray } from '../../dtype.js';
import type { Backend, BinaryOp, ConvShape, SgdHyper } from '../types.js';
import { BINARY_OP_CODES, ELEMENTWISE_UNIT } from './exports.generated.js';
import { wasm, type Wasm } from './loader.js';
import { align16, ARGS_AT, heapF32, heapI32, reserve, residentOffset } from './memory.js';
import { getNumThreads, parallel, solo } from './threads.js';

/** The loaded kernels (dispatch.ts calls in only when they are). */
const loaded = (): Wasm => wasm()!;

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

const f32 = (a: TypedArray) => a as Float32Array;

// the binary kernel's layout arguments, reused by every call
const heapArgs = new Int32Array(9);

/** Below this many multiply-adds a product is not worth splitting across threads. */
export const PARALLEL_MIN_WORK = 1 << 17;

/** Elementwise-sized work: over the threads from two units of elements, else on this thread. */
const runner = (size: number) => (size >= 2 * ELEMENTWISE_UNIT ? parallel : solo);

function writeGeometry(heap: Int32Array, s: ConvShape): void {
  heap.set([s.C, s.H, s.W, s.O, s.kh, s.kw, s.sh, s.sw, s.ph, s.pw, s.Ho, s.Wo], ARGS_AT / 4);
}

/** Bytes of the zero-padded channel plane of im2col and col2im (assembly/conv.ts). */
const padBytes = (s: ConvShape) => align16((s.H + 2 * s.ph) * (s.W + 2 * s.pw) * 4);

/**
 * A thread's im2col region in the forward: the im2col matrix, or (the product without im2col,
 * column stride 1) the window offsets and the padded image (assembly/conv.ts, colsRegion).
 */
const colsBytes = (s: ConvShape) =>
  Math.max(
    align16(s.C * s.kh * s.kw * s.Ho * s.Wo * 4),
    align16(s.C * s.kh * s.kw * 4) + align16(s.C * (s.H + 2 * s.ph) * (s.W + 2 * s.pw) * 4),
  );

const dims = (s: ConvShape) => ({ K: s.C * s.kh * s.kw, L: s.Ho * s.Wo, X: s.C * s.H * s.W });

/** Float64 arrays of per-channel numbers written into wasm memory at `at` (8-byte aligned). */
function putF64(w: Wasm, at: number, values: ArrayLike<number>): void {
  new Float64Array(w.memory.buffer, at, values.length).set(values);
}
function getF64(w: Wasm, at: number, out: Float64Array): void {
  out.set(new Float64Array(w.memory.buffer, at, out.length));
}

/** Partial sums of the weight gradient: fixed, so the result is the same for any thread count. */
const WEIGHT_GRAD_CHUNKS = 8;

type AfterOp<F> = F extends (op: never, ...rest: infer R) => void ? R : never;

/** The primitives the wasm backend runs: relu only of the unary ops, binary ops with a code. */
export type WasmBackend = Omit<Backend, 'unary' | 'binary' | 'im2col' | 'col2im'> & {
  relu(x: TypedArray, xOff: number, out: TypedArray, n: number): void;
  binary(op: BinaryOp & keyof typeof BINARY_OP_CODES, ...rest: AfterOp<Backend['binary']>): void;
};

export const wasmBackend: WasmBackend = {
  /** out = relu(x) over n contiguous elements from x[xOff]. */
  relu(xa, xOff, oa, n) {
    const w = loaded();
    const [x, out] = [f32(xa), f32(oa)];
    const [rx, ro] = reserve(w, [need(x, n), need(out, n)]);
    const heap = heapF32(w);
    const px = place(heap, x, xOff, n, rx);
    runner(n)(w, 'reluF32', [px, target(out, 0, ro), n]);
    collect(heap, out, 0, n, ro);
  },

  /** For a layout of 1 to 3 dims with non-negative strides. */
  binary(op, xa, xOff, xs, ya, yOff, ys, shape, oa, outOff) {
    const w = loaded();
    const [x, y, out] = [f32(xa), f32(ya), f32(oa)];
    // the layout as 3 dims (leading ones of size 1, stride 0): sizes, x's strides, y's strides
    const pad = 3 - shape.length;
    const args = heapArgs;
    let n = 1,
      nx = 1,
      ny = 1;
    for (let i = 0; i < 3; i++) {
      const size = i < pad ? 1 : shape[i - pad]!;
      const a = i < pad ? 0 : xs[i - pad]!,
        b = i < pad ? 0 : ys[i - pad]!;
      args[i] = size;
      args[3 + i] = a;
      args[6 + i] = b;
      n *= size;
      nx += (size - 1) * a;
      ny += (size - 1) * b;
    }
    const [rx, ry, ro] = reserve(w, [need(x, nx), need(y, ny), need(out, n)]);
    const heap = heapF32(w);
    const px = place(heap, x, xOff, nx, rx);
    const py = place(heap, y, yOff, ny, ry);
    heapI32(w).set(args, ARGS_AT / 4);
    // a resident out (e.g. a gradient accumulated in place) is written where it lives
    const code = BINARY_OP_CODES[op];
    runner(n)(w, 'binaryF32', [code, px, py, target(out, outOff, ro), ARGS_AT]);
    collect(heap, out, outOff, n, ro);
  },

  /** In sumKernel's order (each run of S as run-sum.ts orders it, then added per n): same bits. */
  channelSums(xa, xOff, N, C, S, out) {
    const w = loaded();
    const x = f32(xa);
    const n = N * C * S;
    const [rx, po] = reserve(w, [need(x, n), C * 8]);
    const px = place(heapF32(w), x, xOff, n, rx);
    runner(n)(w, 'channelSumsF32', [px, N, C, S, po]);
    getF64(w, po, out);
  },

  gemm(Aa, aOff, Ba, bOff, Ca, cOff, n, k, m, transposeB) {
    const w = loaded();
    const [A, B, C] = [f32(Aa), f32(Ba), f32(Ca)];
    const split = n >= 8 && n * k * m >= PARALLEL_MIN_WORK;
    const packBytes = w.exports.gemmPackFloats(k) * 4;
    const sizes = [
      need(A, n * k),
      need(B, k * m),
      need(C, n * m),
      (split ? getNumThreads() : 1) * packBytes,
    ] as const;
    const [ra, rb, rc, pp] = reserve(w, sizes);
    const heap = heapF32(w);
    const pa = place(heap, A, aOff, n * k, ra);
    const pb = place(heap, B, bOff, k * m, rb);
    const pc = target(C, cOff, rc);
    if (split)
      parallel(w, 'sgemmParallel', [pa, pb, pc, n, k, m, transposeB ? 1 : 0, pp, packBytes]);
    else if (transposeB) w.exports.sgemmNT(pa, pb, pc, n, k, m);
    else w.exports.sgemm(pa, pb, pc, n, k, m, pp);
    collect(heap, C, cOff, n * m, rc);
  },

  /** Per-image im2col + GEMM (+ bias, + relu), images split over the threads. */
  conv2dForward(xa, wa, ba, ya, s, relu) {
    const w = loaded();
    const [x, weight, y] = [f32(xa), f32(wa), f32(ya)];
    const bias = ba && f32(ba);
    const { K, L, X } = dims(s);
    const nt = getNumThreads();
    const scratchBytes = colsBytes(s) + w.exports.gemmPackFloats(K) * 4 + padBytes(s);
    const sizes = [
      need(x, s.B * X),
      need(weight, s.O * K),
      bias ? need(bias, s.O) : 0,
      need(y, s.B * s.O * L),
      nt * scratchBytes,
    ] as const;
    const [rx, rw, rb, ry, ps] = reserve(w, sizes);
    const heap = heapF32(w);
    const px = place(heap, x, 0, s.B * X, rx);
    const pw = place(heap, weight, 0, s.O * K, rw);
    const pb = bias ? place(heap, bias, 0, s.O, rb) : 0;
    const py = target(y, 0, ry);
    writeGeometry(heapI32(w), s);
    parallel(w, 'conv2dForward', [ARGS_AT, px, pw, pb, relu ? 1 : 0, py, s.B, ps, scratchBytes]);
    collect(heap, y, 0, s.B * s.O * L, ry);
  },

  /**
   * Images split over the threads. With stride 1 (W a multiple of 8, padding below the kernel
   * size) as a convolution of g with the flipped filters, without col2im (assembly/conv.ts).
   */
  conv2dInputGrad(ga, wa, dxa, s) {
    const w = loaded();
    const [g, weight, dx] = [f32(ga), f32(wa), f32(dxa)];
    const { K, L, X } = dims(s);
    const nt = getNumThreads();
    // (and C a multiple of 4: each block of 4 input channels is one of the micro-kernel's row
    // blocks; a first layer's 3 channels would all run in its slower one-row tail)
    const implicit =
      s.sh === 1 && s.sw === 1 && s.W % 8 === 0 && s.ph < s.kh && s.pw < s.kw && s.C % 4 === 0;
    // the implicit product's offsets and padded g share the im2col region
    const gPadded = s.O * (s.Ho + 2 * (s.kh - 1 - s.ph)) * (s.Wo + 2 * (s.kw - 1 - s.pw)) * 4;
    const region = implicit
      ? Math.max(align16(K * L * 4), align16(s.O * s.kh * s.kw * 4) + align16(gPadded))
      : align16(K * L * 4);
    const scratchBytes = region + w.exports.gemmPackFloats(s.O) * 4 + padBytes(s);
    const n = K * s.O;
    const sizes = [need(g, s.B * s.O * L), need(weight, n), n * 4, need(dx, s.B * X)] as const;
    const [rg, rw, pw2, rdx, ps] = reserve(w, [...sizes, nt * scratchBytes]);
    const heap = heapF32(w);
    const pg = place(heap, g, 0, s.B * s.O * L, rg);
    const pdx = target(dx, 0, rdx);
    // small, rearranged once (in wasm): the flipped filters, or wᵀ [K, O] for a plain product
    const pw = place(heap, weight, 0, n, rw);
    if (implicit) w.exports.flipFiltersF32(pw, pw2, s.O, s.C, s.kh, s.kw);
    else w.exports.transposeF32(pw, pw2, s.O, K);
    writeGeometry(heapI32(w), s);
    const args = [ARGS_AT, pg, pw2, pdx, s.B, implicit ? 1 : 0, ps, scratchBytes];
    parallel(w, 'conv2dInputGrad', args);
    collect(heap, dx, 0, s.B * X, rdx);
  },

  /**
   * As WEIGHT_GRAD_CHUNKS partial sums (split over threads), added here; the gate and the bias
   * sums of `extras` in the same pass (the bias's per-image row sums added here over b in order).
   */
  conv2dWeightGrad(xa, ga, dwa, s, extras) {
    const w = loaded();
    const [x, g, dw] = [f32(xa), f32(ga), f32(dwa)];
    const gate = extras?.gate;
    const biasGrad = extras?.biasGrad;
    const { K, L, X } = dims(s);
    const nt = getNumThreads();
    const n = s.O * K;
    const G = s.B * s.O * L;
    // a gated g not kept is written per image to the thread's scratch, after the padded plane
    const gateBytes = gate && !gate.out ? align16(s.O * L * 4) : 0;
    const scratchBytes = align16(K * L * 4) + align16(n * 4) + padBytes(s) + gateBytes;
    const sizes = [
      need(x, s.B * X),
      need(g, G),
      (WEIGHT_GRAD_CHUNKS + 1) * n * 4,
      nt * scratchBytes,
      gate ? need(f32(gate.y), G) : 0,
      gate?.out ? need(f32(gate.out), G) : 0,
      biasGrad ? s.B * s.O * 8 : 0,
    ] as const;
    const [rx, rg, pparts, ps, ry, rout, pruns] = reserve(w, sizes);
    const heap = heapF32(w);
    const px = place(heap, x, 0, s.B * X, rx);
    const pg = place(heap, g, 0, G, rg);
    const py = gate ? place(heap, f32(gate.y), 0, G, ry) : 0;
    const pout = gate?.out ? target(f32(gate.out), 0, rout) : 0;
    writeGeometry(heapI32(w), s);
    const args = [ARGS_AT, px, pg, pparts, s.B, WEIGHT_GRAD_CHUNKS, ps, scratchBytes];
    parallel(w, 'conv2dWeightGrad', [...args, py, pout, gateBytes, biasGrad ? pruns : 0]);
    // the partial sums added in float64, rounded once (dw's scratch follows the parts)
    const pdw = target(dw, 0, pparts + WEIGHT_GRAD_CHUNKS * n * 4);
    w.exports.sumPartsF32(pparts, WEIGHT_GRAD_CHUNKS, n, pdw);
    collect(heap, dw, 0, n, pparts + WEIGHT_GRAD_CHUNKS * n * 4);
    if (gate?.out) collect(heap, f32(gate.out), 0, G, rout);
    if (biasGrad) {
      // Σ_b in order of the rows' run sums: channelSums's order, so the same bits
      const runs = new Float64Array(w.memory.buffer, pruns, s.B * s.O);
      biasGrad.fill(0);
      for (let b = 0; b < s.B; b++)
        for (let o = 0; o < s.O; o++) biasGrad[o] = biasGrad[o]! + runs[b * s.O + o]!;
    }
  },

  /** Planes split over the threads. */
  maxPool2d(xa, va, idx, s) {
    const w = loaded();
    const [x, vals] = [f32(xa), f32(va)];
    const n = s.B * s.Ho * s.Wo;
    const [rx, rv, pi] = reserve(w, [need(x, s.B * s.H * s.W), need(vals, n), n * 4]);
    const heap = heapF32(w);
    const px = place(heap, x, 0, s.B * s.H * s.W, rx);
    const pv = target(vals, 0, rv);
    writeGeometry(heapI32(w), s);
    parallel(w, 'maxPool2dForward', [ARGS_AT, px, pv, pi, s.B]);
    collect(heap, vals, 0, n, rv);
    idx.set(heapI32(w).subarray(pi / 4, pi / 4 + n));
  },

  /** Planes split over the threads; the indices are copied in (int32, never resident). */
  maxUnpool2d(va, indices, oa, planes, L, HW) {
    const w = loaded();
    const [v, out] = [f32(va), f32(oa)];
    const n = planes * L;
    const sizes = [need(v, n), n * 4, need(out, planes * HW)] as const;
    const [rv, pi, ro] = reserve(w, sizes);
    const heap = heapF32(w);
    const pv = place(heap, v, 0, n, rv);
    heapI32(w).set(indices.subarray(0, n), pi / 4);
    const po = target(out, 0, ro);
    parallel(w, 'maxUnpool2d', [pv, pi, po, planes, L, HW]);
    collect(heap, out, 0, planes * HW, ro);
  },

  bnStats(xa, N, C, S, mean, variance) {
    const w = loaded();
    const x = f32(xa);
    const n = N * C * S;
    const [rx, pm, pv] = reserve(w, [need(x, n), C * 8, C * 8]);
    const px = place(heapF32(w), x, 0, n, rx);
    runner(n)(w, 'bnStatsF32', [px, N, C, S, pm, pv]);
    getF64(w, pm, mean);
    getF64(w, pv, variance);
  },

  bnAffine(xa, oa, N, C, S, scale, shift, relu) {
    const w = loaded();
    const [x, out] = [f32(xa), f32(oa)];
    const n = N * C * S;
    const [rx, ro, ps, pt] = reserve(w, [need(x, n), need(out, n), C * 8, C * 8]);
    const heap = heapF32(w);
    const px = place(heap, x, 0, n, rx);
    putF64(w, ps, scale);
    putF64(w, pt, shift);
    runner(n)(w, 'bnForwardF32', [px, target(out, 0, ro), N, C, S, ps, pt, relu ? 1 : 0]);
    collect(heap, out, 0, n, ro);
  },

  bnBackwardSums(ga, xa, N, C, S, mean, sumG, sumGX, relu) {
    const w = loaded();
    const [g, x] = [f32(ga), f32(xa)];
    const r = relu ? f32(relu) : null;
    const n = N * C * S;
    const sizes = [need(g, n), need(x, n), r ? need(r, n) : 0, C * 8, C * 8, C * 8] as const;
    const [rg, rx, rr, pm, psg, psx] = reserve(w, sizes);
    const heap = heapF32(w);
    const pg = place(heap, g, 0, n, rg);
    const px = place(heap, x, 0, n, rx);
    const pr = r ? place(heap, r, 0, n, rr) : 0;
    putF64(w, pm, mean);
    runner(n)(w, 'bnBackwardSumsF32', [pg, px, N, C, S, pm, pr, psg, psx]);
    getF64(w, psg, sumG);
    getF64(w, psx, sumGX);
  },

  bnBackwardDx(ga, xa, dxa, N, C, S, coef, relu) {
    const w = loaded();
    const [g, x, dx] = [f32(ga), f32(xa), f32(dxa)];
    const r = relu ? f32(relu) : null;
    const n = N * C * S;
    const sizes = [need(g, n), need(x, n), need(dx, n), r ? need(r, n) : 0, C * 24] as const;
    const [rg, rx, rd, rr, pc] = reserve(w, sizes);
    const heap = heapF32(w);
    const pg = place(heap, g, 0, n, rg);
    const px = place(heap, x, 0, n, rx);
    const pr = r ? place(heap, r, 0, n, rr) : 0;
    putF64(w, pc, coef);
    runner(n)(w, 'bnBackwardDxF32', [pg, px, target(dx, 0, rd), N, C, S, pc, pr]);
    collect(heap, dx, 0, n, rd);
  },

  /** On this thread (a single pass over a matrix that stays in cache). */
  transpose(sa, srcOff, rows, cols, oa) {
    const w = loaded();
    const [src, out] = [f32(sa), f32(oa)];
    const n = rows * cols;
    const [rs, ro] = reserve(w, [need(src, n), need(out, n)]);
    const heap = heapF32(w);
    const ps = place(heap, src, srcOff, n, rs);
    w.exports.transposeF32(ps, target(out, 0, ro), rows, cols);
    collect(heap, out, 0, n, ro);
  },

  /** The picked images' bytes are copied in, image by image, so the set need not be resident. */
  cropImages(images, picks, B, C, H, W, mode, table, oa) {
    const w = loaded();
    const out = f32(oa);
    const bytes = C * H * W;
    const n = B * bytes;
    const [pb, pp, pt, ro] = reserve(w, [align16(n), B * 16, C * 257 * 4, need(out, n)]);
    const u8 = new Uint8Array(w.memory.buffer);
    const plan = heapI32(w);
    for (let b = 0; b < B; b++) {
      const from = picks[4 * b]! * bytes;
      u8.set(images.subarray(from, from + bytes), pb + b * bytes);
      plan.set(picks.subarray(4 * b, 4 * b + 4), pp / 4 + 4 * b);
      plan[pp / 4 + 4 * b] = b; // the copy's index
    }
    const heap = heapF32(w);
    heap.set(table.subarray(0, C * 257), pt / 4);
    parallel(w, 'cropImages', [pb, pp, B, C, H, W, mode, pt, target(out, 0, ro)]);
    collect(heap, out, 0, n, ro);
  },

  /** Resident arrays are cleared where they live; an ordinary one has nothing to gain here. */
  zero(oa, from, to) {
    const at = residentOffset(oa);
    if (at < 0) oa.fill(0, from, to);
    else runner(to - from)(loaded(), 'zeroF32', [at + from * 4, to - from]);
  },

  /** The TypeScript loop, bit for bit (assembly/optim.ts). */
  sgdMomentum(pa, ga, ba, o: SgdHyper) {
    const w = loaded();
    const [p, g, b] = [f32(pa), f32(ga), f32(ba)];
    const n = p.length;
    const [rp, rg, rb] = reserve(w, [need(p, n), need(g, n), need(b, n)]);
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
  },
};
