import { describe, expect, it } from 'vitest';
import { F, Generator, gradcheck, optim, randn, tensor, zeros } from '../../src/index.js';
import { BasicBlock, ResNet, buildModel, forwardMacs } from '../../src/index.js';

describe('BasicBlock', () => {
  it('identity shortcut when the shape is kept, a 1×1 conv-BN downsample when it changes', () => {
    const same = new BasicBlock(8, 8, { generator: new Generator(0) });
    expect(same.downsample).toBeNull();
    expect(Object.keys(same.stateDict())).toEqual(
      expect.arrayContaining(['conv1.weight', 'bn1.running_mean', 'conv2.weight', 'bn2.bias']),
    );
    expect(same.conv1.bias).toBeNull();
    const down = new BasicBlock(8, 16, { stride: 2, generator: new Generator(0) });
    expect(Object.keys(down.stateDict())).toEqual(
      expect.arrayContaining(['downsample.0.weight', 'downsample.1.running_var']),
    );
    expect(down.forward(randn([2, 8, 8, 8], { generator: new Generator(1) })).shape).toEqual([
      2, 16, 4, 4,
    ]);
  });

  it('computes relu(bn2(conv2(relu(bn1(conv1 x)))) + x) — checked against the same wiring by hand', () => {
    const g = new Generator(3);
    const b = new BasicBlock(4, 4, { generator: g });
    b.eval();
    const x = randn([2, 4, 5, 5], { generator: g });
    const h = b.bn1.forward(b.conv1.forward(x)).relu();
    const want = b.bn2.forward(b.conv2.forward(h)).add(x).relu();
    expect(Array.from(b.forward(x).toTypedArray())).toEqual(Array.from(want.toTypedArray()));
    // a block that forgot the shortcut would differ
    expect(Array.from(b.bn2.forward(b.conv2.forward(h)).relu().toTypedArray())).not.toEqual(
      Array.from(want.toTypedArray()),
    );
  });

  it('gradients through both paths match finite differences (float64); every parameter gets one', () => {
    const g = new Generator(5);
    const b = new BasicBlock(2, 3, { stride: 2, generator: g, dtype: 'float64' });
    const x = randn([2, 2, 4, 4], { dtype: 'float64', generator: g, requiresGrad: true });
    // w.r.t. the input: through the conv path and the 1×1 downsample path at once
    expect(gradcheck((xi) => b.forward(xi).square().sum(), [x]).ok).toBe(true);
    b.forward(x).square().sum().backward();
    for (const [name, p] of b.namedParameters()) expect(p.grad, name).not.toBeNull();
  });
});

describe('ResNet zoo', () => {
  it("parameter counts of RepDistiller's CIFAR ResNets (10 classes) and the article's ResNet-18", () => {
    const count = (n: string) => buildModel(n).numParameters();
    expect(count('resnet8')).toBe(78_042);
    expect(count('resnet20')).toBe(272_474);
    expect(count('resnet32x4')).toBe(7_410_730);
    expect(count('resnet18')).toBe(11_173_962);
    expect(count('resnet18-w16')).toBe(701_466);
  });

  it("state-dict names are torchvision's", () => {
    const keys = Object.keys(buildModel('resnet18-w8').stateDict());
    for (const k of [
      'conv1.weight',
      'bn1.weight',
      'layer1.0.conv1.weight',
      'layer1.1.bn2.running_var',
      'layer2.0.downsample.0.weight',
      'layer2.0.downsample.1.num_batches_tracked',
      'layer4.1.conv2.weight',
      'fc.weight',
      'fc.bias',
    ])
      expect(keys).toContain(k);
    expect(keys.some((k) => k.startsWith('stages'))).toBe(false);
    expect(keys.filter((k) => k.includes('downsample.0'))).toEqual([
      'layer2.0.downsample.0.weight',
      'layer3.0.downsample.0.weight',
      'layer4.0.downsample.0.weight',
    ]);
  });

  it('maps [B, 3, 32, 32] to [B, 10]; MACs counted by running the net', () => {
    const m = buildModel('resnet8', { generator: new Generator(0) });
    expect(m.forward(zeros([2, 3, 32, 32])).shape).toEqual([2, 10]);
    // stem 3→16 at 32², block 16→16 (2 convs) at 32², 16→32 at 16², 32→64 at 8², downsamples, fc
    const conv = (cin: number, cout: number, hw: number, k = 3) => cin * cout * k * k * hw * hw;
    const want =
      conv(3, 16, 32) +
      2 * conv(16, 16, 32) +
      conv(16, 32, 16) +
      conv(32, 32, 16) +
      conv(16, 32, 16, 1) +
      conv(32, 64, 8) +
      conv(64, 64, 8) +
      conv(32, 64, 8, 1) +
      64 * 10;
    expect(forwardMacs(m)).toBe(want);
  });

  it('is a ResNet with stages of BasicBlocks; bad shapes and depths are named', () => {
    const m = buildModel('resnet14') as ResNet;
    expect(m).toBeInstanceOf(ResNet);
    expect(m.stages.map((s) => s.length)).toEqual([2, 2, 2]);
    expect(() => new ResNet({ filters: [16, 16], blocks: [1, 1] })).toThrow(
      /one width for the stem and one per stage \(3\), got 2/,
    );
    expect(() => buildModel('resnet18-w0')).toThrow(/unknown model "resnet18-w0"/);
    expect(() => new BasicBlock(4, 4, { stride: 0 })).toThrow(
      /stride must be a positive integer, got 0/,
    );
  });

  // 16×16 images keep the TypeScript-kernel run of this test well inside its time limit
  it('learns: a resnet8 fits 16 random 16×16 images in 30 steps', () => {
    const g = new Generator(2);
    const m = buildModel('resnet8', { generator: g });
    const x = randn([16, 3, 16, 16], { generator: g });
    const y = tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5], { dtype: 'int32' });
    const opt = new optim.SGD(m.parameters(), { lr: 0.05, momentum: 0.9 });
    let first = 0;
    let last = 0;
    for (let i = 0; i < 30; i++) {
      opt.zeroGrad();
      const loss = F.crossEntropy(m.forward(x), y);
      if (i === 0) first = loss.item();
      last = loss.item();
      loss.backward();
      opt.step();
    }
    expect(last).toBeLessThan(first / 4);
  });
});
