// Which backend runs each primitive, decided per call: every threshold and every fallback of the
// kernels is here. The wasm backend takes float32 work large enough to pay for copying operands
// into its memory, in layouts its kernels handle; everything else runs on the TypeScript backend,
// which is also what runs when the wasm kernels are missing, disabled (KDGRAD_NO_WASM=1) or
// suspended (withoutWasm).
import type { TypedArray } from '../dtype.js';
import { coalesce } from '../layout.js';
import { typescriptBackend as ts } from './typescript.js';
import type { Backend, BinaryOp } from './types.js';
import { BINARY_OP_CODES, ELEMENTWISE_UNIT } from './wasm/exports.generated.js';
import { wasmBackend as fast } from './wasm/kernels.js';
import { wasm } from './wasm/loader.js';
import { residentOffset, residentF32 as wasmResidentF32 } from './wasm/memory.js';

/** Elementwise, batch-norm, per-channel-sum and optimizer work from this many float32 elements goes to wasm: below it, the copies and the fork-join cost more than the op. */
export const ELEMENTWISE_MIN = ELEMENTWISE_UNIT;
/**
 * Binary ops and relu from this many float32 elements go to wasm. Below two units the kernel runs
 * on the calling thread, so the copies in and out are its only cost: on the machine the bench
 * runs on, a product of 640 values took 1.4–1.9 µs there against 3.4–4.2 in the JavaScript loop,
 * and 3.0–5.3 against 12.7–13.8 µs at 2,048 values (256 values: about 2 µs either way).
 */
export const SMALL_ELEMENTWISE_MIN = 512;
/** Matrix products from this many multiply-adds go to wasm. */
export const GEMM_MIN_WORK = 4096;
/** Transposes from this many float32 values run in wasm (a JavaScript loop takes ~2 ns a value). */
export const TRANSPOSE_MIN = 4096;
/** Float32 arrays from this many values are made resident (smaller ones cost nothing to copy). */
export const RESIDENT_MIN = 16384;

const on = (): boolean => wasm() !== null;
const f32 = (...arrays: TypedArray[]): boolean => arrays.every((a) => a instanceof Float32Array);
const hasCode = (op: BinaryOp): op is BinaryOp & keyof typeof BINARY_OP_CODES =>
  op in BINARY_OP_CODES;

/** The primitives, each on the backend that suits the call. */
export const backend: Backend = {
  unary(op, x, xOff, xs, shape, out) {
    if (op === 'relu' && on() && f32(x, out) && out.length >= SMALL_ELEMENTWISE_MIN) {
      const c = coalesce(shape, [xs]);
      if (c.shape.length === 1 && c.strides[0]![0] === 1)
        return fast.relu(x, xOff, out, out.length);
    }
    ts.unary(op, x, xOff, xs, shape, out);
  },

  binary(op, x, xOff, xs, y, yOff, ys, shape, out, outOff) {
    const n = shape.reduce((p, d) => p * d, 1);
    if (hasCode(op) && n >= SMALL_ELEMENTWISE_MIN && on() && f32(x, y, out)) {
      // the kernel walks at most 3 dims forward
      const c = coalesce(shape, [xs, ys]);
      if (c.shape.length <= 3 && c.strides.every((s) => s.every((v) => v >= 0)))
        return fast.binary(
          op,
          x,
          xOff,
          c.strides[0]!,
          y,
          yOff,
          c.strides[1]!,
          c.shape,
          out,
          outOff,
        );
    }
    ts.binary(op, x, xOff, xs, y, yOff, ys, shape, out, outOff);
  },

  channelSums(x, xOff, N, C, S, out) {
    if (N * C * S >= ELEMENTWISE_MIN && on() && f32(x))
      return fast.channelSums(x, xOff, N, C, S, out);
    ts.channelSums(x, xOff, N, C, S, out);
  },

  gemm(A, aOff, B, bOff, C, cOff, n, k, m, transposeB) {
    if (n * k * m >= GEMM_MIN_WORK && on() && f32(A, B, C))
      return fast.gemm(A, aOff, B, bOff, C, cOff, n, k, m, transposeB);
    ts.gemm(A, aOff, B, bOff, C, cOff, n, k, m, transposeB);
  },

  im2col: ts.im2col,
  col2im: ts.col2im,

  conv2dForward(x, w, bias, y, s, relu) {
    if (on() && f32(x, w, y) && (!bias || f32(bias)))
      return fast.conv2dForward(x, w, bias, y, s, relu);
    ts.conv2dForward(x, w, bias, y, s, relu);
  },

  conv2dInputGrad(g, w, dx, s) {
    if (on() && f32(g, w, dx)) return fast.conv2dInputGrad(g, w, dx, s);
    ts.conv2dInputGrad(g, w, dx, s);
  },

  conv2dWeightGrad(x, g, dw, s, extras) {
    const gate = extras?.gate;
    if (on() && f32(x, g, dw) && (!gate || f32(gate.y, ...(gate.out ? [gate.out] : []))))
      return fast.conv2dWeightGrad(x, g, dw, s, extras);
    ts.conv2dWeightGrad(x, g, dw, s, extras);
  },

  maxPool2d(x, values, indices, s) {
    if (on() && f32(x, values)) return fast.maxPool2d(x, values, indices, s);
    ts.maxPool2d(x, values, indices, s);
  },

  maxUnpool2d(v, indices, out, planes, L, HW) {
    if (out.length >= ELEMENTWISE_MIN && on() && f32(v, out))
      return fast.maxUnpool2d(v, indices, out, planes, L, HW);
    ts.maxUnpool2d(v, indices, out, planes, L, HW);
  },

  bnStats(x, N, C, S, mean, variance) {
    if (x.length >= ELEMENTWISE_MIN && on() && f32(x))
      return fast.bnStats(x, N, C, S, mean, variance);
    ts.bnStats(x, N, C, S, mean, variance);
  },

  bnAffine(x, out, N, C, S, scale, shift, relu) {
    if (x.length >= ELEMENTWISE_MIN && on() && f32(x, out))
      return fast.bnAffine(x, out, N, C, S, scale, shift, relu);
    ts.bnAffine(x, out, N, C, S, scale, shift, relu);
  },

  bnBackwardSums(g, x, N, C, S, mean, sumG, sumGX, relu) {
    const fused = !relu || (relu.length >= ELEMENTWISE_MIN && f32(relu));
    if (x.length >= ELEMENTWISE_MIN && g.length >= ELEMENTWISE_MIN && fused && on() && f32(g, x))
      return fast.bnBackwardSums(g, x, N, C, S, mean, sumG, sumGX, relu);
    ts.bnBackwardSums(g, x, N, C, S, mean, sumG, sumGX, relu);
  },

  bnBackwardDx(g, x, dx, N, C, S, coef, relu) {
    const fused = !relu || (relu.length >= ELEMENTWISE_MIN && f32(relu));
    if (
      x.length >= ELEMENTWISE_MIN &&
      g.length >= ELEMENTWISE_MIN &&
      fused &&
      on() &&
      f32(g, x, dx)
    )
      return fast.bnBackwardDx(g, x, dx, N, C, S, coef, relu);
    ts.bnBackwardDx(g, x, dx, N, C, S, coef, relu);
  },

  transpose(src, srcOff, rows, cols, out) {
    if (rows * cols >= TRANSPOSE_MIN && on() && f32(src, out))
      return fast.transpose(src, srcOff, rows, cols, out);
    ts.transpose(src, srcOff, rows, cols, out);
  },

  cropImages(images, picks, B, C, H, W, mode, table, out) {
    if (B * C * H * W >= ELEMENTWISE_MIN && on() && f32(out))
      return fast.cropImages(images, picks, B, C, H, W, mode, table, out);
    ts.cropImages(images, picks, B, C, H, W, mode, table, out);
  },

  zero(out, from, to) {
    // only resident arrays: the kernel clears them where they live (no copy in or out)
    if (
      to - from >= ELEMENTWISE_MIN &&
      on() &&
      out instanceof Float32Array &&
      residentOffset(out) >= 0
    )
      return fast.zero(out, from, to);
    ts.zero(out, from, to);
  },

  sgdMomentum(p, g, b, o) {
    const n = p.length;
    if (n >= ELEMENTWISE_MIN && g.length === n && b.length === n && on() && f32(p, g, b))
      return fast.sgdMomentum(p, g, b, o);
    ts.sgdMomentum(p, g, b, o);
  },
};

/**
 * A float32 array of n values in the wasm kernels' shared memory, so they use it in place (zeroed
 * unless `zero` is false: then its contents are arbitrary); null when n is below RESIDENT_MIN or
 * there is no shared memory (the caller makes an ordinary array).
 */
export function residentF32(n: number, zero = true): Float32Array | null {
  return n >= RESIDENT_MIN ? wasmResidentF32(n, zero) : null;
}
