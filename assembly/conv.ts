// Convolution kernels for NCHW float32 images, one image at a time so its im2col matrix (or, for
// the products without im2col, the padded image they read) stays in cache:
// cols[(c·kh + i)·kw + j, oh·Wo + ow] = x[c, oh·sh − ph + i, ow·sw − pw + j] (0 outside).
// Every exported kernel takes (next, t, nt): each of the nt threads running it on the same shared
// memory (src/tensor/kernels/threads.ts) takes the next image (or chunk, or planes) from the
// counter at `next` until none is left — a slower thread does fewer — each with its own scratch
// at scratch + t·scratchBytes (forward and input gradient: the im2col matrix, or the window
// offsets and the padded image or gradient, then gemmPackFloats(k) floats of GEMM packing space,
// then the padded plane of im2col or col2im). The TypeScript kernels in src/tensor/kernels/conv.ts
// are the definition these must agree with (test/tensor/wasm.test.ts).
import { runSum } from './batchnorm';
import { gemmPackFloats, madd, nextUnit, sgemm, sgemmNT } from './gemm';
import { hi, join, lo } from './widen';

// Geometry of one convolution: 12 int32 at `geo` in memory (C, H, W, O, KH, KW, SH, SW, PH, PW,
// HO, WO), read into this instance's globals at the start of each call (every thread's instance
// has its own globals, but they all see the same memory).
let C: i32 = 0, H: i32 = 0, W: i32 = 0, O: i32 = 0, KH: i32 = 0, KW: i32 = 0;
let SH: i32 = 1, SW: i32 = 1, PH: i32 = 0, PW: i32 = 0, HO: i32 = 0, WO: i32 = 0;

function loadGeometry(geo: usize): void {
  C = load<i32>(geo); H = load<i32>(geo, 4); W = load<i32>(geo, 8); O = load<i32>(geo, 12);
  KH = load<i32>(geo, 16); KW = load<i32>(geo, 20); SH = load<i32>(geo, 24); SW = load<i32>(geo, 28);
  PH = load<i32>(geo, 32); PW = load<i32>(geo, 36); HO = load<i32>(geo, 40); WO = load<i32>(geo, 44);
}

/**
 * Bytes of a thread's im2col region for the forward (the JavaScript side reserves the same,
 * src/tensor/backend/wasm/kernels.ts): the im2col matrix, or for the product without im2col the
 * window offsets and the padded image, whichever is larger.
 */
function colsRegion(): usize {
  const K = C * KH * KW;
  const matrix = (<usize>(K * HO * WO) << 2) + 15 & ~15;
  const offsets = (<usize>K << 2) + 15 & ~15;
  const image = offsets + ((<usize>(C * (H + 2 * PH) * (W + 2 * PW)) << 2) + 15 & ~15);
  return max(matrix, image);
}

/** Output columns [lo, hi) whose input column ow·sw − pw + j lies inside the image. */
@inline function colLo(j: i32): i32 {
  const d = PW - j;
  return d <= 0 ? 0 : (d + SW - 1) / SW;
}
@inline function colHi(j: i32): i32 {
  const hi = (W - 1 + PW - j) / SW + 1;
  return W - 1 + PW - j < 0 ? 0 : min(hi, WO);
}

// Rows of an image are short (8 to 32 floats here): memory.copy and memory.fill leave wasm for a
// runtime call each time, which made im2col a quarter of a small CNN's training step; these
// loops copy and clear in registers.

/** n floats from src to dst (the ranges do not overlap). */
@inline function copyFloats(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

/** dst[i] += src[i] for n floats. */
@inline function addFloats(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = dst + (<usize>i << 2);
    v128.store(at, f32x4.add(v128.load(at), v128.load(src + (<usize>i << 2))));
  }
  for (; i < n; i++) {
    const at = dst + (<usize>i << 2);
    store<f32>(at, load<f32>(at) + load<f32>(src + (<usize>i << 2)));
  }
}

/** n zeros from dst on. */
@inline function zeroFloats(dst: usize, n: i32): void {
  let i = 0;
  const z = f32x4.splat(0);
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), z);
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

/**
 * im2col of one image x [C, H, W] into cols [C·KH·KW, HO·WO]. With a column stride of 1 each
 * channel is first copied into a zero-padded plane at `padded` ((H + 2·PH)·(W + 2·PW) floats), so
 * every output row of cols is one straight copy of WO floats, no edge to clip.
 */
function im2col(x: usize, cols: usize, padded: usize): void {
  if (SW == 1) {
    im2colPadded(x, cols, padded);
    return;
  }
  const L = HO * WO;
  let dst = cols;
  for (let c = 0; c < C; c++) {
    const plane = x + (<usize>(c * H * W) << 2);
    for (let i = 0; i < KH; i++) {
      for (let j = 0; j < KW; j++) {
        const lo = colLo(j), hi = max(colHi(j), lo);
        for (let oh = 0; oh < HO; oh++) {
          const row = dst + (<usize>(oh * WO) << 2);
          const y = oh * SH - PH + i;
          if (y < 0 || y >= H) { zeroFloats(row, WO); continue; }
          if (lo > 0) zeroFloats(row, lo);
          if (hi < WO) zeroFloats(row + (<usize>hi << 2), WO - hi);
          const src = plane + (<usize>(y * W - PW + j) << 2);
          for (let ow = lo; ow < hi; ow++) {
            store<f32>(row + (<usize>ow << 2), load<f32>(src + (<usize>(ow * SW) << 2)));
          }
        }
        dst += <usize>L << 2;
      }
    }
  }
}

/** Channel plane [H, W] into the interior of the zero-bordered plane at `padded`. */
@inline function padChannel(plane: usize, padded: usize): void {
  const rowP = <usize>(W + 2 * PW) << 2;
  for (let y = 0; y < H; y++) {
    const inside = padded + <usize>(y + PH) * rowP + (<usize>PW << 2);
    copyFloats(inside, plane + (<usize>(y * W) << 2), W);
  }
}

/** im2col for a column stride of 1, through a zero-padded copy of each channel. */
function im2colPadded(x: usize, cols: usize, padded: usize): void {
  const WP = W + 2 * PW, HP = H + 2 * PH;
  const rowP = <usize>WP << 2;
  zeroFloats(padded, HP * WP); // the border stays zero; the interior is overwritten per channel
  let dst = cols;
  for (let c = 0; c < C; c++) {
    padChannel(x + (<usize>(c * H * W) << 2), padded);
    for (let i = 0; i < KH; i++) {
      for (let j = 0; j < KW; j++) {
        let src = padded + <usize>i * rowP + (<usize>j << 2);
        const step = <usize>SH * rowP;
        for (let oh = 0; oh < HO; oh++) {
          copyFloats(dst, src, WO);
          dst += <usize>WO << 2;
          src += step;
        }
      }
    }
  }
}

/**
 * col2im into a zeroed image: dx [C, H, W] = the windows of cols [C·KH·KW, HO·WO] summed (the
 * adjoint of im2col). With a column stride of 1 each channel's windows are summed into a
 * zero-padded plane at `padded` — whole rows, no edge to clip — and its interior copied out; each
 * element gets the same additions in the same order either way.
 */
function col2im(cols: usize, dx: usize, padded: usize): void {
  if (SW == 1) {
    col2imPadded(cols, dx, padded);
    return;
  }
  memory.fill(dx, 0, <usize>(C * H * W) << 2);
  const L = HO * WO;
  let src = cols;
  for (let c = 0; c < C; c++) {
    const plane = dx + (<usize>(c * H * W) << 2);
    for (let i = 0; i < KH; i++) {
      for (let j = 0; j < KW; j++) {
        const lo = colLo(j), hi = max(colHi(j), lo);
        for (let oh = 0; oh < HO; oh++) {
          const y = oh * SH - PH + i;
          if (y < 0 || y >= H) continue;
          const row = src + (<usize>(oh * WO) << 2);
          const out = plane + (<usize>(y * W - PW + j) << 2);
          if (SW == 1) {
            let ow = lo;
            for (; ow + 4 <= hi; ow += 4) {
              const at = out + (<usize>ow << 2);
              v128.store(at, f32x4.add(v128.load(at), v128.load(row + (<usize>ow << 2))));
            }
            for (; ow < hi; ow++) {
              const at = out + (<usize>ow << 2);
              store<f32>(at, load<f32>(at) + load<f32>(row + (<usize>ow << 2)));
            }
          } else {
            for (let ow = lo; ow < hi; ow++) {
              const at = out + (<usize>(ow * SW) << 2);
              store<f32>(at, load<f32>(at) + load<f32>(row + (<usize>ow << 2)));
            }
          }
        }
        src += <usize>L << 2;
      }
    }
  }
}

/** col2im for a column stride of 1, through a zero-padded plane per channel. */
function col2imPadded(cols: usize, dx: usize, padded: usize): void {
  const WP = W + 2 * PW, HP = H + 2 * PH;
  const rowP = <usize>WP << 2;
  let src = cols;
  for (let c = 0; c < C; c++) {
    zeroFloats(padded, HP * WP);
    for (let i = 0; i < KH; i++) {
      for (let j = 0; j < KW; j++) {
        let dst = padded + <usize>i * rowP + (<usize>j << 2);
        const step = <usize>SH * rowP;
        for (let oh = 0; oh < HO; oh++) {
          addFloats(dst, src, WO);
          src += <usize>WO << 2;
          dst += step;
        }
      }
    }
    const plane = dx + (<usize>(c * H * W) << 2);
    for (let y = 0; y < H; y++) {
      const inside = padded + <usize>(y + PH) * rowP + (<usize>PW << 2);
      copyFloats(plane + (<usize>(y * W) << 2), inside, W);
    }
  }
}

/**
 * out[o, l] += bias[o] over one image's O rows of L floats: the bias added in the forward's
 * epilogue while the image's output is still in cache (one rounding, as a separate add).
 */
function addBias(out: usize, bias: usize, rows: i32, L: i32): void {
  for (let o = 0; o < rows; o++) {
    const v = v128.load32_splat(bias + (<usize>o << 2));
    const row = out + (<usize>(o * L) << 2);
    let l = 0;
    for (; l + 4 <= L; l += 4) {
      const at = row + (<usize>l << 2);
      v128.store(at, f32x4.add(v128.load(at), v));
    }
    for (; l < L; l++) {
      const at = row + (<usize>l << 2);
      store<f32>(at, load<f32>(at) + f32x4.extract_lane(v, 0));
    }
  }
}

/**
 * The forward's product without im2col (column stride 1, WO a multiple of 8): out [O, L] =
 * w [O, K] @ im2col(image) read where its values are. sgemm packs B into strips of k×8 floats;
 * here element (p, 8q + r) of strip q (output row oh, columns ow … ow + 7) is the float at
 * base + offs[p] + 4r of the padded image [C, HP, WP], with base the address of padded row oh·SH,
 * column ow, and offs[p] the byte offset of window element p = (c·KH + i)·KW + j, which is
 * (c·HP + i)·WP + j floats: so the micro-kernel (sgemm's 4×8 block) loads its two B vectors from
 * there, through one table lookup per step of p. Each element of out is the same sum in the same
 * order as sgemm's block on packed strips of the im2col matrix: the same bits, with no im2col
 * pass (a quarter to a third of the forward's time on the CNN's layers).
 */
function convImplicit(w: usize, padded: usize, offs: usize, out: usize): void {
  const K = C * KH * KW, L = HO * WO;
  const rowA = <usize>K << 2, rowC = <usize>L << 2;
  const rowStep = <usize>(SH * (W + 2 * PW)) << 2;
  let rowBase = padded;
  for (let oh = 0; oh < HO; oh++, rowBase += rowStep) {
    for (let ow = 0; ow < WO; ow += 8) {
      const base = rowBase + (<usize>ow << 2);
      const col = <usize>(oh * WO + ow) << 2;
      let i = 0;
      for (; i + 4 <= O; i += 4) {
        const a0 = w + <usize>i * rowA;
        const a1 = a0 + rowA;
        const a2 = a1 + rowA;
        const a3 = a2 + rowA;
        let s00 = f32x4.splat(0), s01 = f32x4.splat(0);
        let s10 = f32x4.splat(0), s11 = f32x4.splat(0);
        let s20 = f32x4.splat(0), s21 = f32x4.splat(0);
        let s30 = f32x4.splat(0), s31 = f32x4.splat(0);
        for (let p = 0; p < K; p++) {
          const off = <usize>p << 2;
          const at = base + <usize>load<i32>(offs + off);
          const b0 = v128.load(at);
          const b1 = v128.load(at, 16);
          const x0 = v128.load32_splat(a0 + off);
          const x1 = v128.load32_splat(a1 + off);
          const x2 = v128.load32_splat(a2 + off);
          const x3 = v128.load32_splat(a3 + off);
          s00 = madd(s00, x0, b0); s01 = madd(s01, x0, b1);
          s10 = madd(s10, x1, b0); s11 = madd(s11, x1, b1);
          s20 = madd(s20, x2, b0); s21 = madd(s21, x2, b1);
          s30 = madd(s30, x3, b0); s31 = madd(s31, x3, b1);
        }
        const cp = out + <usize>i * rowC + col;
        v128.store(cp, s00); v128.store(cp, s01, 16);
        v128.store(cp + rowC, s10); v128.store(cp + rowC, s11, 16);
        v128.store(cp + 2 * rowC, s20); v128.store(cp + 2 * rowC, s21, 16);
        v128.store(cp + 3 * rowC, s30); v128.store(cp + 3 * rowC, s31, 16);
      }
      for (; i < O; i++) {
        const ar = w + <usize>i * rowA;
        let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
        for (let p = 0; p < K; p++) {
          const off = <usize>p << 2;
          const at = base + <usize>load<i32>(offs + off);
          const x = v128.load32_splat(ar + off);
          s0 = madd(s0, x, v128.load(at));
          s1 = madd(s1, x, v128.load(at, 16));
        }
        const cp = out + <usize>i * rowC + col;
        v128.store(cp, s0);
        v128.store(cp, s1, 16);
      }
    }
  }
}

/** offs[p] for convImplicit: the byte offset of window element p in the padded image. */
function windowOffsets(offs: usize): void {
  const WP = W + 2 * PW, HP = H + 2 * PH;
  let p = 0;
  for (let c = 0; c < C; c++)
    for (let i = 0; i < KH; i++)
      for (let j = 0; j < KW; j++, p++) {
        store<i32>(offs + (<usize>p << 2), ((c * HP + i) * WP + j) << 2);
      }
}

/** Image x [C, H, W] into the interior of the zero-bordered [C, HP, WP] at `padded`. */
function padImage(x: usize, padded: usize): void {
  const plane = <usize>((W + 2 * PW) * (H + 2 * PH)) << 2;
  for (let c = 0; c < C; c++) padChannel(x + (<usize>(c * H * W) << 2), padded + <usize>c * plane);
}

/**
 * relu over n floats in place (the image's output, still in cache): x where x > 0 or x is NaN,
 * else +0 — the formula of elementwise.ts's reluF32, so the bits are those of a separate relu.
 */
function reluInPlace(p: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const at = p + (<usize>j << 2);
    const v = v128.load(at);
    v128.store(at, v128.and(v, v128.or(f32x4.gt(v, zero), f32x4.ne(v, v))));
  }
  for (; j < n; j++) {
    const at = p + (<usize>j << 2);
    const v = load<f32>(at);
    store<f32>(at, v > 0 || v != v ? v : 0);
  }
}

/**
 * y[b] = w [O, C·KH·KW] @ im2col(x[b]), + bias[o] over channel o unless bias is 0, then relu'd
 * if relu is 1 (the epilogue, while the image's output is in cache), for the images of thread t.
 */
export function conv2dForward(
  geo: usize, x: usize, w: usize, bias: usize, relu: i32, y: usize, batch: i32, scratch: usize,
  scratchBytes: usize, next: usize, t: i32, nt: i32,
): void {
  loadGeometry(geo);
  const K = C * KH * KW, L = HO * WO;
  const cols = scratch + <usize>t * scratchBytes;
  const pack = cols + colsRegion();
  const padded = pack + (<usize>gemmPackFloats(K) << 2);
  const implicit = SW == 1 && WO % 8 == 0;
  // the implicit product's scratch, in the cols region: the offsets table, then the padded image
  // (its border zeroed once here, the interior overwritten per image)
  const image0 = cols + ((<usize>K << 2) + 15 & ~15);
  if (implicit) {
    windowOffsets(cols);
    zeroFloats(image0, C * (H + 2 * PH) * (W + 2 * PW));
  }
  for (let b = nextUnit(next); b < batch; b = nextUnit(next)) {
    const image = x + (<usize>(b * C * H * W) << 2);
    const out = y + (<usize>(b * O * L) << 2);
    if (implicit) {
      padImage(image, image0);
      convImplicit(w, image0, cols, out);
    } else {
      im2col(image, cols, padded);
      sgemm(w, cols, out, O, K, L, pack);
    }
    if (bias != 0) addBias(out, bias, O, L);
    if (relu != 0) reluInPlace(out, O * L);
  }
}

/**
 * dx[b] = col2im(wT [C·KH·KW, O] @ g[b]) for the images of thread t (dx[b] overwritten); with
 * `implicit` (stride 1, W and C multiples of 8 and 4, padding below the kernel size) w2 is the
 * flipped filters of flipFiltersF32 instead and dx is computed without col2im (inputGradImplicit).
 */
export function conv2dInputGrad(
  geo: usize, g: usize, w2: usize, dx: usize, batch: i32, implicit: i32, scratch: usize,
  scratchBytes: usize, next: usize, t: i32, nt: i32,
): void {
  loadGeometry(geo);
  const K = C * KH * KW, L = HO * WO;
  const cols = scratch + <usize>t * scratchBytes;
  if (implicit != 0) {
    inputGradImplicit(g, w2, dx, batch, cols, next);
    return;
  }
  const pack = cols + ((<usize>(K * L) << 2) + 15 & ~15);
  const padded = pack + (<usize>gemmPackFloats(O) << 2);
  for (let b = nextUnit(next); b < batch; b = nextUnit(next)) {
    sgemm(w2, g + (<usize>(b * O * L) << 2), cols, K, O, L, pack);
    col2im(cols, dx + (<usize>(b * C * H * W) << 2), padded);
  }
}

/**
 * For stride 1 the input gradient is itself a convolution: dx[c, y, x] = Σ_o,i,j w[o, c, i, j] ·
 * g[o, y + PH − i, x + PW − j], i.e. g [O, HO, WO] convolved with the filters flipped in space and
 * transposed in (o, c), wF [C, O·KH·KW], padding KH − 1 − PH and KW − 1 − PW, which gives
 * [C, H, W].
 * So it runs as the forward's product without im2col over that geometry: no col2im, and an inner
 * dimension of O·KH·KW instead of O (a 20-channel layer's input gradient: k = 500, not 20). Each
 * element of dx is one sum over (o, i, j) in order, so the result does not depend on nt.
 */
function inputGradImplicit(
  g: usize, wF: usize, dx: usize, batch: i32, cols: usize, next: usize,
): void {
  const c0 = C, h0 = H, w0 = W, ph0 = PH, pw0 = PW;
  // the transposed geometry (this call's globals only: the next call loads its own)
  C = O; H = HO; W = WO; O = c0; HO = h0; WO = w0; PH = KH - 1 - ph0; PW = KW - 1 - pw0;
  const image0 = cols + ((<usize>(C * KH * KW) << 2) + 15 & ~15);
  windowOffsets(cols);
  zeroFloats(image0, C * (H + 2 * PH) * (W + 2 * PW));
  for (let b = nextUnit(next); b < batch; b = nextUnit(next)) {
    padImage(g + (<usize>(b * C * H * W) << 2), image0);
    convImplicit(wF, image0, cols, dx + (<usize>(b * O * HO * WO) << 2));
  }
}

/** out [C, O·KH·KW] with out[c, (o·KH + i)·KW + j] = w[o, c, KH − 1 − i, KW − 1 − j]. */
export function flipFiltersF32(w: usize, out: usize, o: i32, c: i32, kh: i32, kw: i32): void {
  const k = kh * kw;
  for (let oi = 0; oi < o; oi++) {
    for (let ci = 0; ci < c; ci++) {
      const from = w + (<usize>((oi * c + ci) * k) << 2);
      const to = out + (<usize>((ci * o + oi) * k) << 2);
      for (let q = 0; q < k; q++) {
        store<f32>(to + (<usize>(k - 1 - q) << 2), load<f32>(from + (<usize>q << 2)));
      }
    }
  }
}

/** out = g · [y > 0] over n floats (relu's backward, the formula of elementwise.ts's binary op). */
function gate(g: usize, y: usize, out: usize, n: i32): void {
  const zero = f32x4.splat(0), one = f32x4.splat(1);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    const mask = v128.bitselect(one, zero, f32x4.gt(v128.load(y + o), zero));
    v128.store(out + o, f32x4.mul(v128.load(g + o), mask));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(out + o, load<f32>(g + o) * <f32>(load<f32>(y + o) > 0 ? 1 : 0));
  }
}

/**
 * dw = Σ_b g[b] [O, L] @ im2col(x[b])ᵀ in `chunks` partial sums, chunk q over images
 * [q·B/chunks, (q+1)·B/chunks), written to parts + q·O·K floats; the threads take chunks in turn.
 * The caller adds the partial sums. A fixed chunk count keeps the result independent of nt.
 * Scratch holds cols, then one O×K product, then im2col's padded plane.
 * Fused into the same pass over each image, while its g is in cache: with gateY ≠ 0 (a ReLU after
 * the convolution, gateY its output) g[b] is first replaced by g[b]·[gateY[b] > 0], written to
 * gated, or with gated = 0 to the last gateBytes of the thread's scratch; with biasRuns ≠ 0 each
 * row's sum Σ_l g[b, o, l] (float64, run-sum order) is written to biasRuns[b·O + o] — the caller
 * adds them over b in order, which is channelSumsF32's sum.
 */
export function conv2dWeightGrad(
  geo: usize, x: usize, g: usize, parts: usize, batch: i32, chunks: i32,
  scratch: usize, scratchBytes: usize, gateY: usize, gated: usize, gateBytes: usize,
  biasRuns: usize, next: usize, t: i32, nt: i32,
): void {
  loadGeometry(geo);
  const K = C * KH * KW, L = HO * WO;
  const cols = scratch + <usize>t * scratchBytes;
  const tmp = cols + ((<usize>(K * L) << 2) + 15 & ~15);
  const n = O * K;
  const padded = tmp + ((<usize>n << 2) + 15 & ~15);
  const own = cols + scratchBytes - gateBytes;
  for (let q = nextUnit(next); q < chunks; q = nextUnit(next)) {
    const acc = parts + (<usize>(q * n) << 2);
    memory.fill(acc, 0, <usize>n << 2);
    const b1 = <i32>((<i64>(q + 1) * batch) / chunks);
    for (let b = <i32>((<i64>q * batch) / chunks); b < b1; b++) {
      const image = <usize>(b * O * L) << 2;
      let gb = g + image;
      if (gateY != 0) {
        const to = gated != 0 ? gated + image : own;
        gate(gb, gateY + image, to, O * L);
        gb = to;
      }
      if (biasRuns != 0) {
        for (let o = 0; o < O; o++) {
          store<f64>(biasRuns + (<usize>(b * O + o) << 3), runSum(gb + (<usize>(o * L) << 2), L));
        }
      }
      im2col(x + (<usize>(b * C * H * W) << 2), cols, padded);
      sgemmNT(gb, cols, tmp, O, L, K);
      let i = 0;
      for (; i + 4 <= n; i += 4) {
        const at = acc + (<usize>i << 2);
        v128.store(at, f32x4.add(v128.load(at), v128.load(tmp + (<usize>i << 2))));
      }
      for (; i < n; i++) {
        const at = acc + (<usize>i << 2);
        store<f32>(at, load<f32>(at) + load<f32>(tmp + (<usize>i << 2)));
      }
    }
  }
}

/**
 * dst [cols, rows] = srcᵀ for src [rows, cols] (float32): the input gradient's wᵀ. Transposed by
 * JavaScript it took about a quarter of a millisecond per call in the teacher's training step.
 */
export function transposeF32(src: usize, dst: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const from = src + (<usize>(r * cols) << 2);
    for (let c = 0; c < cols; c++) {
      store<f32>(dst + (<usize>(c * rows + r) << 2), load<f32>(from + (<usize>c << 2)));
    }
  }
}

/**
 * out[i] = Σ_q parts[q·n + i] for q = 0..chunks−1 in order, summed in float64 and rounded once to
 * float32 (the weight gradient's partial sums, added as the TypeScript loop adds them).
 */
export function sumPartsF32(parts: usize, chunks: i32, n: i32, out: usize): void {
  const stride = <usize>n << 2;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    let p = parts + (<usize>i << 2);
    let a = f64x2.splat(0), b = f64x2.splat(0);
    for (let q = 0; q < chunks; q++) {
      const v = v128.load(p);
      a = f64x2.add(a, lo(v));
      b = f64x2.add(b, hi(v));
      p += stride;
    }
    v128.store(out + (<usize>i << 2), join(a, b));
  }
  for (; i < n; i++) {
    let sum: f64 = 0;
    const at = parts + (<usize>i << 2);
    for (let q = 0; q < chunks; q++) sum += <f64>load<f32>(at + <usize>q * stride);
    store<f32>(out + (<usize>i << 2), <f32>sum);
  }
}

const POOL_UNIT = 8;

/**
 * Max pooling of `planes` [H, W] planes (geometry as for a convolution; C and O unused): the
 * window maxima into vals and the flat position y·W + x of the first maximum into idx; positions
 * outside the image are skipped (−∞ padding), a NaN wins. The threads take POOL_UNIT planes at a time.
 */
export function maxPool2dForward(
  geo: usize, x: usize, vals: usize, idx: usize, planes: i32, next: usize, t: i32, nt: i32,
): void {
  loadGeometry(geo);
  for (let u = nextUnit(next); u * POOL_UNIT < planes; u = nextUnit(next)) {
    for (let p = u * POOL_UNIT; p < min(planes, (u + 1) * POOL_UNIT); p++) maxPoolPlane(x, vals, idx, p);
  }
}

/**
 * Whether candidate v takes over from the best so far: larger, or the first NaN (lane by lane).
 * The same rule as the scalar loop below, so both give the same maximum and position.
 */
@inline function takes(v: v128, best: v128): v128 {
  return v128.or(f32x4.gt(v, best), v128.and(f32x4.ne(v, v), f32x4.eq(best, best)));
}

/**
 * Outputs [0, n4) of output row oh of a 2×2, stride-2, unpadded pooling, four at a time: the
 * even and odd columns of two input rows split into lanes, the window read in the scalar order.
 */
@inline function maxPool2x2Row(
  base: usize, vals: usize, idx: usize, o: i32, oh: i32, n4: i32,
): void {
  const top = base + (<usize>(2 * oh * W) << 2);
  const bottom = top + (<usize>W << 2);
  const step = i32x4.splat(8);
  let at = i32x4.add(i32x4.splat(2 * oh * W), i32x4(0, 2, 4, 6));
  const down = i32x4.splat(W);
  const one = i32x4.splat(1);
  for (let ow = 0; ow < n4; ow += 4) {
    const off = <usize>(ow << 3);
    const t0 = v128.load(top + off), t1 = v128.load(top + off, 16);
    const b0 = v128.load(bottom + off), b1 = v128.load(bottom + off, 16);
    let best = i32x4.shuffle(t0, t1, 0, 2, 4, 6);
    let pos = at;
    let v = i32x4.shuffle(t0, t1, 1, 3, 5, 7);
    let m = takes(v, best);
    best = v128.bitselect(v, best, m);
    pos = v128.bitselect(i32x4.add(at, one), pos, m);
    v = i32x4.shuffle(b0, b1, 0, 2, 4, 6);
    m = takes(v, best);
    best = v128.bitselect(v, best, m);
    pos = v128.bitselect(i32x4.add(at, down), pos, m);
    v = i32x4.shuffle(b0, b1, 1, 3, 5, 7);
    m = takes(v, best);
    best = v128.bitselect(v, best, m);
    pos = v128.bitselect(i32x4.add(i32x4.add(at, down), one), pos, m);
    v128.store(vals + (<usize>(o + ow) << 2), best);
    v128.store(idx + (<usize>(o + ow) << 2), pos);
    at = i32x4.add(at, step);
  }
}

/**
 * Max pooling's backward over `planes` planes: each plane of out (hw floats) zeroed, then
 * out[p·hw + idx[p·l + i]] += v[p·l + i] in order, so repeated indices add up as in the
 * TypeScript loop. The threads take POOL_UNIT planes at a time.
 */
export function maxUnpool2d(
  v: usize, idx: usize, out: usize, planes: i32, l: i32, hw: i32, next: usize, t: i32, nt: i32,
): void {
  for (let u = nextUnit(next); u * POOL_UNIT < planes; u = nextUnit(next)) {
    for (let p = u * POOL_UNIT; p < min(planes, (u + 1) * POOL_UNIT); p++) {
      const plane = out + (<usize>(p * hw) << 2);
      memory.fill(plane, 0, <usize>hw << 2);
      const src = <usize>(p * l) << 2;
      for (let i = 0; i < l; i++) {
        const at = plane + (<usize>load<i32>(idx + src + (<usize>i << 2)) << 2);
        store<f32>(at, load<f32>(at) + load<f32>(v + src + (<usize>i << 2)));
      }
    }
  }
}

/** One plane of maxPool2dForward. */
function maxPoolPlane(x: usize, vals: usize, idx: usize, p: i32): void {
  const base = x + (<usize>(p * H * W) << 2);
  let o = p * HO * WO;
  // the common 2×2 stride-2 pooling without padding: whole windows, four outputs at a time
  const simd = KH == 2 && KW == 2 && SH == 2 && SW == 2 && PH == 0 && PW == 0;
  const n4 = simd ? min(WO, W >> 1) & ~3 : 0;
  for (let oh = 0; oh < HO; oh++) {
    const y0 = max(0, oh * SH - PH), y1 = min(H, oh * SH - PH + KH);
    if (n4 > 0 && 2 * oh + 1 < H) {
      maxPool2x2Row(base, vals, idx, o, oh, n4);
      o += n4;
    }
    for (let ow = n4 > 0 && 2 * oh + 1 < H ? n4 : 0; ow < WO; ow++, o++) {
      const x0 = max(0, ow * SW - PW), x1 = min(W, ow * SW - PW + KW);
      let best: f32 = -Infinity;
      let at = y0 * W + x0;
      for (let yy = y0; yy < y1; yy++) {
        for (let xx = x0; xx < x1; xx++) {
          const v = load<f32>(base + (<usize>(yy * W + xx) << 2));
          // select, not a branch: on random data the branch mispredicted half the time
          const take = <i32>(v > best) | (<i32>(v != v) & <i32>(best == best));
          best = select<f32>(v, best, take != 0);
          at = select<i32>(yy * W + xx, at, take != 0);
        }
      }
      store<f32>(vals + (<usize>o << 2), best);
      store<i32>(idx + (<usize>o << 2), at);
    }
  }
}
