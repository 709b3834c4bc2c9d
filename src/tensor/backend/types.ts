// The primitive kernels every op is built from: minitorch's map / zip / reduce / matmul grown to
// what a CNN training step needs. Arrays are flat typed arrays with an element offset where a
// kernel reads part of one; shapes are plain numbers. The TypeScript backend (typescript.ts)
// implements every entry and is the definition; the wasm backend (wasm/) runs some of them
// faster on float32, and dispatch.ts chooses per call.
import type { TypedArray } from '../dtype.js';

/** Elementwise ops of one operand with a kernel of their own (others run a closure). */
export const UNARY_OPS = ['neg', 'exp', 'log', 'square', 'relu'] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];

/** Elementwise ops of two operands with a kernel of their own. */
export const BINARY_OPS = [
  'add',
  'sub',
  'mul',
  'div',
  'gt',
  'ge',
  'lt',
  'le',
  'eq',
  'reluGrad',
] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];

/** What a convolution's weight-gradient pass also does (Backend.conv2dWeightGrad). */
export interface ConvGradExtras {
  /** A ReLU after the convolution: y its output; out (if any) receives g·[y > 0]. */
  gate?: { y: TypedArray; out: TypedArray | null } | null;
  /** Receives the bias gradient Σ_b,h,w g (after the gate) per output channel. */
  biasGrad?: Float64Array | null;
}

/** torchvision's padding modes of a random crop, in the order of their codes in cropImages. */
export const PADDING_MODES = ['constant', 'edge', 'reflect', 'symmetric'] as const;
export type PaddingMode = (typeof PADDING_MODES)[number];

/** Sizes of one 2-D convolution (or pooling window) over NCHW images. */
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

/** SGD's hyperparameters, as PyTorch names them (camelCase). */
export interface SgdHyper {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

export interface Backend {
  /** out[0..] (contiguous, `shape`) = op(x) for x read from xOff with element strides xs. */
  unary(
    op: UnaryOp,
    x: TypedArray,
    xOff: number,
    xs: readonly number[],
    shape: readonly number[],
    out: TypedArray,
  ): void;
  /**
   * out[outOff..] (contiguous, `shape`) = op(x, y), each operand read from its offset with
   * element strides (0 where it is broadcast). out may be x itself (a gradient accumulated).
   */
  binary(
    op: BinaryOp,
    x: TypedArray,
    xOff: number,
    xs: readonly number[],
    y: TypedArray,
    yOff: number,
    ys: readonly number[],
    shape: readonly number[],
    out: TypedArray,
    outOff: number,
  ): void;
  /**
   * out[c] = Σ_n Σ_s x[n, c, s] over x [N, C, S] contiguous from xOff, in float64: each run over s
   * summed in run-sum.ts's order, then added to the channel's total n by n.
   */
  channelSums(
    x: TypedArray,
    xOff: number,
    N: number,
    C: number,
    S: number,
    out: Float64Array,
  ): void;
  /**
   * C[cOff..] = A[aOff..] (n×k) @ B[bOff..] (k×m, or with transposeB stored as m×k), row-major;
   * each element summed over p = 0..k−1 in order, rounded to C's type at every step.
   */
  gemm(
    A: TypedArray,
    aOff: number,
    B: TypedArray,
    bOff: number,
    C: TypedArray,
    cOff: number,
    n: number,
    k: number,
    m: number,
    transposeB: boolean,
  ): void;
  /** cols [B, C·kh·kw, Ho·Wo] = unfold(x [B, C, H, W]) (PyTorch's F.unfold); 0 outside the image. */
  im2col(x: TypedArray, cols: TypedArray, s: ConvShape): void;
  /** x [B, C, H, W] += fold(cols): the adjoint of im2col (overlapping windows summed). */
  col2im(cols: TypedArray, x: TypedArray, s: ConvShape): void;
  /**
   * y [B, O, Ho, Wo] = w [O, C·kh·kw] @ im2col(x) per image, then + bias[o] (when there is one)
   * over channel o, then relu (when `relu`): each step rounded in turn, so the bits are those of
   * a separate add and a separate relu.
   */
  conv2dForward(
    x: TypedArray,
    w: TypedArray,
    bias: TypedArray | null,
    y: TypedArray,
    s: ConvShape,
    relu: boolean,
  ): void;
  /** dx [B, C, H, W] = col2im(wᵀ @ g) per image (overwrites dx). */
  conv2dInputGrad(g: TypedArray, w: TypedArray, dx: TypedArray, s: ConvShape): void;
  /**
   * dw [O, C·kh·kw] = Σ_b g[b] @ im2col(x[b])ᵀ (overwrites dw), with what `extras` asks done in
   * the same pass over each image: g replaced by relu's backward g·[gate.y > 0] (written to
   * gate.out, the same size as g, unless it is null) before it is used, and the bias gradient
   * Σ_b,h,w g into biasGrad (float64, O values) in the order of channelSums, so its bits are
   * those of channelSums(g).
   */
  conv2dWeightGrad(
    x: TypedArray,
    g: TypedArray,
    dw: TypedArray,
    s: ConvShape,
    extras?: ConvGradExtras,
  ): void;
  /**
   * Window maxima of s.B planes [H, W] (s.C and s.O unused) and the index y·W + x of each first
   * maximum; positions outside the image are skipped; NaN wins, as in PyTorch.
   */
  maxPool2d(x: TypedArray, values: TypedArray, indices: Int32Array, s: ConvShape): void;
  /**
   * out = 0, then out[p·HW + indices[p·L + i]] += v[p·L + i] for the `planes` planes of L values
   * each, in order (max pooling's backward: repeated indices add up). Overwrites out.
   */
  maxUnpool2d(
    v: TypedArray,
    indices: Int32Array,
    out: TypedArray,
    planes: number,
    L: number,
    HW: number,
  ): void;
  /**
   * Per-channel mean and biased variance of x [N, C, S] (contiguous), two passes in float64, each
   * (n, c) run summed in run-sum.ts's order.
   */
  bnStats(
    x: TypedArray,
    N: number,
    C: number,
    S: number,
    mean: Float64Array,
    variance: Float64Array,
  ): void;
  /**
   * out = x·scale_c + shift_c per element of x [N, C, S], in float64 (rounded to out's type), then
   * relu(out) when `relu` (a BatchNorm followed by a ReLU, fused).
   */
  bnAffine(
    x: TypedArray,
    out: TypedArray,
    N: number,
    C: number,
    S: number,
    scale: ArrayLike<number>,
    shift: ArrayLike<number>,
    relu: boolean,
  ): void;
  /**
   * Per-channel Σ g and Σ g·(x − mean_c) of g and x [N, C, S] (contiguous), as bnStats sums. With
   * `relu` (the fused output r = relu(y)), g is taken as relu's backward gives it: g·[r > 0].
   */
  bnBackwardSums(
    g: TypedArray,
    x: TypedArray,
    N: number,
    C: number,
    S: number,
    mean: ArrayLike<number>,
    sumG: Float64Array,
    sumGX: Float64Array,
    relu: TypedArray | null,
  ): void;
  /**
   * dx = a_c·g + b_c·x + d_c (coef holds a, b, d per channel) for g and x [N, C, S]; with `relu`,
   * g·[r > 0] in place of g (as bnBackwardSums).
   */
  bnBackwardDx(
    g: TypedArray,
    x: TypedArray,
    dx: TypedArray,
    N: number,
    C: number,
    S: number,
    coef: ArrayLike<number>,
    relu: TypedArray | null,
  ): void;
  /**
   * out [cols, rows] = srcᵀ for the row-major matrix src [rows, cols] from srcOff (the contiguous
   * copy of a transposed view: a linear layer's gᵀ in its weight gradient).
   */
  transpose(src: TypedArray, srcOff: number, rows: number, cols: number, out: TypedArray): void;
  /**
   * The data pipeline's crops: out[b] (C×H×W) = image picks[4b] of `images` (bytes, C×H×W each)
   * read through the window whose top-left corner is (picks[4b+1], picks[4b+2]) in image
   * coordinates, mirrored left to right when picks[4b+3] is 1. Coordinates outside the image read
   * through PADDING_MODES[mode] (for reflect and symmetric, a window starts less than one image
   * size away: |dy| < H, |dx| < W); constant mode reads the fill colour. Values come from
   * `table` [C, 257]: byte v of channel c is table[c·257 + v], the fill colour table[c·257 + 256]
   * (normalisation precomputed per byte value, so any backend gives the same bits).
   */
  cropImages(
    images: Uint8Array,
    picks: Int32Array,
    B: number,
    C: number,
    H: number,
    W: number,
    mode: number,
    table: Float32Array,
    out: TypedArray,
  ): void;
  /** out[from..to) = 0 (a gradient cleared between steps, a reused buffer). */
  zero(out: TypedArray, from: number, to: number): void;
  /**
   * One SGD step with momentum after the first, in place over parameters p, gradients g and
   * momentum buffers b: g' = g + λ·p; b = μ·b + (1 − τ)·g'; p −= lr·(Nesterov ? g' + μ·b : b).
   */
  sgdMomentum(p: TypedArray, g: TypedArray, b: TypedArray, o: SgdHyper): void;
}
