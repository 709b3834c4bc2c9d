import { describe, expect, it } from 'vitest';
import { Generator, nn, tensor, zeros, type Tensor } from '../../src/index.js';

class Net extends nn.Module {
  features = new nn.Sequential(
    new nn.Conv2d(3, 4, 3, { padding: 1 }),
    new nn.BatchNorm2d(4),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
  );
  head = new nn.Linear(4 * 2 * 2, 10);
  forward(x: Tensor): Tensor {
    return this.head.forward(this.features.forward(x).flatten(1));
  }
}

describe('Module', () => {
  it('names parameters and buffers as PyTorch does', () => {
    const net = new Net();
    expect(net.namedParameters().map(([n]) => n)).toEqual([
      'features.0.weight',
      'features.0.bias',
      'features.1.weight',
      'features.1.bias',
      'head.weight',
      'head.bias',
    ]);
    expect(Object.keys(net.stateDict())).toEqual([
      'features.0.weight',
      'features.0.bias',
      'features.1.weight',
      'features.1.bias',
      'head.weight',
      'head.bias',
      'features.1.running_mean',
      'features.1.running_var',
      'features.1.num_batches_tracked',
    ]);
    expect(net.numParameters()).toBe(4 * 3 * 9 + 4 + 4 + 4 + 16 * 10 + 10);
  });

  it('prints the architecture', () => {
    expect(new Net().toString()).toBe(
      [
        'Net(',
        '  (features): Sequential(',
        '    (0): Conv2d(3, 4, kernelSize=[3,3], stride=[1,1], padding=[1,1], bias=true)',
        '    (1): BatchNorm2d(4, eps=0.00001, momentum=0.1, affine=true, trackRunningStats=true)',
        '    (2): ReLU()',
        '    (3): MaxPool2d(kernelSize=2, stride=2, padding=0)',
        '  )',
        '  (head): Linear(inFeatures=16, outFeatures=10, bias=true)',
        ')',
      ].join('\n'),
    );
  });

  it('train()/eval() reach every submodule; BatchNorm switches statistics, Dropout turns off', () => {
    const net = new Net();
    net.eval();
    expect(net.modules().every((m) => !m.training)).toBe(true);
    net.train();
    const x = tensor(
      new Float32Array(2 * 3 * 4 * 4).map((_, i) => Math.sin(i)),
      { shape: [2, 3, 4, 4] },
    );
    net.forward(x);
    const bn = net.features.at(1) as nn.BatchNorm2d;
    expect(bn.numBatchesTracked!.item()).toBe(1);
    expect(bn.runningMean!.toArray()).not.toEqual([0, 0, 0, 0]);
    const before = bn.runningMean!.toArray();
    net.eval();
    const a = net.forward(x).toArray();
    expect(net.forward(x).toArray()).toEqual(a);
    expect(bn.runningMean!.toArray()).toEqual(before);
    const d = new nn.Dropout(0.5);
    d.eval();
    expect(d.forward(x)).toBe(x);
  });

  it('loadStateDict copies values; strict mode lists missing, unexpected and mis-shaped keys', () => {
    const a = new Net();
    const b = new Net();
    b.loadStateDict(a.stateDict());
    const x = tensor(
      new Float32Array(3 * 4 * 4).map((_, i) => Math.cos(i)),
      { shape: [1, 3, 4, 4] },
    );
    a.eval();
    b.eval();
    expect(b.forward(x).toArray()).toEqual(a.forward(x).toArray());
    const sd = { ...a.stateDict() };
    delete sd['head.bias'];
    sd['extra.weight'] = zeros([1]);
    sd['head.weight'] = zeros([3, 3]);
    let msg = '';
    try {
      b.loadStateDict(sd);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/missing keys: head.bias/);
    expect(msg).toMatch(/unexpected keys: extra.weight/);
    expect(msg).toMatch(/head.weight: checkpoint \[3, 3\] vs model \[10, 16\]/);
    const partial = { ...a.stateDict() };
    delete partial['head.bias'];
    expect(b.loadStateDict(partial, { strict: false })).toEqual({
      missingKeys: ['head.bias'],
      unexpectedKeys: [],
    });
  });

  it('zeroGrad clears every parameter gradient', () => {
    const net = new nn.MLP([4, 3, 2]);
    net
      .forward(tensor([[1, 2, 3, 4]]))
      .sum()
      .backward();
    expect(net.parameters().every((p) => p.grad !== null)).toBe(true);
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
  });

  it('MLP = Flatten, Linear, ReLU, ..., Linear', () => {
    const m = new nn.MLP([3072, 256, 10]);
    expect(m.namedParameters().map(([n]) => n)).toEqual([
      '1.weight',
      '1.bias',
      '3.weight',
      '3.bias',
    ]);
    expect(m.numParameters()).toBe(3072 * 256 + 256 + 256 * 10 + 10);
    expect(m.forward(zeros([2, 3, 32, 32])).shape).toEqual([2, 10]);
  });
});

describe('initialisation', () => {
  it("Linear and Conv2d use PyTorch's Kaiming-uniform default: U(±1/sqrt(fan_in))", () => {
    const l = new nn.Linear(50, 40, { generator: new Generator(1) });
    const bound = 1 / Math.sqrt(50);
    const w = Array.from(l.weight.toTypedArray());
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.95 * bound);
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    const variance = w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length;
    expect(variance).toBeCloseTo(bound ** 2 / 3, 3);
    const c = new nn.Conv2d(3, 8, 3, { generator: new Generator(1) });
    expect(Math.max(...Array.from(c.weight.toTypedArray(), Math.abs))).toBeLessThanOrEqual(
      1 / Math.sqrt(27),
    );
  });
  it('xavierUniform_ draws U(±gain·sqrt(6/(fan_in + fan_out))); zeros_ and ones_ fill; views are refused', () => {
    const w = zeros([60, 40]);
    nn.init.xavierUniform_(w, 2, new Generator(4));
    const bound = 2 * Math.sqrt(6 / 100);
    const v = Array.from(w.toTypedArray());
    expect(Math.max(...v.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...v.map(Math.abs))).toBeGreaterThan(0.95 * bound);
    const variance = v.reduce((a, b) => a + b * b, 0) / v.length;
    expect(Math.abs(variance / (bound ** 2 / 3) - 1)).toBeLessThan(0.05);
    expect(Array.from(nn.init.zeros_(w).toTypedArray()).every((x) => x === 0)).toBe(true);
    expect(Array.from(nn.init.ones_(w).toTypedArray()).every((x) => x === 1)).toBe(true);
    // a view would have filled its whole base array
    expect(() => nn.init.zeros_(w.narrow(0, 10, 5))).toThrow(
      /init\.zeros_: expects a whole contiguous tensor, not a view into another/,
    );
    expect(() => nn.init.uniform_(w.t(), 0, 1)).toThrow(
      /init\.uniform_: expects a whole contiguous tensor/,
    );
  });
  it('the same generator seed gives the same model', () => {
    const a = new nn.MLP([8, 4, 2], { generator: new Generator(3) });
    const b = new nn.MLP([8, 4, 2], { generator: new Generator(3) });
    expect(a.parameters().map((p) => p.toArray())).toEqual(b.parameters().map((p) => p.toArray()));
  });
  it('rejects invalid layer sizes', () => {
    expect(() => new nn.Linear(0, 3)).toThrow(
      /Linear: inFeatures must be a positive integer, got 0/,
    );
    expect(() => new nn.Conv2d(3, 2.5, 3)).toThrow(
      /Conv2d: outChannels must be a positive integer, got 2.5/,
    );
    expect(() => new nn.BatchNorm2d(4).forward(zeros([2, 3, 2, 2]))).toThrow(
      /BatchNorm2d: expected 4 channels in dim 1, got shape \[2, 3, 2, 2\]/,
    );
  });
});
