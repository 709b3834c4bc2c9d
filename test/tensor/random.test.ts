import { describe, expect, it } from 'vitest';
import { Generator, manualSeed, rand, randint, randn, randperm } from '../../src/index.js';

describe('seeded random numbers', () => {
  it('manualSeed makes the global stream reproducible', () => {
    manualSeed(42);
    const a = randn([5]).toArray();
    manualSeed(42);
    expect(randn([5]).toArray()).toEqual(a);
    manualSeed(43);
    expect(randn([5]).toArray()).not.toEqual(a);
  });

  it('an explicit generator is independent of the global one, and its state can be saved and restored', () => {
    const g = new Generator(7);
    rand([3], { generator: g });
    const state = g.getState();
    const next = rand([4], { generator: g, dtype: 'float64' }).toArray();
    manualSeed(1);
    g.setState(state);
    expect(rand([4], { generator: g, dtype: 'float64' }).toArray()).toEqual(next);
    expect(() => g.setState({} as never)).toThrow(/expected a state from getState/);
  });

  it('distributions have the right moments and ranges', () => {
    const g = new Generator(3);
    const n = 20000;
    const u = rand([n], { generator: g, dtype: 'float64' });
    expect(u.mean().item()).toBeCloseTo(0.5, 1);
    expect(u.amin().item()).toBeGreaterThanOrEqual(0);
    expect(u.amax().item()).toBeLessThan(1);
    const z = randn([n], { generator: g, dtype: 'float64' });
    expect(Math.abs(z.mean().item())).toBeLessThan(0.03);
    expect(Math.abs(z.std().item() - 1)).toBeLessThan(0.03);
    const k = randint(2, 5, [n], { generator: g });
    expect(k.dtype).toBe('int32');
    expect(k.amin().item()).toBe(2);
    expect(k.amax().item()).toBe(4);
    expect([...randperm(10, { generator: g }).toTypedArray()].sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
  });
});
