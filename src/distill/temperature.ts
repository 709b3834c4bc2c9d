// The temperature T as a graph tensor: a number becomes a constant; a tensor with requiresGrad
// puts T in the graph, so after backward T.grad is dL/dT.
import { Tensor } from '../autograd/tensor.js';
import { tensor } from '../autograd/creation.js';
import type { FloatDType } from '../tensor/dtype.js';

export type TemperatureLike = number | Tensor;

/**
 * The temperatures a KD loss accepts, by dtype. Outside them the soft term is lost to rounding:
 * in float32, T = 1e5 gives KL = −3e-8 and T²·KL = −297 where float64 gives +7; in float64,
 * T = 1e300 or 1e-300 gives NaN. The command line takes the float32 range.
 */
export const TEMPERATURE_RANGE: Record<FloatDType, readonly [number, number]> = {
  float32: [0.05, 1000],
  float64: [1e-4, 1e8],
};

function checkRange(v: number, dtype: FloatDType, op: string): void {
  const [lo, hi] = TEMPERATURE_RANGE[dtype];
  if (!(v >= lo && v <= hi))
    throw new RangeError(
      `${op}: temperature must be in [${lo}, ${hi}] for ${dtype} logits, got ${v}`,
    );
}

/**
 * Validates T (finite, within TEMPERATURE_RANGE for `dtype`) and returns it as a 0-d tensor of
 * `dtype`, labelled 'T'.
 */
export function asTemperature(T: TemperatureLike, dtype: FloatDType, op: string): Tensor {
  if (T instanceof Tensor) {
    if (T.numel() !== 1)
      throw new RangeError(
        `${op}: temperature must be a single number, got a tensor of shape [${T.shape.join(', ')}]`,
      );
    const v = T.toTypedArray()[0]!;
    if (!(v > 0) || !Number.isFinite(v))
      throw new RangeError(`${op}: temperature must be a finite number > 0, got ${v}`);
    checkRange(v, dtype, op);
    const t = T.ndim === 0 ? T : T.reshape([]);
    const out = t.dtype === dtype ? t : t.to(dtype);
    if (!out.label) out.label = 'T';
    return out;
  }
  if (typeof T !== 'number' || !(T > 0) || !Number.isFinite(T))
    throw new RangeError(`${op}: temperature must be a finite number > 0, got ${String(T)}`);
  checkRange(T, dtype, op);
  return tensor(T, { dtype }).withLabel('T');
}

/** Refuses option keys a loss does not know (a misspelt `{ T: 4 }` would leave T at 1). */
export function checkOptionKeys(opts: object, known: readonly string[], op: string): void {
  const unknown = Object.keys(opts).filter((k) => !known.includes(k));
  if (unknown.length)
    throw new TypeError(
      `${op}: unknown option${unknown.length > 1 ? 's' : ''} ` +
        `${unknown.map((k) => `'${k}'`).join(', ')}; the options are ${known.join(', ')}`,
    );
}

export function checkAlpha(alpha: number, op: string, name = 'alpha'): number {
  if (typeof alpha !== 'number' || !(alpha >= 0 && alpha <= 1))
    throw new RangeError(`${op}: ${name} must be in [0, 1], got ${alpha}`);
  return alpha;
}

/**
 * The article's adaptive schedule with an optional floor: T_e = max(minTemp, T0 · decay^e).
 * With the article's defaults (T0 = 1, decay 0.95) T drops below 1 from epoch 1 on — it sharpens
 * instead of softening; a floor of 1 (minTemp: 1) keeps the soft targets soft.
 */
export function adaptiveTemperature(
  initialTemp: number,
  tempDecay: number,
  epoch: number,
  minTemp = 0,
): number {
  if (!(initialTemp > 0) || !Number.isFinite(initialTemp))
    throw new RangeError(
      `adaptiveTemperature: initialTemp must be a finite number > 0, got ${initialTemp}`,
    );
  if (!(tempDecay > 0) || !Number.isFinite(tempDecay))
    throw new RangeError(
      `adaptiveTemperature: tempDecay must be a finite number > 0, got ${tempDecay}`,
    );
  if (!(minTemp >= 0) || !Number.isFinite(minTemp))
    throw new RangeError(
      `adaptiveTemperature: minTemp must be a finite number >= 0, got ${minTemp}`,
    );
  if (!Number.isInteger(epoch) || epoch < 0)
    throw new RangeError(`adaptiveTemperature: epoch must be an integer >= 0, got ${epoch}`);
  // the schedule stays inside the range a float32 loss accepts
  const [lo, hi] = TEMPERATURE_RANGE.float32;
  return Math.min(hi, Math.max(lo, minTemp, initialTemp * tempDecay ** epoch));
}
