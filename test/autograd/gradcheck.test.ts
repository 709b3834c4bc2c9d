import { describe, expect, it } from 'vitest';
import { customOp, gradcheck, gradgradcheck, randn, tensor, Generator } from '../../src/index.js';

const g = new Generator(5);
const x = () => randn([3, 4], { dtype: 'float64', generator: g });

describe('gradcheck', () => {
  it('passes a correct gradient and reports its errors', () => {
    const r = gradcheck((a) => a.tanh().mul(a).sum(1), [x()]);
    expect(r.ok).toBe(true);
    expect(r.failures).toEqual([]);
    expect(r.maxAbsError).toBeLessThan(1e-8);
  });

  it('finds a wrong gradient and names the input and element', () => {
    // d(x³)/dx written as 3x (wrong): the report names where it is worst.
    const cube = (a: ReturnType<typeof x>) =>
      customOp(
        'badCube',
        [a],
        (v) => v.pow(3),
        (gr, v) => [gr.mul(v).mul(3)],
      );
    const r = gradcheck(cube, [x()]);
    expect(r.ok).toBe(false);
    expect(r.worst).not.toBeNull();
    expect(r.failures.join()).toMatch(
      /input 0, element \d+, output \d+: analytical .* vs numerical/,
    );
    expect(() => gradcheck(cube, [x()], { raise: true })).toThrow(/gradcheck failed/);
  });

  it('detects a backward that gives a non-zero gradient for a zero upstream gradient', () => {
    const leaky = (a: ReturnType<typeof x>) =>
      customOp(
        'leaky',
        [a],
        (v) => v.mul(2),
        (gr) => [gr.mul(2).add(1e-3)],
      );
    const r = gradcheck(leaky, [x()], { atol: 1e-2 });
    expect(r.failures.some((f) => /zero upstream gradient/.test(f))).toBe(true);
  });

  it('detects a non-deterministic backward', () => {
    let calls = 0;
    const flaky = (a: ReturnType<typeof x>) =>
      customOp(
        'flaky',
        [a],
        (v) => v.mul(2),
        (gr) => [gr.mul(2 + 1e-9 * calls++)],
      );
    const r = gradcheck(flaky, [x()]);
    expect(r.failures.some((f) => /backward run twice/.test(f))).toBe(true);
  });

  it('differentiates only inputs marked requiresGrad when some are marked', () => {
    const a = x().requiresGrad_();
    const b = x();
    expect(gradcheck((p, q) => p.mul(q), [a, b]).ok).toBe(true);
  });

  it('checks float32 inputs in float64 copies', () => {
    expect(gradcheck((a) => a.exp(), [tensor([0.5, -1])]).ok).toBe(true);
  });
});

describe('gradgradcheck', () => {
  it('checks second derivatives through createGraph', () => {
    expect(gradgradcheck((a) => a.sigmoid().mul(a.sin()), [x()]).ok).toBe(true);
    expect(
      gradgradcheck(
        (a, b) => a.matmul(b).logSoftmax(1),
        [x(), randn([4, 2], { dtype: 'float64', generator: g })],
      ).ok,
    ).toBe(true);
  });

  it('finds a first-order gradient whose own derivative is wrong', () => {
    // backward of x² written as 2g·stopgrad(x): correct values, wrong second derivative.
    const sq = (a: ReturnType<typeof x>) =>
      customOp(
        'sq',
        [a],
        (v) => v.square(),
        (gr, v) => [gr.mul(v.detach()).mul(2)],
      );
    expect(gradcheck(sq, [x()]).ok).toBe(true);
    expect(gradgradcheck(sq, [x()]).ok).toBe(false);
  });
});
