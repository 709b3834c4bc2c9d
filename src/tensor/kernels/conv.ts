// im2col / col2im for NCHW images (the PyTorch F.unfold / F.fold layout):
// cols[b, (c*kh + i)*kw + j, oh*Wo + ow] = x[b, c, oh*sh - ph + i, ow*sw - pw + j]  (0 outside the image).
import { backend, type ConvShape } from '../backend/index.js';
import type { DType } from '../dtype.js';
import { allocate, allocateUninitialized, borrowScratch, returnScratch } from '../buffer-pool.js';
import { TensorData } from '../storage.js';

export interface Window {
  kernel: readonly [number, number];
  stride: readonly [number, number];
  padding: readonly [number, number];
}

export function outputSize(h: number, w: number, win: Window): [number, number] {
  const [kh, kw] = win.kernel;
  const [sh, sw] = win.stride;
  const [ph, pw] = win.padding;
  return [Math.floor((h + 2 * ph - kh) / sh) + 1, Math.floor((w + 2 * pw - kw) / sw) + 1];
}

export function unfoldKernel(x: TensorData, win: Window): TensorData {
  const s = windowShape(x.shape, win);
  const out = allocateUninitialized(x.dtype, s.B * s.C * s.kh * s.kw * s.Ho * s.Wo);
  backend.im2col(x.contiguous().data, out, s);
  return new TensorData(out, [s.B, s.C * s.kh * s.kw, s.Ho * s.Wo]);
}

/** The adjoint of unfold: overlapping windows are summed back into [B, C, H, W]. */
export function foldKernel(
  cols: TensorData,
  channels: number,
  size: readonly [number, number],
  win: Window,
  dtype: DType,
): TensorData {
  const B = cols.shape[0]!;
  const s = windowShape([B, channels, size[0], size[1]], win);
  const out = allocate(dtype, B * channels * size[0] * size[1]);
  backend.col2im(cols.contiguous().data, out, s);
  return new TensorData(out, [B, channels, size[0], size[1]]);
}

// ---- convolution: y = w ⋆ x and its two adjoints ------------------------------------------------

/** Sizes of a convolution of x [B, C, H, W] with w [O, C, kh, kw]. */
export function convShape(x: readonly number[], w: readonly number[], win: Window): ConvShape {
  const [B, C, H, W] = x as [number, number, number, number];
  const [O, , kh, kw] = w as [number, number, number, number];
  const [Ho, Wo] = outputSize(H, W, win);
  return {
    B,
    C,
    H,
    W,
    O,
    kh,
    kw,
    sh: win.stride[0],
    sw: win.stride[1],
    ph: win.padding[0],
    pw: win.padding[1],
    Ho,
    Wo,
  };
}

/** Sizes of a window op (unfold, fold) over x [B, C, H, W]: O unused. */
const windowShape = (x: readonly number[], win: Window): ConvShape =>
  convShape(x, [1, x[1]!, win.kernel[0], win.kernel[1]], win);

/**
 * y[b, o] = Σ_k w[o, k] · cols[b, k] (+ bias[o]) with cols = unfold(x): [B, O, Ho, Wo]; with
 * `relu`, relu(y) (the same bits as a separate relu).
 */
export function conv2dKernel(
  x: TensorData,
  w: TensorData,
  bias: TensorData | null,
  win: Window,
  dtype: DType,
  relu = false,
): TensorData {
  const s = convShape(x.shape, w.shape, win);
  const out = allocateUninitialized(dtype, s.B * s.O * s.Ho * s.Wo);
  const b = bias ? bias.contiguous().data : null;
  backend.conv2dForward(x.contiguous().data, w.contiguous().data, b, out, s, relu);
  return new TensorData(out, [s.B, s.O, s.Ho, s.Wo]);
}

/** dx = fold(wᵀ @ g): the gradient of conv2d w.r.t. its input of size [H, W] (as torch.nn.grad.conv2d_input). */
export function conv2dInputGradKernel(
  g: TensorData,
  w: TensorData,
  size: readonly [number, number],
  win: Window,
  dtype: DType,
): TensorData {
  const [B] = g.shape as [number];
  const s = convShape([B, w.shape[1]!, size[0], size[1]], w.shape, win);
  const dx = allocateUninitialized(dtype, s.B * s.C * s.H * s.W);
  backend.conv2dInputGrad(g.contiguous().data, w.contiguous().data, dx, s);
  return new TensorData(dx, [s.B, s.C, s.H, s.W]);
}

/** dw[o, k] = Σ_b Σ_l g[b, o, l] · unfold(x)[b, k, l]: the gradient w.r.t. the weight (torch.nn.grad.conv2d_weight). */
export function conv2dWeightGradKernel(
  x: TensorData,
  g: TensorData,
  kernel: readonly [number, number],
  win: Window,
  dtype: DType,
): TensorData {
  const O = g.shape[1]!;
  const wShape = [O, x.shape[1]!, kernel[0], kernel[1]];
  const s = convShape(x.shape, wShape, win);
  const dw = allocateUninitialized(dtype, O * s.C * s.kh * s.kw);
  backend.conv2dWeightGrad(x.contiguous().data, g.contiguous().data, dw, s);
  return new TensorData(dw, wShape);
}

/**
 * The weight gradient's pass with more done while each image's g is in cache: with `gate` (the
 * output r of a ReLU fused after the convolution) g is first replaced by relu's backward g·[r > 0],
 * returned as `g` for the input gradient when `keepGated`; with `bias` the bias gradient
 * Σ_b,h,w g (the bits of g.sum([0, 2, 3])). dw as conv2dWeightGradKernel of the (gated) g.
 */
export function conv2dWeightGradFusedKernel(
  x: TensorData,
  gOut: TensorData,
  kernel: readonly [number, number],
  win: Window,
  dtype: DType,
  gate: TensorData | null,
  bias: boolean,
  keepGated: boolean,
): { dw: TensorData; g: TensorData | null; bias: TensorData | null } {
  const O = gOut.shape[1]!;
  const wShape = [O, x.shape[1]!, kernel[0], kernel[1]];
  const s = convShape(x.shape, wShape, win);
  const dw = allocateUninitialized(dtype, O * s.C * s.kh * s.kw);
  const g = gOut.contiguous();
  const gated = gate && keepGated ? allocateUninitialized(dtype, g.data.length) : null;
  const sums = bias ? (borrowScratch('float64', O) as Float64Array) : null;
  backend.conv2dWeightGrad(x.contiguous().data, g.data, dw, s, {
    gate: gate ? { y: gate.contiguous().data, out: gated } : null,
    biasGrad: sums,
  });
  let db: TensorData | null = null;
  if (sums) {
    const out = allocateUninitialized(dtype, O);
    for (let o = 0; o < O; o++) out[o] = sums[o]!;
    returnScratch(sums);
    db = new TensorData(out, [O]);
  }
  return {
    dw: new TensorData(dw, wShape),
    g: gated ? new TensorData(gated, g.shape) : gate ? null : g,
    bias: db,
  };
}
