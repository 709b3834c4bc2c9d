// Creation functions (torch.tensor, zeros, ones, full, arange, eye, rand, randn, randint).
import { allocate } from '../tensor/buffer-pool.js';
import {
  assertDType,
  castValue,
  DEFAULT_DTYPE,
  dtypeOf,
  isFloat,
  type DType,
  type TypedArray,
} from '../tensor/dtype.js';
import { flattenNested, type NestedArray } from '../tensor/nested.js';
import { checkShape, numel } from '../tensor/shape.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import { TensorData } from '../tensor/storage.js';
import { Tensor } from './tensor.js';

export interface CreateOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}
export interface RandomOptions extends CreateOptions {
  generator?: Generator;
}
type ShapeArg = readonly number[] | number;

function make(
  op: string,
  dtype: DType,
  shape: readonly number[],
  fill: (out: TypedArray) => void,
  opts: CreateOptions,
): Tensor {
  const s = checkShape(shape, op);
  const data = allocate(dtype, numel(s));
  fill(data);
  return new Tensor(new TensorData(data, s), { requiresGrad: opts.requiresGrad ?? false });
}

const shapeOf = (s: ShapeArg) => (typeof s === 'number' ? [s] : s);
const dtypeOr = (opts: CreateOptions, op: string, fallback: DType = DEFAULT_DTYPE) =>
  assertDType(opts.dtype ?? fallback, op);

/**
 * A tensor from a nested array, a typed array (1-D, its dtype kept unless overridden) or a number.
 * Values are copied.
 */
export function tensor(
  value: NestedArray | TypedArray,
  opts: CreateOptions & { shape?: readonly number[] } = {},
): Tensor {
  if (ArrayBuffer.isView(value)) {
    const typed = value;
    const dtype = assertDType(
      opts.dtype ?? (typed instanceof Uint8Array ? 'bool' : dtypeOf(typed)),
      'tensor',
    );
    const shape = opts.shape ?? [typed.length];
    if (numel(shape) !== typed.length)
      throw new RangeError(
        `tensor: shape [${shape.join(', ')}] needs ${numel(shape)} values, got ${typed.length}`,
      );
    return make(
      'tensor',
      dtype,
      shape,
      (out) => {
        for (let i = 0; i < out.length; i++) out[i] = castValue(dtype, typed[i]!);
      },
      opts,
    );
  }
  const { values, shape } = flattenNested(value, 'tensor');
  const dtype = dtypeOr(
    opts,
    'tensor',
    typeof value === 'boolean' || (Array.isArray(value) && isBoolNested(value))
      ? 'bool'
      : DEFAULT_DTYPE,
  );
  if (opts.shape) {
    if (numel(opts.shape) !== values.length)
      throw new RangeError(
        `tensor: shape [${opts.shape.join(', ')}] needs ${numel(opts.shape)} values, got ${values.length}`,
      );
  }
  return make(
    'tensor',
    dtype,
    opts.shape ?? shape,
    (out) =>
      values.forEach((v, i) => {
        out[i] = castValue(dtype, v);
      }),
    opts,
  );
}

function isBoolNested(v: NestedArray): boolean {
  let probe: NestedArray = v;
  while (Array.isArray(probe) && probe.length) probe = probe[0] as NestedArray;
  return typeof probe === 'boolean';
}

export const zeros = (shape: ShapeArg, opts: CreateOptions = {}) =>
  make('zeros', dtypeOr(opts, 'zeros'), shapeOf(shape), () => {}, opts);
export const ones = (shape: ShapeArg, opts: CreateOptions = {}) => full(shape, 1, opts);
export function full(shape: ShapeArg, value: number, opts: CreateOptions = {}): Tensor {
  if (typeof value !== 'number')
    throw new TypeError(`full: fill value must be a number, got ${typeof value}`);
  const dtype = dtypeOr(opts, 'full');
  return make('full', dtype, shapeOf(shape), (out) => out.fill(castValue(dtype, value)), opts);
}
export const zerosLike = (t: Tensor, opts: CreateOptions = {}) =>
  zeros(t.shape, { dtype: t.dtype, ...opts });
export const onesLike = (t: Tensor, opts: CreateOptions = {}) =>
  ones(t.shape, { dtype: t.dtype, ...opts });
export const fullLike = (t: Tensor, value: number, opts: CreateOptions = {}) =>
  full(t.shape, value, { dtype: t.dtype, ...opts });

/** [start, end) in steps of step; arange(n) = 0..n-1. Integer arguments give int32 unless a dtype is given. */
export function arange(start: number, end?: number, step = 1, opts: CreateOptions = {}): Tensor {
  const [lo, hi] = end === undefined ? [0, start] : [start, end];
  for (const [name, v] of [
    ['start', lo],
    ['end', hi],
    ['step', step],
  ] as const) {
    if (!Number.isFinite(v)) throw new RangeError(`arange: ${name} must be finite, got ${v}`);
  }
  if (step === 0) throw new RangeError('arange: step must be non-zero');
  if ((hi - lo) * step < 0)
    throw new RangeError(`arange: step ${step} has the wrong sign for the range [${lo}, ${hi})`);
  const n = Math.max(0, Math.ceil((hi - lo) / step));
  const ints = [lo, hi, step].every(Number.isInteger);
  const dtype = dtypeOr(opts, 'arange', ints ? 'int32' : DEFAULT_DTYPE);
  return make(
    'arange',
    dtype,
    [n],
    (out) => {
      for (let i = 0; i < n; i++) out[i] = castValue(dtype, lo + i * step);
    },
    opts,
  );
}

/** n x m identity (m defaults to n). */
export function eye(n: number, m = n, opts: CreateOptions = {}): Tensor {
  const dtype = dtypeOr(opts, 'eye');
  return make(
    'eye',
    dtype,
    [n, m],
    (out) => {
      for (let i = 0; i < Math.min(n, m); i++) out[i * m + i] = 1;
    },
    opts,
  );
}

function floatDtype(opts: CreateOptions, op: string): DType {
  const d = dtypeOr(opts, op);
  if (!isFloat(d)) throw new TypeError(`${op}: dtype must be float32 or float64, got ${d}`);
  return d;
}

/** Uniform on [0, 1). */
export function rand(shape: ShapeArg, opts: RandomOptions = {}): Tensor {
  const g = opts.generator ?? defaultGenerator;
  return make(
    'rand',
    floatDtype(opts, 'rand'),
    shapeOf(shape),
    (out) => {
      for (let i = 0; i < out.length; i++) out[i] = g.random();
    },
    opts,
  );
}

/** Standard normal (mean 0, std 1). */
export function randn(shape: ShapeArg, opts: RandomOptions = {}): Tensor {
  const g = opts.generator ?? defaultGenerator;
  return make(
    'randn',
    floatDtype(opts, 'randn'),
    shapeOf(shape),
    (out) => {
      for (let i = 0; i < out.length; i++) out[i] = g.normal();
    },
    opts,
  );
}

/** Uniform integers in [low, high) (int32 by default). */
export function randint(
  low: number,
  high: number,
  shape: ShapeArg,
  opts: RandomOptions = {},
): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new RangeError(`randint: need integers low < high, got low ${low}, high ${high}`);
  }
  const g = opts.generator ?? defaultGenerator;
  const dtype = dtypeOr(opts, 'randint', 'int32');
  return make(
    'randint',
    dtype,
    shapeOf(shape),
    (out) => {
      for (let i = 0; i < out.length; i++) out[i] = g.integer(low, high);
    },
    opts,
  );
}

/** A random permutation of 0..n-1 (Fisher-Yates), int32. */
export function randperm(n: number, opts: RandomOptions = {}): Tensor {
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`randperm: n must be an integer >= 0, got ${n}`);
  const g = opts.generator ?? defaultGenerator;
  return make(
    'randperm',
    dtypeOr(opts, 'randperm', 'int32'),
    [n],
    (out) => {
      for (let i = 0; i < n; i++) out[i] = i;
      for (let i = n - 1; i > 0; i--) {
        const j = g.integer(0, i + 1);
        const tmp = out[i]!;
        out[i] = out[j]!;
        out[j] = tmp;
      }
    },
    opts,
  );
}
