// The TypeScript backend: every primitive of types.ts as plain loops over typed arrays, for any
// dtype. It is the definition the wasm kernels must agree with (bit for bit where the order of
// operations is the same, within rounding for GEMM and convolution), and it runs wherever wasm
// does not. The hottest loops avoid data-dependent branches: +(x > y), not x > y ? 1 : 0.
import type { TypedArray } from '../dtype.js';
import { forEachRun } from '../layout.js';
import { runProductSum, runSquaredDeviations, runSum } from './run-sum.js';
import {
  PADDING_MODES,
  type Backend,
  type BinaryOp,
  type ConvShape,
  type UnaryOp,
} from './types.js';

type UnaryLoop = (
  src: TypedArray,
  i: number,
  s: number,
  out: TypedArray,
  o: number,
  len: number,
) => void;

const UNARY: Record<UnaryOp, UnaryLoop> = {
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

const BINARY: Record<BinaryOp, BinaryLoop> = {
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

let gateScratch = new Float64Array(0);

/**
 * relu's backward g·[r > 0] (the binary loop), for a BatchNorm fused with a ReLU, into a float64
 * scratch array kept between calls (no new array once warm): g·1 and g·0 are exact, so the
 * values are those of the gradient in g's own type.
 */
function gated(g: TypedArray, r: TypedArray): Float64Array {
  if (gateScratch.length < g.length) gateScratch = new Float64Array(g.length);
  BINARY.reluGrad(g, 0, 1, r, 0, 1, gateScratch, 0, g.length);
  return gateScratch;
}

const gemm: Backend['gemm'] = (A, aOff, B, bOff, C, cOff, n, k, m, transposeB) => {
  // the i-p-j order streams rows of B and C; both layouts sum over p in the same order
  for (let i = 0; i < n; i++) {
    const cRow = cOff + i * m;
    for (let j = 0; j < m; j++) C[cRow + j] = 0;
    if (transposeB) {
      for (let j = 0; j < m; j++) {
        const bRow = bOff + j * k;
        for (let p = 0; p < k; p++) C[cRow + j]! += A[aOff + i * k + p]! * B[bRow + p]!;
      }
      continue;
    }
    for (let p = 0; p < k; p++) {
      const av = A[aOff + i * k + p]!;
      const bRow = bOff + p * m;
      for (let j = 0; j < m; j++) C[cRow + j]! += av * B[bRow + j]!;
    }
  }
};

/**
 * Visits every (plane, kernel row i, kernel column j, output row oh) of a convolution window
 * whose input row lies inside the image, with the range [lo, hi) of output columns whose input
 * column does too: at(col, xAt) gets the flat cols index and x index of output column lo.
 */
function forEachWindowRun(
  s: ConvShape,
  visit: (colAt: number, xAt: number, lo: number, hi: number) => void,
): void {
  const { B, C, H, W, kh, kw, sh, sw, ph, pw, Ho, Wo } = s;
  const L = Ho * Wo;
  const rows = C * kh * kw;
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const plane = (b * C + c) * H * W;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const rowBase = (b * rows + (c * kh + i) * kw + j) * L;
          // output columns whose input column ow·sw − pw + j falls inside the image
          const lo = Math.max(0, Math.ceil((pw - j) / sw));
          const hi = Math.min(Wo, Math.floor((W - 1 + pw - j) / sw) + 1);
          for (let oh = 0; oh < Ho; oh++) {
            const y = oh * sh - ph + i;
            if (y < 0 || y >= H) continue; // stays 0
            visit(rowBase + oh * Wo, plane + y * W - pw + j, lo, hi);
          }
        }
      }
    }
  }
}

function im2col(x: TypedArray, cols: TypedArray, s: ConvShape): void {
  cols.fill(0);
  const sw = s.sw;
  forEachWindowRun(s, (at, shift, lo, hi) => {
    for (let ow = lo; ow < hi; ow++) cols[at + ow] = x[shift + ow * sw]!;
  });
}

function col2im(cols: TypedArray, x: TypedArray, s: ConvShape): void {
  const sw = s.sw;
  forEachWindowRun(s, (at, shift, lo, hi) => {
    for (let ow = lo; ow < hi; ow++) x[shift + ow * sw]! += cols[at + ow]!;
  });
}

const colsOf = (x: TypedArray, s: ConvShape) => {
  const cols = new (x.constructor as new (n: number) => TypedArray)(
    s.B * s.C * s.kh * s.kw * s.Ho * s.Wo,
  );
  im2col(x, cols, s);
  return cols;
};

export const typescriptBackend: Backend = {
  unary(op, x, xOff, xs, shape, out) {
    const loop = UNARY[op];
    forEachRun(shape, [xs], [xOff], (o, at, len, step) => loop(x, at[0]!, step[0]!, out, o, len));
  },

  binary(op, x, xOff, xs, y, yOff, ys, shape, out, outOff) {
    const loop = BINARY[op];
    forEachRun(shape, [xs, ys], [xOff, yOff], (o, at, len, step) =>
      loop(x, at[0]!, step[0]!, y, at[1]!, step[1]!, out, outOff + o, len),
    );
  },

  channelSums(x, xOff, N, C, S, out) {
    out.fill(0);
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < C; c++) out[c]! += runSum(x, xOff + (n * C + c) * S, S);
    }
  },

  gemm,
  im2col,
  col2im,

  conv2dForward(x, w, bias, y, s, relu) {
    const K = s.C * s.kh * s.kw;
    const L = s.Ho * s.Wo;
    const cols = colsOf(x, s);
    for (let b = 0; b < s.B; b++) {
      gemm(w, 0, cols, b * K * L, y, b * s.O * L, s.O, K, L, false);
      if (bias) {
        for (let o = 0, i = b * s.O * L; o < s.O; o++)
          for (let e = i + L, v = bias[o]!; i < e; i++) y[i] = y[i]! + v;
      }
    }
    // relu of the stored (rounded) values: the unary loop over the output, in place
    if (relu) UNARY.relu(y, 0, 1, y, 0, s.B * s.O * L);
  },

  conv2dInputGrad(g, w, dx, s) {
    const K = s.C * s.kh * s.kw;
    const L = s.Ho * s.Wo;
    const make = (n: number) => new (w.constructor as new (n: number) => TypedArray)(n);
    const wT = make(K * s.O);
    for (let o = 0; o < s.O; o++) for (let q = 0; q < K; q++) wT[q * s.O + o] = w[o * K + q]!;
    const cols = make(s.B * K * L);
    for (let b = 0; b < s.B; b++) gemm(wT, 0, g, b * s.O * L, cols, b * K * L, K, s.O, L, false);
    dx.fill(0);
    col2im(cols, dx, s);
  },

  conv2dWeightGrad(x, gIn, dw, s, extras) {
    const K = s.C * s.kh * s.kw;
    const L = s.Ho * s.Wo;
    const O = s.O;
    const gate = extras?.gate;
    // relu's backward first (the binary loop), then g is the gated gradient throughout
    const g = gate
      ? (gate.out ?? new (gIn.constructor as new (n: number) => TypedArray)(gIn.length))
      : gIn;
    if (gate) BINARY.reluGrad(gIn, 0, 1, gate.y, 0, 1, g, 0, s.B * O * L);
    if (extras?.biasGrad) typescriptBackend.channelSums(g, 0, s.B, O, L, extras.biasGrad);
    const cols = colsOf(x, s);
    dw.fill(0);
    for (let b = 0; b < s.B; b++) {
      for (let o = 0; o < O; o++) {
        const gRow = (b * O + o) * L;
        for (let q = 0; q < K; q++) {
          const cRow = (b * K + q) * L;
          let sum = 0;
          for (let l = 0; l < L; l++) sum += g[gRow + l]! * cols[cRow + l]!;
          dw[o * K + q]! += sum;
        }
      }
    }
  },

  maxUnpool2d(v, indices, out, planes, L, HW) {
    out.fill(0, 0, planes * HW);
    for (let plane = 0, i = 0; plane < planes; plane++) {
      const base = plane * HW;
      for (let j = 0; j < L; j++, i++) out[base + indices[i]!]! += v[i]!;
    }
  },

  maxPool2d(x, values, indices, s) {
    const { B, H, W, kh, kw, sh, sw, ph, pw, Ho, Wo } = s;
    let o = 0;
    for (let plane = 0; plane < B; plane++) {
      const base = plane * H * W;
      for (let oh = 0; oh < Ho; oh++) {
        const y0 = Math.max(0, oh * sh - ph);
        const y1 = Math.min(H, oh * sh - ph + kh);
        for (let ow = 0; ow < Wo; ow++, o++) {
          const x0 = Math.max(0, ow * sw - pw);
          const x1 = Math.min(W, ow * sw - pw + kw);
          let best = -Infinity;
          let at = y0 * W + x0;
          for (let yy = y0; yy < y1; yy++) {
            for (let xx = x0; xx < x1; xx++) {
              const v = x[base + yy * W + xx]!;
              if (v > best || (v !== v && best === best)) {
                best = v;
                at = yy * W + xx;
              }
            }
          }
          values[o] = best;
          indices[o] = at;
        }
      }
    }
  },

  bnStats(x, N, C, S, mean, variance) {
    const M = N * S;
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let n = 0; n < N; n++) s += runSum(x, (n * C + c) * S, S);
      const m = s / M;
      let q = 0;
      for (let n = 0; n < N; n++) q += runSquaredDeviations(x, (n * C + c) * S, S, m);
      mean[c] = m;
      variance[c] = q / M;
    }
  },

  bnAffine(x, out, N, C, S, scale, shift, relu) {
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < C; c++) {
        const a = scale[c]!;
        const d = shift[c]!;
        for (let i = (n * C + c) * S, e = i + S; i < e; i++) out[i] = x[i]! * a + d;
      }
    }
    // relu of the stored (rounded) values: the unary loop over the output, in place
    if (relu) UNARY.relu(out, 0, 1, out, 0, N * C * S);
  },

  bnBackwardSums(gIn, x, N, C, S, mean, sumG, sumGX, relu) {
    const g = relu ? gated(gIn, relu) : gIn;
    for (let c = 0; c < C; c++) {
      const m = mean[c]!;
      let sg = 0;
      let sgx = 0;
      for (let n = 0; n < N; n++) {
        sg += runSum(g, (n * C + c) * S, S);
        sgx += runProductSum(g, x, (n * C + c) * S, S, m);
      }
      sumG[c] = sg;
      sumGX[c] = sgx;
    }
  },

  bnBackwardDx(gIn, x, dx, N, C, S, coef, relu) {
    const g = relu ? gated(gIn, relu) : gIn;
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < C; c++) {
        const a = coef[3 * c]!;
        const b = coef[3 * c + 1]!;
        const d = coef[3 * c + 2]!;
        for (let i = (n * C + c) * S, e = i + S; i < e; i++) dx[i] = a * g[i]! + b * x[i]! + d;
      }
    }
  },

  transpose(src, srcOff, rows, cols, out) {
    for (let r = 0; r < rows; r++)
      for (let c = 0, at = srcOff + r * cols; c < cols; c++, at++) out[c * rows + r] = src[at]!;
  },

  cropImages(images, picks, B, C, H, W, mode, table, out) {
    const plane = H * W;
    if (cropCols.length < W) cropCols = new Int32Array(W);
    const cols = cropCols;
    for (let b = 0; b < B; b++) {
      const src = picks[4 * b]!,
        dy = picks[4 * b + 1]!,
        dx = picks[4 * b + 2]!,
        flip = picks[4 * b + 3];
      // the source column of each output column, worked out once per image
      for (let x = 0; x < W; x++) cols[x] = cropSource((flip ? W - 1 - x : x) + dx, W, mode);
      for (let c = 0; c < C; c++) {
        const lut = c * 257;
        const from = (src * C + c) * plane;
        for (let y = 0, o = (b * C + c) * plane; y < H; y++) {
          const sy = cropSource(y + dy, H, mode);
          const row = from + sy * W;
          for (let x = 0; x < W; x++, o++) {
            const sx = cols[x]!;
            out[o] = table[lut + (sy < 0 || sx < 0 ? 256 : images[row + sx]!)]!;
          }
        }
      }
    }
  },

  zero(out, from, to) {
    out.fill(0, from, to);
  },

  sgdMomentum(p, grad, b, o) {
    const { lr, momentum: mu, dampening, weightDecay: wd, nesterov } = o;
    const n = p.length;
    const keep = 1 - dampening;
    // one loop per case, without branches inside: the update runs over every parameter each step
    if (nesterov) {
      for (let i = 0; i < n; i++) {
        const g = grad[i]! + wd * p[i]!;
        const bi = mu * b[i]! + keep * g;
        b[i] = bi;
        p[i] = p[i]! - lr * (g + mu * bi);
      }
    } else {
      for (let i = 0; i < n; i++) {
        const bi = mu * b[i]! + keep * (grad[i]! + wd * p[i]!);
        b[i] = bi;
        p[i] = p[i]! - lr * bi;
      }
    }
  },
};

// one image's source columns in cropImages, reused by every call
let cropCols = new Int32Array(32);

/** Where coordinate i of a crop reads in [0, n) under padding mode `mode` (-1: the fill colour). */
export function cropSource(i: number, n: number, mode: number): number {
  if (i >= 0 && i < n) return i;
  switch (PADDING_MODES[mode]) {
    case 'constant':
      return -1;
    case 'edge':
      return i < 0 ? 0 : n - 1;
    case 'reflect':
      return i < 0 ? -i : 2 * (n - 1) - i; // the edge pixel is not repeated
    default:
      return i < 0 ? -i - 1 : 2 * n - 1 - i; // symmetric: the edge pixel is repeated
  }
}
