// float32x4 ↔ two float64x2 halves, for the kernels that compute in float64 as the TypeScript
// loops do and round to float32 only on store (optim.ts, batchnorm.ts).

/** Lanes 0 and 1 of a float32x4, as float64. */
@inline export function lo(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

/** Lanes 2 and 3 of a float32x4, as float64. */
@inline export function hi(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
}

/** Two float64x2 rounded to float32 and joined into one float32x4 (a's lanes first). */
@inline export function join(a: v128, b: v128): v128 {
  return i32x4.shuffle(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
}
