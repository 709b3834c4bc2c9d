// The data pipeline's last step: CIFAR bytes to normalised float32 crops (random crop with
// padding, horizontal flip, per-channel normalisation), image by image over the threads. The
// normalisation is a table lookup per byte value, made by the caller, so these are the bits of the
// TypeScript backend's loop (src/tensor/backend/typescript.ts, cropImages).
import { nextUnit } from './gemm';

const CONSTANT = 0, EDGE = 1, REFLECT = 2;

/** Where coordinate i reads in [0, n) under padding `mode` (-1: the fill colour). */
@inline function source(i: i32, n: i32, mode: i32): i32 {
  if (i >= 0 && i < n) return i;
  if (mode == CONSTANT) return -1;
  if (mode == EDGE) return i < 0 ? 0 : n - 1;
  if (mode == REFLECT) return i < 0 ? -i : 2 * (n - 1) - i;
  return i < 0 ? -i - 1 : 2 * n - 1 - i; // symmetric
}

/** Output column x of a row that reads outside the image: through the padding mode. */
@inline function edgePixel(
  row: usize, lut: usize, fill: f32, o: usize, x: i32, w: i32, dx: i32, flip: bool, mode: i32,
): void {
  const sx = source((flip ? w - 1 - x : x) + dx, w, mode);
  const v = sx < 0 ? fill : load<f32>(lut + (<usize>load<u8>(row + <usize>sx) << 2));
  store<f32>(o + (<usize>x << 2), v);
}

/**
 * out[b] (c×h×w float32) = image plan[4b] of src (bytes, c×h×w each) through the window at
 * (plan[4b+1], plan[4b+2]), mirrored when plan[4b+3] is 1; table [c, 257] f32 maps each byte value
 * (256: the fill colour). Between the columns that read outside the image, a row is one run of
 * bytes read forwards (or backwards when mirrored).
 */
export function cropImages(
  src: usize, plan: usize, batch: i32, c: i32, h: i32, w: i32, mode: i32, table: usize, out: usize,
  next: usize, t: i32, nt: i32,
): void {
  const plane = h * w;
  for (let b = nextUnit(next); b < batch; b = nextUnit(next)) {
    const at = plan + (<usize>(4 * b) << 2);
    const image = load<i32>(at), dy = load<i32>(at, 4), dx = load<i32>(at, 8);
    const flip = load<i32>(at, 12) != 0;
    // output columns [x0, x1) read inside the image: u = x + dx, or w − 1 − x + dx mirrored
    const x0 = min(w, max(0, flip ? dx : -dx));
    const x1 = max(x0, min(w, flip ? w + dx : w - dx));
    for (let ch = 0; ch < c; ch++) {
      const lut = table + (<usize>(ch * 257) << 2);
      const fill = load<f32>(lut, 256 << 2);
      const from = src + <usize>((image * c + ch) * plane);
      let o = out + (<usize>((b * c + ch) * plane) << 2);
      for (let y = 0; y < h; y++, o += <usize>w << 2) {
        const sy = source(y + dy, h, mode);
        if (sy < 0) {
          for (let x = 0; x < w; x++) store<f32>(o + (<usize>x << 2), fill);
          continue;
        }
        const row = from + <usize>(sy * w);
        for (let x = 0; x < x0; x++) edgePixel(row, lut, fill, o, x, w, dx, flip, mode);
        if (flip) {
          const p = row + <usize>(w - 1 + dx);
          for (let x = x0; x < x1; x++)
            store<f32>(o + (<usize>x << 2), load<f32>(lut + (<usize>load<u8>(p - <usize>x) << 2)));
        } else {
          const p = row + <usize>dx;
          for (let x = x0; x < x1; x++)
            store<f32>(o + (<usize>x << 2), load<f32>(lut + (<usize>load<u8>(p + <usize>x) << 2)));
        }
        for (let x = x1; x < w; x++) edgePixel(row, lut, fill, o, x, w, dx, flip, mode);
      }
    }
  }
}
