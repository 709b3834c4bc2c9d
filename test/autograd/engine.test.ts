import { describe, expect, it } from 'vitest';
import {
  customOp,
  noGrad,
  enableGrad,
  ones,
  tensor,
  zeros,
  autograd,
  type Tensor,
  type NestedArray,
} from '../../src/index.js';

const x64 = (v: NestedArray) => tensor(v, { dtype: 'float64', requiresGrad: true });

describe('backward', () => {
  it('accumulates into .grad across calls, as PyTorch does; zeroGrad clears it', () => {
    const x = x64([1, 2, 3]);
    x.mul(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([2, 4, 6]);
    x.mul(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([4, 8, 12]);
    x.zeroGrad();
    expect(x.grad).toBeNull();
    x.mul(3).sum().backward();
    x.zeroGrad({ setToNone: false });
    expect(x.grad!.toArray()).toEqual([0, 0, 0]);
  });

  it('sums the contributions of a tensor used twice (diamond graph)', () => {
    const x = x64(3);
    const y = x.mul(2);
    y.mul(y).add(y).backward(); // d/dx (4x² + 2x) = 8x + 2
    expect(x.grad!.item()).toBe(26);
  });

  it('keeps .grad only on leaves unless retainGrad() is called', () => {
    const x = x64([1, 2]);
    const h = x.exp();
    const k = x.mul(2).retainGrad();
    h.add(k).sum().backward();
    expect(h.grad).toBeNull();
    expect(k.grad!.toArray()).toEqual([1, 1]);
    expect(h.isLeaf).toBe(false);
    expect(x.isLeaf).toBe(true);
  });

  it('frees the graph after backward and says how to keep it', () => {
    const x = x64([1, 2]);
    const y = x.exp().sum();
    y.backward();
    expect(() => y.backward()).toThrow(/second time.*'sum'.*retainGraph: true/s);
    const z = x.exp().sum();
    z.backward({ retainGraph: true });
    z.backward();
    expect(x.grad!.toArray()[0]).toBeCloseTo(3 * Math.E, 12); // once from y, twice from z
  });

  it('rejects backward on a tensor that does not require grad, and on non-scalars without a gradient', () => {
    expect(() => tensor([1, 2]).sum().backward()).toThrow(/does not require grad/);
    const x = x64([1, 2]);
    expect(() => x.mul(2).backward()).toThrow(/one-element output.*\[2\]/);
    x.mul(2).backward(tensor([1, 10], { dtype: 'float64' }));
    expect(x.grad!.toArray()).toEqual([2, 20]);
    expect(() => x.mul(2).backward(tensor([1, 2, 3]))).toThrow(
      /gradient has shape \[3\] but the output has shape \[2\]/,
    );
  });

  it('handles a graph 100,000 nodes deep without overflowing the stack', () => {
    const x = x64(1);
    let y: Tensor = x;
    for (let i = 0; i < 100_000; i++) y = y.add(1e-5);
    y.backward();
    expect(x.grad!.item()).toBe(1);
  });

  it('records nothing under noGrad, and enableGrad re-enables recording inside it', () => {
    const x = x64([1]);
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    const z = noGrad(() => enableGrad(() => x.mul(2)));
    expect(z.gradFn?.op).toBe('mul');
  });

  it('detach() cuts the graph and shares storage', () => {
    const x = x64([1, 2]);
    const d = x.mul(2).detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    const y = x.detach();
    expect(y.storage.data).toBe(x.storage.data);
  });

  it('only float leaves can require grad; non-leaves cannot be switched off', () => {
    expect(() => tensor([1, 2], { dtype: 'int32', requiresGrad: true })).toThrow(
      /only floating tensors.*int32/,
    );
    const y = x64([1]).mul(2);
    expect(() => {
      y.requiresGrad = false;
    }).toThrow(/leaf tensors.*'mul'/);
  });

  it('exposes gradFn with op name and inputs so the graph can be walked', () => {
    const a = x64([1]);
    const b = x64([2]);
    const y = a.mul(b).exp();
    expect(y.gradFn!.op).toBe('exp');
    expect(y.gradFn!.name).toBe('ExpBackward');
    const mul = y.gradFn!.inputs[0]!;
    expect(mul.gradFn!.op).toBe('mul');
    expect(mul.gradFn!.inputs).toEqual([a, b]);
  });
});

describe('hooks', () => {
  it('a hook reads the gradient, may replace it, and can be removed', () => {
    const x = x64([1, 2]);
    const seen: number[][] = [];
    const h1 = x.registerHook((g) => {
      seen.push(g.toArray<number[]>());
    });
    const h2 = x.registerHook((g) => g.mul(10));
    x.mul(3).sum().backward();
    expect(seen).toEqual([[3, 3]]);
    expect(x.grad!.toArray()).toEqual([30, 30]);
    h1.remove();
    h2.remove();
    x.zeroGrad();
    x.mul(3).sum().backward();
    expect(x.grad!.toArray()).toEqual([3, 3]);
    expect(seen.length).toBe(1);
  });

  it('a hook on an intermediate tensor changes what flows upstream', () => {
    const x = x64([1, 2]);
    const h = x.mul(2);
    h.registerHook((g) => g.mul(0));
    h.add(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([1, 1]);
  });

  it('a hook returning the wrong shape is an error', () => {
    const x = x64([1, 2]);
    x.registerHook(() => zeros([3], { dtype: 'float64' }));
    expect(() => x.sum().backward()).toThrow(/hook must return.*\[2\]/);
  });
});

describe('gradient checks in the engine', () => {
  it('sums a broadcast gradient back to the input shape in one place', () => {
    const a = x64([[1], [2]]); // [2, 1]
    const b = x64([10, 20, 30]); // [3]
    a.add(b).sum().backward();
    expect(a.grad!.shape).toEqual([2, 1]);
    expect(a.grad!.toArray()).toEqual([[3], [3]]);
    expect(b.grad!.toArray()).toEqual([2, 2, 2]);
  });

  it('names the op when a backward returns a gradient of the wrong shape or dtype', () => {
    const x = x64([1, 2, 3]);
    const bad = customOp(
      'badShape',
      [x],
      (v) => v.mul(2),
      () => [ones([2], { dtype: 'float64' })],
    );
    expect(() => bad.sum().backward()).toThrow(
      /backward of 'badShape': gradient for input 0 has shape \[2\], but the input has shape \[3\]/,
    );
    const y = x64([1, 2, 3]);
    const bad2 = customOp(
      'badDtype',
      [y],
      (v) => v.mul(2),
      (g) => [g.to('float32')],
    );
    expect(() => bad2.sum().backward()).toThrow(/backward of 'badDtype'.*dtype float32.*float64/);
  });
});

describe('autograd.grad', () => {
  it('returns gradients without touching .grad, and supports createGraph', () => {
    const x = x64([1, 2]);
    const y = x.pow(3).sum();
    const [g] = autograd.grad(y, [x], { createGraph: true });
    expect(g!.toArray()).toEqual([3, 12]);
    expect(x.grad).toBeNull();
    g!.sum().backward(); // d/dx Σ 3x² = 6x
    expect(x.grad!.toArray()).toEqual([6, 12]);
  });

  it('reports unused inputs unless allowUnused', () => {
    const x = x64([1]);
    const u = x64([1]);
    expect(() => autograd.grad(x.mul(2).sum(), [u])).toThrow(/input 0.*not used/);
    expect(autograd.grad(x.mul(2).sum(), [u], { allowUnused: true })).toEqual([null]);
  });
});
