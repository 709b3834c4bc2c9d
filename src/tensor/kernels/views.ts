// Views: new shape/strides/offset over the same storage, no copy.
import { contiguousStrides, formatShape, numel, type Shape } from '../shape.js';
import { TensorData } from '../storage.js';

export function permuteView(a: TensorData, order: readonly number[]): TensorData {
  return new TensorData(
    a.data,
    order.map((d) => a.shape[d]!),
    order.map((d) => a.strides[d]!),
    a.offset,
  );
}

/** Resolves one -1 in a requested shape and checks the element count. */
export function inferShape(
  requested: readonly number[],
  size: number,
  from: Shape,
  op: string,
): number[] {
  const shape = [...requested];
  const minus = shape.reduce<number[]>((acc, s, i) => (s === -1 ? [...acc, i] : acc), []);
  if (minus.length > 1)
    throw new RangeError(`${op}: only one dimension can be -1, got ${formatShape(requested)}`);
  for (const s of shape) {
    if (s !== -1 && (!Number.isInteger(s) || s < 0))
      throw new RangeError(`${op}: invalid size ${s} in ${formatShape(requested)}`);
  }
  if (minus.length === 1) {
    const known = numel(shape.filter((s) => s !== -1));
    if (known === 0 || size % known !== 0) {
      throw new RangeError(
        `${op}: shape ${formatShape(requested)} is invalid for input of shape ${formatShape(from)} (${size} elements)`,
      );
    }
    shape[minus[0]!] = size / known;
  }
  if (numel(shape) !== size) {
    throw new RangeError(
      `${op}: shape ${formatShape(requested)} is invalid for input of shape ${formatShape(from)} (${size} elements)`,
    );
  }
  return shape;
}

/** A reshaped view when the layout allows it (contiguous input), else null. */
export function reshapeView(a: TensorData, shape: readonly number[]): TensorData | null {
  if (!a.isContiguous()) return null;
  return new TensorData(a.data, shape, contiguousStrides(shape), a.offset);
}

export function expandView(a: TensorData, shape: readonly number[]): TensorData {
  const off = shape.length - a.ndim;
  const strides = shape.map((s, i) => {
    if (i < off) return 0;
    const own = a.shape[i - off]!;
    return own === 1 && s !== 1 ? 0 : a.strides[i - off]!;
  });
  return new TensorData(a.data, shape, strides, a.offset);
}

export function narrowView(a: TensorData, dim: number, start: number, length: number): TensorData {
  const shape = [...a.shape];
  shape[dim] = length;
  return new TensorData(a.data, shape, a.strides, a.offset + start * a.strides[dim]!);
}

export function unsqueezeView(a: TensorData, dim: number): TensorData {
  const shape = [...a.shape];
  const strides = [...a.strides];
  const stride = dim < a.ndim ? a.shape[dim]! * a.strides[dim]! : 1;
  shape.splice(dim, 0, 1);
  strides.splice(dim, 0, stride);
  return new TensorData(a.data, shape, strides, a.offset);
}

export function squeezeView(a: TensorData, dims: readonly number[]): TensorData {
  const keep = (d: number) => !(dims.includes(d) && a.shape[d] === 1);
  const shape = a.shape.filter((_, d) => keep(d));
  const strides = a.strides.filter((_, d) => keep(d));
  return new TensorData(a.data, shape, strides, a.offset);
}
