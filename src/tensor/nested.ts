// Nested JS arrays <-> flat values + shape.
export type NestedArray = number | boolean | readonly NestedArray[];

/** Flattens a rectangular nested array; the error names the first ragged or non-numeric path. */
export function flattenNested(
  value: NestedArray,
  op = 'tensor',
): { values: number[]; shape: number[] } {
  const shape: number[] = [];
  let probe: NestedArray = value;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0] as NestedArray;
  }
  const values: number[] = [];
  const walk = (v: NestedArray, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof v === 'boolean') {
        values.push(v ? 1 : 0);
        return;
      }
      if (typeof v !== 'number') {
        throw new TypeError(
          `${op}: element at ${path || '[]'} is ${Array.isArray(v) ? 'an array' : typeof v}, expected a number (ragged nesting?)`,
        );
      }
      values.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      const got = Array.isArray(v) ? `length ${v.length}` : typeof v;
      throw new RangeError(
        `${op}: ragged nested array at ${path || '[]'}: expected length ${shape[depth]}, got ${got}`,
      );
    }
    (v as readonly NestedArray[]).forEach((c, i) => walk(c, depth + 1, `${path}[${i}]`));
  };
  walk(value, 0, '');
  return { values, shape };
}

/** Rebuilds a nested array (a plain number for rank 0) from row-major values. */
export function unflatten(values: ArrayLike<number>, shape: readonly number[]): NestedArray {
  if (shape.length === 0) return values[0]!;
  const build = (depth: number, start: number): NestedArray[] => {
    const size = shape[depth]!;
    const stride = shape.slice(depth + 1).reduce((a, b) => a * b, 1);
    const out: NestedArray[] = [];
    for (let i = 0; i < size; i++) {
      out.push(
        depth === shape.length - 1 ? values[start + i]! : build(depth + 1, start + i * stride),
      );
    }
    return out;
  };
  return build(0, 0);
}
