// At kinks finite differences are meaningless; the conventions (PyTorch's) are checked exactly.
import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/index.js';

const leaf = (v: number[]) => tensor(v, { dtype: 'float64', requiresGrad: true });
const gradOf = (v: number[], f: (x: ReturnType<typeof leaf>) => ReturnType<typeof leaf>) => {
  const x = leaf(v);
  f(x).sum().backward();
  return x.grad!.toArray();
};

describe('gradient conventions at kinks', () => {
  it("relu'(0) = 0", () => expect(gradOf([-1, 0, 2], (x) => x.relu())).toEqual([0, 0, 1]));
  it("abs'(0) = 0 (sign(0) = 0)", () =>
    expect(gradOf([-1, 0, 2], (x) => x.abs())).toEqual([-1, 0, 1]));
  it('clamp passes the gradient at its boundaries', () =>
    expect(gradOf([-2, -1, 0, 1, 2], (x) => x.clamp(-1, 1))).toEqual([0, 1, 1, 1, 0]));
  it('max(dim) routes the gradient to the first maximum only', () =>
    expect(gradOf([3, 1, 3], (x) => x.max(0).values)).toEqual([1, 0, 0]));
  it('min(dim) routes the gradient to the first minimum only', () =>
    expect(gradOf([1, 1, 3], (x) => x.min(0).values)).toEqual([1, 0, 0]));
  it('amax splits the gradient evenly among ties', () =>
    expect(gradOf([3, 1, 3], (x) => x.amax())).toEqual([0.5, 0, 0.5]));
  it('max() without dim is amax over everything', () =>
    expect(gradOf([2, 2, 2, 2], (x) => x.max())).toEqual([0.25, 0.25, 0.25, 0.25]));
  it('maximum(a, b) gives each side half on a tie', () => {
    const a = leaf([1, 2, 3]);
    const b = leaf([1, 5, 0]);
    a.maximum(b).sum().backward();
    expect(a.grad!.toArray()).toEqual([0.5, 0, 1]);
    expect(b.grad!.toArray()).toEqual([0.5, 1, 0]);
  });
  it("pow's exponent gradient is 0 at base 0", () => {
    const a = leaf([0, 2]);
    const b = leaf([2, 3]);
    a.pow(b).sum().backward();
    expect(b.grad!.toArray()).toEqual([0, 8 * Math.log(2)]);
    expect(a.grad!.toArray()).toEqual([0, 12]);
  });
  it('argmax returns the first of tied maxima', () => {
    expect(tensor([1, 5, 5, 2]).argmax().item()).toBe(1);
    expect(
      tensor([
        [1, 5],
        [7, 7],
      ])
        .argmax(1)
        .toArray(),
    ).toEqual([1, 0]);
  });
});
