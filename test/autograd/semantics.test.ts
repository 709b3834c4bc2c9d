// Forward semantics that the elementwise references do not cover, against hand-computed values.
import { describe, expect, it } from 'vitest';
import * as K from '../../src/index.js';
import { arange, cat, nn, optim, stack, tensor, where, zeros } from '../../src/index.js';

const close = (a: unknown, b: unknown, tol = 1e-6) => {
  const fa = [a].flat(Infinity as 1) as number[];
  const fb = [b].flat(Infinity as 1) as number[];
  expect(fa.length).toBe(fb.length);
  fa.forEach((v, i) =>
    expect(Math.abs(v - fb[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(fb[i]!))),
  );
};

describe('reductions', () => {
  const x = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  it('sum and mean over one, several or all dims, with keepdim', () => {
    expect(x.sum().item()).toBe(21);
    expect(x.sum(0).toArray()).toEqual([5, 7, 9]);
    expect(x.sum(1, true).toArray()).toEqual([[6], [15]]);
    expect(x.sum([0, 1]).item()).toBe(21);
    expect(x.sum(-1).toArray()).toEqual([6, 15]);
    expect(x.mean(0).toArray()).toEqual([2.5, 3.5, 4.5]);
    expect(x.mean().item()).toBe(3.5);
  });
  it('max/min along a dim return values and int32 indices', () => {
    const { values, indices } = x.max(1);
    expect(values.toArray()).toEqual([3, 6]);
    expect(indices.dtype).toBe('int32');
    expect(indices.toArray()).toEqual([2, 2]);
    expect(x.min(0, true).values.toArray()).toEqual([[1, 2, 3]]);
    expect(x.amax([0, 1]).item()).toBe(6);
    expect(x.argmin(1).toArray()).toEqual([0, 0]);
  });
  it('var uses Bessel correction by default; correction 0 is the population variance', () => {
    close(x.var(1).toArray(), [1, 1]);
    close(x.var(undefined, { correction: 0 }).item(), 35 / 12);
    close(x.std(0).toArray(), [Math.SQRT1_2 * 3, Math.SQRT1_2 * 3, Math.SQRT1_2 * 3]);
    expect(() => tensor([1]).var()).toThrow(/no degrees of freedom/);
  });
  it('logsumexp equals log(sum(exp)) and stays finite for logits of ±1e4', () => {
    close(x.logsumexp(1).toArray(), [
      Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)),
      Math.log(Math.exp(4) + Math.exp(5) + Math.exp(6)),
    ]);
    const big = tensor([
      [1e4, -1e4, 0],
      [-1e4, -1e4, -1e4],
    ]);
    close(big.logsumexp(1).toArray(), [1e4, -1e4 + Math.log(3)]);
    expect(tensor([-Infinity, -Infinity]).logsumexp(0).item()).toBe(-Infinity);
  });
  it('sum of bools counts (int32)', () => {
    const s = tensor([1, 2, 3]).gt(1).sum();
    expect(s.dtype).toBe('int32');
    expect(s.item()).toBe(2);
  });
});

describe('softmax family is stable', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`no NaN/Inf for logits up to ±1e4 (${dtype})`, () => {
      const z = tensor(
        [
          [1e4, -1e4, 0, 1e4 - 1],
          [-1e4, -1e4, -1e4, -1e4],
        ],
        { dtype, requiresGrad: true },
      );
      const p = z.softmax(1);
      const lp = z.logSoftmax(1);
      lp.mul(p.detach()).sum().backward();
      for (const t of [p, lp, z.grad!])
        expect(Array.from(t.toTypedArray()).every(Number.isFinite)).toBe(true);
      close(p.sum(1).toArray(), [1, 1], 1e-6);
      close(
        p.toArray(),
        [
          [1 / (1 + Math.exp(-1)), 0, 0, Math.exp(-1) / (1 + Math.exp(-1))],
          [0.25, 0.25, 0.25, 0.25],
        ],
        1e-6,
      );
    });
  }
});

describe('matmul', () => {
  it('2-D, 1-D and batched with broadcast batch dims', () => {
    const a = tensor([
      [1, 2],
      [3, 4],
    ]);
    const b = tensor([
      [5, 6],
      [7, 8],
    ]);
    expect(a.matmul(b).toArray()).toEqual([
      [19, 22],
      [43, 50],
    ]);
    expect(tensor([1, 2]).matmul(b).toArray()).toEqual([19, 22]);
    expect(a.matmul(tensor([1, 1])).toArray()).toEqual([3, 7]);
    expect(
      tensor([1, 2])
        .matmul(tensor([3, 4]))
        .toArray(),
    ).toBe(11);
    const batched = K.stack([a, b])
      .unsqueeze(1)
      .matmul(K.stack([b, a, b])); // [2,1,2,2] @ [3,2,2]
    expect(batched.shape).toEqual([2, 3, 2, 2]);
    expect(batched.toArray()).toEqual([
      [a.matmul(b).toArray(), a.matmul(a).toArray(), a.matmul(b).toArray()],
      [b.matmul(b).toArray(), b.matmul(a).toArray(), b.matmul(b).toArray()],
    ]);
  });
  it('names both shapes when they do not fit', () => {
    expect(() => zeros([2, 3]).matmul(zeros([2, 3]))).toThrow(
      /matmul: shapes \[2, 3\] and \[2, 3\] cannot be multiplied/,
    );
    expect(() => zeros([2, 2, 3]).matmul(zeros([3, 3, 1]))).toThrow(/cannot be broadcast/);
  });
});

describe('views share storage; copies only where needed', () => {
  it('reshape/view/transpose/permute/expand/narrow/squeeze/unsqueeze are views', () => {
    const x = arange(24).to('float32').reshape(2, 3, 4);
    const store = x.storage.data;
    for (const v of [
      x.view(6, 4),
      x.transpose(0, 2),
      x.permute(2, 0, 1),
      x.narrow(1, 1, 2),
      x.unsqueeze(0).squeeze(0),
      x.narrow(0, 0, 1).expand(5, 3, 4),
    ]) {
      expect(v.storage.data).toBe(store);
    }
    expect(x.transpose(0, 2).isContiguous()).toBe(false);
    expect(x.transpose(0, 2).contiguous().isContiguous()).toBe(true);
    expect(() => x.transpose(0, 2).view(24)).toThrow(/not contiguous; use reshape/);
    expect(x.transpose(0, 2).reshape(24).toArray()).toEqual(
      x.transpose(0, 2).contiguous().view(-1).toArray(),
    );
  });
  it('narrow, transpose and permute pick the right elements', () => {
    const x = arange(6).reshape(2, 3);
    expect(x.t().toArray()).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    expect(x.narrow(1, 1, 2).toArray()).toEqual([
      [1, 2],
      [4, 5],
    ]);
    expect(x.narrow(1, -1, 1).toArray()).toEqual([[2], [5]]);
    expect(x.flatten().toArray()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(x.unsqueeze(-1).shape).toEqual([2, 3, 1]);
  });
});

describe('cat, stack, indexing, where, pad', () => {
  it('cat and stack', () => {
    expect(
      cat([
        tensor([[1, 2]]),
        tensor([
          [3, 4],
          [5, 6],
        ]),
      ]).toArray(),
    ).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(cat([tensor([[1], [2]]), tensor([[3], [4]])], 1).toArray()).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(stack([tensor([1, 2]), tensor([3, 4])], 1).toArray()).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(() => cat([zeros([2, 2]), zeros([3, 3])])).toThrow(/cat: tensor 1 has shape \[3, 3\]/);
    expect(() => stack([zeros([2]), zeros([3])])).toThrow(/stack: tensor 1 has shape \[3\]/);
  });
  it('indexSelect, gather, scatterAdd, indexAdd as in PyTorch', () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(x.indexSelect(1, [2, 0, 2]).toArray()).toEqual([
      [3, 1, 3],
      [6, 4, 6],
    ]);
    expect(
      x
        .gather(
          1,
          tensor(
            [
              [0, 0],
              [2, 1],
            ],
            { dtype: 'int32' },
          ),
        )
        .toArray(),
    ).toEqual([
      [1, 1],
      [6, 5],
    ]);
    expect(
      zeros([2, 3])
        .scatterAdd(
          1,
          tensor(
            [
              [0, 0],
              [2, 1],
            ],
            { dtype: 'int32' },
          ),
          tensor([
            [1, 2],
            [3, 4],
          ]),
        )
        .toArray(),
    ).toEqual([
      [3, 0, 0],
      [0, 4, 3],
    ]);
    expect(
      zeros([3])
        .indexAdd(0, [0, 0, 2], tensor([1, 2, 3]))
        .toArray(),
    ).toEqual([3, 0, 3]);
    expect(() => x.indexSelect(1, [3])).toThrow(/index 3 .*out of range for a dimension of size 3/);
    expect(() => x.indexSelect(1, [0.5])).toThrow(/integers; position 0 is 0.5/);
  });
  it('where broadcasts condition and branches', () => {
    expect(
      where(
        tensor([true, false]),
        tensor([
          [1, 2],
          [3, 4],
        ]),
        0,
      ).toArray(),
    ).toEqual([
      [1, 0],
      [3, 0],
    ]);
  });
  it('pad uses F.pad ordering (last dim first)', () => {
    expect(
      tensor([[1]])
        .pad([1, 0, 0, 1], 9)
        .toArray(),
    ).toEqual([
      [9, 1],
      [9, 9],
    ]);
  });
});

describe('dtypes: mixed operands are promoted', () => {
  it('float32 with float64 gives float64, and gradients come back in each input dtype', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4], { dtype: 'float64', requiresGrad: true });
    const y = a.mul(b);
    expect(y.dtype).toBe('float64');
    y.sum().backward();
    expect(a.grad!.dtype).toBe('float32');
    expect(b.grad!.dtype).toBe('float64');
    expect(a.grad!.toArray()).toEqual([3, 4]);
  });
  it('int32 arithmetic stays int32, division and exp go to float32, numbers take the tensor dtype', () => {
    const i = tensor([3, 4], { dtype: 'int32' });
    expect(i.add(1).dtype).toBe('int32');
    expect(i.div(2).dtype).toBe('float32');
    expect(i.div(2).toArray()).toEqual([1.5, 2]);
    expect(i.mul(0.5).dtype).toBe('float32');
    expect(i.exp().dtype).toBe('float32');
    expect(tensor([1], { dtype: 'float64' }).add(1).dtype).toBe('float64');
  });
});

describe('what PyTorch enforces', () => {
  it('a parameter updated in place between forward and backward is an error naming it and the op', () => {
    const w = new nn.Parameter(tensor([1, 2, 3]));
    w.withLabel('w');
    const opt = new optim.SGD([w], { lr: 10 });
    const l = w.square().sum();
    w.grad = tensor([1, 1, 1]);
    opt.step();
    expect(() => l.backward()).toThrow(
      /backward: input 0 'w' \[3\] of op 'square' \(SquareBackward\) was modified in place after it was used \(version 1, the graph saw version 0\)/,
    );
    // in the right order the gradient is the one at the weights the forward saw
    const w2 = new nn.Parameter(tensor([1, 2, 3]));
    const opt2 = new optim.SGD([w2], { lr: 10 });
    w2.square().sum().backward();
    expect(w2.grad!.toArray()).toEqual([2, 4, 6]);
    opt2.step();
  });

  it('loadStateDict after a forward counts as an in-place change too', () => {
    const lin = new nn.Linear(2, 1);
    const out = lin.forward(tensor([[1, 2]])).sum();
    lin.loadStateDict(lin.stateDict());
    expect(() => out.backward()).toThrow(/was modified in place after it was used/);
  });

  it('the grad setter takes only a tensor of the same shape and dtype', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    expect(() => {
      x.grad = tensor([1, 2]);
    }).toThrow(
      /grad: a gradient must match its tensor: got float32 \[2\] for a float32 tensor of shape \[3\]/,
    );
    expect(() => {
      x.grad = tensor([1, 2, 3], { dtype: 'float64' });
    }).toThrow(/got float64 \[3\] for a float32 tensor/);
    expect(() => {
      x.grad = [1, 2, 3] as never;
    }).toThrow(/grad: expected a Tensor or null, got object/);
    x.grad = tensor([4, 5, 6]);
    x.grad = null;
    expect(x.grad).toBeNull();
  });

  it('bool arithmetic: + is logical or, - and unary - are refused (as PyTorch)', () => {
    const a = tensor([true, true, false], { dtype: 'bool' });
    const b = tensor([false, true, false], { dtype: 'bool' });
    expect(a.add(a).dtype).toBe('bool');
    expect(Array.from(a.add(b).toTypedArray())).toEqual([1, 1, 0]);
    expect(Array.from(a.mul(b).toTypedArray())).toEqual([0, 1, 0]);
    expect(() => a.sub(b)).toThrow(/sub: subtracting two bool tensors is not supported/);
    expect(() => a.neg()).toThrow(/neg: negating a bool tensor is not supported/);
    expect(a.add(1).toArray()).toEqual([2, 2, 1]);
  });

  it('loadStateDict names values that are not tensors', () => {
    const lin = new nn.Linear(2, 2);
    expect(() =>
      lin.loadStateDict({
        weight: [
          [1, 2],
          [3, 4],
        ],
      } as never),
    ).toThrow(
      /loadStateDict: every value must be a Tensor; 'weight' is an array \(wrap arrays with tensor\(\.\.\.\)\)/,
    );
  });
});
