// tidy()/keep() and the buffer pool: what survives a scope, what is released, and that a warm
// training step inside tidy makes no new arrays yet computes exactly what it computes without.
import { afterEach, describe, expect, it } from 'vitest';
import {
  DistillationLoss,
  F,
  Generator,
  keep,
  memoryStats,
  nn,
  optim,
  randn,
  resetMemoryStats,
  setPoolLimit,
  tensor,
  tidy,
  zeros,
} from '../../src/index.js';

afterEach(() => setPoolLimit(512 * 2 ** 20));

describe('tidy', () => {
  it('returns its result intact and releases what it dropped', () => {
    let inner: ReturnType<typeof tensor> | null = null;
    const out = tidy(() => {
      const a = tensor([1, 2, 3]);
      inner = a.mul(2);
      return inner.add(1);
    });
    expect(out.toArray()).toEqual([3, 5, 7]);
    expect(() => inner!.toArray()).toThrow(
      /shape \[3\] was released when its tidy\(\) scope ended; return it from the scope or keep\(\) it/,
    );
  });

  it('keeps tensors inside arrays, maps and plain objects of the result', () => {
    const r = tidy(() => {
      const a = tensor([1, 2]);
      return { list: [a.mul(3)], map: new Map([['m', a.add(1)]]), nested: { b: a.neg() } };
    });
    expect(r.list[0]!.toArray()).toEqual([3, 6]);
    expect(r.map.get('m')!.toArray()).toEqual([2, 3]);
    expect(r.nested.b.toArray()).toEqual([-1, -2]);
  });

  it('keep() makes a tensor outlive the scope, and views of a survivor survive', () => {
    let kept: ReturnType<typeof tensor> | null = null;
    const view = tidy(() => {
      const base = tensor([
        [1, 2],
        [3, 4],
      ]).mul(1);
      kept = keep(base.add(10));
      return base.reshape(4);
    });
    expect(kept!.toArray()).toEqual([
      [11, 12],
      [13, 14],
    ]);
    expect(view.toArray()).toEqual([1, 2, 3, 4]);
  });

  it('nested scopes hand results outwards; the outer scope may then release them', () => {
    let fromInner: ReturnType<typeof tensor> | null = null;
    const outer = tidy(() => {
      fromInner = tidy(() => tensor([1, 2]).mul(5));
      expect(fromInner.toArray()).toEqual([5, 10]);
      return fromInner.sum();
    });
    expect(outer.item()).toBe(15);
    expect(() => fromInner!.toArray()).toThrow(/released/);
  });

  it('gradients of leaves survive the scope', () => {
    const w = tensor([1, 2, 3], { requiresGrad: true });
    tidy(() => {
      w.mul(w).sum().backward();
    });
    expect(w.grad!.toArray()).toEqual([2, 4, 6]);
  });

  it('a gradient lives as long as its tensor, across nested scopes', () => {
    const total = tidy(() => {
      const w = tensor([1, 2, 3], { requiresGrad: true });
      const h = w.mul(2);
      h.retainGrad();
      tidy(() => {
        h.square().sum().backward();
      });
      // w and h were made in the outer scope: their gradients outlive the inner one
      expect(w.grad!.toArray()).toEqual([8, 16, 24]);
      expect(h.grad!.toArray()).toEqual([4, 8, 12]);
      return w.grad!.sum();
    });
    expect(total.item()).toBe(48);
  });

  it('parameters keep their gradients even when the model was built in the same scope', () => {
    let lin: nn.Linear | null = null;
    tidy(() => {
      lin = new nn.Linear(2, 1, { generator: new Generator(4) });
      lin
        .forward(tensor([[1, 2]]))
        .sum()
        .backward();
    });
    expect(lin!.weight.grad!.toArray()).toEqual([[1, 2]]);
  });

  it('a model built inside tidy keeps its parameters and buffers', () => {
    const model = tidy(
      () =>
        new nn.Sequential(
          new nn.Linear(3, 2, { generator: new Generator(1) }),
          new nn.BatchNorm1d(2),
        ),
    );
    const out = tidy(() =>
      model
        .forward(
          tensor([
            [1, 2, 3],
            [4, 5, 6],
          ]),
        )
        .sum(),
    );
    expect(Number.isFinite(out.item())).toBe(true);
    expect(model.parameters().every((p) => !p.storage.released)).toBe(true);
  });

  it('releases nothing when fn throws, so a failed step loses nothing', () => {
    let made: ReturnType<typeof tensor> | null = null;
    expect(() =>
      tidy(() => {
        made = tensor([4, 5]).mul(2);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(made!.toArray()).toEqual([8, 10]);
  });

  it('rejects async functions and non-functions with a clear error', () => {
    // eslint-disable-next-line @typescript-eslint/require-await -- an async function is the input under test
    expect(() => tidy(async () => tensor([1]))).toThrow(/must be synchronous/);
    expect(() => tidy(42 as never)).toThrow(/expected a function, got number/);
    expect(() => keep({} as never)).toThrow(/keep: expected a Tensor/);
  });

  it('reused arrays come back zeroed where zeros are asked for', () => {
    tidy(() => {
      tensor(new Float32Array(64).fill(7)).mul(1);
    });
    const z = tidy(() => zeros([64]));
    expect(z.toArray()).toEqual(new Array(64).fill(0));
  });

  it('arrays from toTypedArray belong to the caller, not the pool', () => {
    const arr = tidy(() => tensor([1, 2, 3]).mul(2).toTypedArray());
    tidy(() => {
      for (let i = 0; i < 5; i++) tensor([9, 9, 9]).mul(3);
    });
    expect(Array.from(arr)).toEqual([2, 4, 6]);
  });

  it('setPoolLimit(0) turns reuse off; bad limits are rejected', () => {
    setPoolLimit(0);
    resetMemoryStats();
    for (let i = 0; i < 3; i++)
      tidy(() => {
        tensor([1, 2]).mul(2);
      });
    expect(memoryStats().reusedArrays).toBe(0);
    expect(memoryStats().pooledBytes).toBe(0);
    expect(() => setPoolLimit(-1)).toThrow(/setPoolLimit: expected a byte count >= 0, got -1/);
  });
});

describe('a training step inside tidy', () => {
  function setup() {
    const g = new Generator(3);
    const model = new nn.Sequential(
      new nn.Conv2d(2, 4, 3, { padding: 1, generator: g }),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Flatten(),
      new nn.Linear(4 * 4 * 4, 3, { generator: g }),
    );
    const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const x = randn([5, 2, 8, 8], { generator: g });
    const y = [0, 1, 2, 1, 0];
    const step = () => {
      opt.zeroGrad({ setToNone: false });
      const loss = F.crossEntropy(model.forward(x), y);
      loss.backward();
      opt.step();
      return loss.item();
    };
    return { model, step };
  }

  it('makes no new arrays once warm', () => {
    const { step } = setup();
    for (let i = 0; i < 2; i++) tidy(step);
    resetMemoryStats();
    for (let i = 0; i < 3; i++) tidy(step);
    const s = memoryStats();
    expect(s.freshArrays).toBe(0);
    expect(s.reusedArrays).toBeGreaterThan(30);
  });

  it('gives bit-identical weights to the same steps without tidy', () => {
    const a = setup();
    const b = setup();
    const lossesA = [0, 1, 2, 3].map(() => tidy(a.step));
    const lossesB = [0, 1, 2, 3].map(() => b.step());
    expect(lossesA).toEqual(lossesB);
    const pa = a.model.parameters().map((p) => Array.from(p.toTypedArray()));
    const pb = b.model.parameters().map((p) => Array.from(p.toTypedArray()));
    expect(pa).toEqual(pb);
  });
});

describe('a KD step inside tidy', () => {
  it('recycles the retained gradients of the loss parts: no new arrays once warm', () => {
    const g = new Generator(2);
    const s = randn([8, 5], { generator: g }).requiresGrad_();
    const t = randn([8, 5], { generator: g });
    const kd = new DistillationLoss({ temperature: 3, alpha: 0.7 });
    const step = () =>
      tidy(() => {
        s.zeroGrad({ setToNone: false });
        kd.forward(s, t, [0, 1, 2, 3, 4, 0, 1, 2]).backward();
      });
    for (let i = 0; i < 3; i++) step();
    resetMemoryStats();
    for (let i = 0; i < 3; i++) step();
    expect(memoryStats().freshArrays).toBe(0);
    expect(s.grad!.storage.released).toBe(false);
  });
});

describe('gradient accumulation in place', () => {
  it('a second backward adds into the same .grad buffer', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    w.mul(3).sum().backward();
    const first = w.grad!;
    w.mul(w).sum().backward();
    expect(w.grad).toBe(first);
    expect(first.toArray()).toEqual([5, 7]);
  });

  it('a .grad set by the user is never written in place', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    const mine = tensor([10, 10]);
    w.grad = mine;
    w.mul(3).sum().backward();
    expect(mine.toArray()).toEqual([10, 10]);
    expect(w.grad.toArray()).toEqual([13, 13]);
  });

  it("zeroGrad({ setToNone: false }) zeroes only the gradient's own elements of a shared array", () => {
    const w = tensor([1, 2], { requiresGrad: true });
    const big = tensor([5, 6, 7, 8]);
    w.grad = big.narrow(0, 0, 2);
    w.zeroGrad({ setToNone: false });
    expect(w.grad.toArray()).toEqual([0, 0]);
    expect(big.toArray()).toEqual([0, 0, 7, 8]);
  });

  it('zeroGrad({ setToNone: false }) zeroes the same buffer', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    w.sum().backward();
    const g = w.grad!;
    w.zeroGrad({ setToNone: false });
    expect(w.grad).toBe(g);
    expect(g.toArray()).toEqual([0, 0]);
  });
});
