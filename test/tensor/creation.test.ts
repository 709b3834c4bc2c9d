import { describe, expect, it } from 'vitest';
import { arange, eye, full, ones, tensor, zeros, zerosLike } from '../../src/index.js';

describe('creation', () => {
  it('tensor() from nested arrays, typed arrays, numbers and booleans', () => {
    const a = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(a.shape).toEqual([2, 2]);
    expect(a.dtype).toBe('float32');
    expect(tensor(new Float64Array([1, 2])).dtype).toBe('float64');
    expect(tensor(new Float64Array([1, 2, 3, 4]), { shape: [2, 2] }).toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(tensor(3).shape).toEqual([]);
    expect(tensor(3).item()).toBe(3);
    expect(tensor([true, false]).dtype).toBe('bool');
    expect(tensor([[]]).shape).toEqual([1, 0]);
    expect(tensor([1.5, -2.7], { dtype: 'int32' }).toArray()).toEqual([1, -2]);
  });
  it('copies its input', () => {
    const src = new Float32Array([1, 2]);
    const t = tensor(src);
    src[0] = 9;
    expect(t.toArray()).toEqual([1, 2]);
  });
  it('zeros, ones, full, arange, eye', () => {
    expect(zeros([2]).toArray()).toEqual([0, 0]);
    expect(ones(2, { dtype: 'float64' }).dtype).toBe('float64');
    expect(full([2, 1], 7).toArray()).toEqual([[7], [7]]);
    expect(arange(5).toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(arange(5).dtype).toBe('int32');
    expect(arange(0, 1, 0.25).toArray()).toEqual([0, 0.25, 0.5, 0.75]);
    expect(arange(5, 0, -2).toArray()).toEqual([5, 3, 1]);
    expect(eye(2, 3).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(zerosLike(tensor([1], { dtype: 'float64' })).dtype).toBe('float64');
  });
});
