// TensorData.copy of a transposed matrix (strides [1, rows]): the backend's transpose primitive,
// in wasm for large float32 matrices, with the values of the element-by-element definition.
import { describe, expect, it } from 'vitest';
import { Generator, randn } from '../../src/index.js';

describe('the contiguous copy of a transposed matrix', () => {
  it('has every element in row-major order: float32 (wasm and JavaScript), float64, cast', () => {
    const g = new Generator(2);
    for (const [rows, cols, dtype] of [
      [300, 70, 'float32'], // 21,000 values: wasm
      [33, 20, 'float32'], // 660: the JavaScript loop
      [90, 61, 'float64'],
    ] as const) {
      const a = randn([rows, cols], { generator: g, dtype });
      const src = a.toTypedArray();
      const view = a.t().storage;
      expect(view.strides).toEqual([1, cols]);
      for (const to of [dtype, 'float64'] as const) {
        const out = view.copy(to).data;
        const label = `${rows}×${cols} ${dtype} → ${to}`;
        expect(out.length, label).toBe(rows * cols);
        let bad = -1;
        for (let c = 0; c < cols && bad < 0; c++)
          for (let r = 0; r < rows; r++)
            if (!Object.is(out[c * rows + r], src[r * cols + c])) {
              bad = c * rows + r;
              break;
            }
        expect(bad, label).toBe(-1);
      }
    }
  });

  it('narrowed transposes: from an offset (the primitive), with rows skipped (strides)', () => {
    const g = new Generator(3);
    const a = randn([40, 130], { generator: g });
    const src = a.toTypedArray();
    // [130, 30] from column 3: strides [1, 130], offset 390, a row-major [30, 130] transposed;
    // [100, 40] from row 5: strides [1, 130] with 100 rows, copied by its strides
    for (const [v, r0, c0] of [
      [a.t().narrow(1, 3, 30), 0, 3],
      [a.t().narrow(0, 5, 100), 5, 0],
    ] as const) {
      const [R, C] = v.shape as [number, number];
      const want = Array.from(
        { length: R * C },
        (_, i) => src[(c0 + (i % C)) * 130 + r0 + Math.floor(i / C)],
      );
      expect(Array.from(v.contiguous().toTypedArray())).toEqual(want);
    }
  });
});
