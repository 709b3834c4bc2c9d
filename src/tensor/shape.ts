// Shapes, strides and broadcasting: pure functions on number arrays.
export type Shape = readonly number[];

export function numel(shape: Shape): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** Row-major (C-contiguous) strides: stride[i] = prod(shape[i+1:]). */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** Array.isArray without narrowing: a typed parameter checked at run time keeps its type. */
export const isList = (v: unknown): boolean => Array.isArray(v);

export function checkShape(shape: Shape, op: string): number[] {
  if (!isList(shape))
    throw new TypeError(`${op}: shape must be an array of sizes, got ${String(shape)}`);
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0) {
      throw new RangeError(
        `${op}: invalid shape ${formatShape(shape)}: sizes must be integers >= 0`,
      );
    }
  }
  return [...shape];
}

/** Wraps a possibly negative dim into [0, ndim). */
export function normalizeDim(dim: number, ndim: number, op: string): number {
  const lo = ndim === 0 ? -1 : -ndim;
  const hi = ndim === 0 ? 0 : ndim - 1;
  if (!Number.isInteger(dim) || dim < lo || dim > hi) {
    throw new RangeError(
      `${op}: dim ${dim} out of range for a tensor of rank ${ndim} (expected ${lo}..${hi})`,
    );
  }
  return dim < 0 ? dim + Math.max(ndim, 1) : dim;
}

/** Sorted, unique, non-negative dims; undefined means all dims. */
export function normalizeDims(
  dims: number | readonly number[] | undefined,
  ndim: number,
  op: string,
): number[] {
  if (dims === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof dims === 'number' ? [dims] : [...dims];
  const out = list.map((d) => normalizeDim(d, ndim, op));
  if (new Set(out).size !== out.length)
    throw new RangeError(`${op}: dim ${JSON.stringify(list)} repeats a dimension`);
  return ndim === 0 ? [] : out.sort((a, b) => a - b);
}

/**
 * NumPy broadcasting: align shapes on the right; each pair of sizes must be equal or one of them 1.
 */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(
        `${op}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast (dim ${i - n}: ${da} vs ${db})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that read `shape` as if broadcast to `target` (0 on every broadcast dim). */
export function broadcastStrides(shape: Shape, strides: Shape, target: Shape): number[] {
  const n = target.length;
  const out = new Array<number>(n).fill(0);
  const off = n - shape.length;
  for (let i = 0; i < shape.length; i++) {
    out[i + off] = shape[i] === 1 && target[i + off] !== 1 ? 0 : strides[i]!;
  }
  return out;
}

/** Can `from` be broadcast to exactly `to`? */
export function isBroadcastableTo(from: Shape, to: Shape): boolean {
  if (from.length > to.length) return false;
  const off = to.length - from.length;
  for (let i = 0; i < from.length; i++) {
    if (from[i] !== 1 && from[i] !== to[i + off]) return false;
  }
  return true;
}
