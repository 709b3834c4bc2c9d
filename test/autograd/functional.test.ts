import { describe, expect, it } from 'vitest';
import { grad, tensor, valueAndGrad } from '../../src/index.js';

describe('grad and valueAndGrad', () => {
  it('returns one gradient per argument and leaves inputs untouched', () => {
    const a = tensor([1, 2], { dtype: 'float64' });
    const b = tensor([3, 4], { dtype: 'float64' });
    const [ga, gb] = grad((x, y) => x.mul(y).sum())(a, b);
    expect(ga!.toArray()).toEqual([3, 4]);
    expect(gb!.toArray()).toEqual([1, 2]);
    expect(a.grad).toBeNull();
    expect(a.requiresGrad).toBe(false);
  });

  it('uses ones as the upstream gradient for a non-scalar output (as tf.grad)', () => {
    const { value, grads } = valueAndGrad((x) => x.square())(
      tensor([1, 2, 3], { dtype: 'float64' }),
    );
    expect(value.toArray()).toEqual([1, 4, 9]);
    expect(grads[0]!.toArray()).toEqual([2, 4, 6]);
  });

  it('composes for higher orders: d³/dx³ sin = -cos', () => {
    const d1 = grad((x) => x.sin());
    const d2 = grad((x) => d1(x)[0]!);
    const d3 = grad((x) => d2(x)[0]!);
    const x = tensor([0.3, 1.2], { dtype: 'float64' });
    expect(d2(x)[0]!.toArray()).toEqual([-Math.sin(0.3), -Math.sin(1.2)]);
    const third = d3(x)[0]!.toArray<number[]>();
    expect(third[0]).toBeCloseTo(-Math.cos(0.3), 14);
    expect(third[1]).toBeCloseTo(-Math.cos(1.2), 14);
  });

  it('gives zeros for an argument the function ignores', () => {
    const [, gb] = grad((x) => x.sum())(tensor([1]), tensor([5, 6]));
    expect(gb!.toArray()).toEqual([0, 0]);
  });
});
