import { describe, expect, it } from 'vitest';
import { Generator, nn, zeros } from '../../src/index.js';
import { MLP } from '../../src/nn/layers/mlp.js';
import { buildModel, forwardMacs, layerMacs, ZOO } from '../../src/models/zoo.js';

describe('model zoo', () => {
  it("parameter counts: the teacher has the recipe's 82,778; the students are smaller in compute", () => {
    const small = ['vgg-teacher', 'cnn-student', 'mlp-student'];
    const counts = Object.fromEntries(small.map((k) => [k, buildModel(k).numParameters()]));
    expect(counts).toEqual({
      'vgg-teacher': 82_778,
      'cnn-student': 11_274,
      'mlp-student': 789_258,
    });
    const macs = Object.fromEntries(small.map((k) => [k, forwardMacs(buildModel(k))]));
    expect(macs['cnn-student']!).toBeLessThan(macs['vgg-teacher']! / 5);
    expect(macs['mlp-student']!).toBe(3072 * 256 + 256 * 10);
  });
  it('layerMacs counts each conv and linear layer per image, in forward order, for any input shape', () => {
    const vgg = buildModel('vgg-teacher');
    const conv = (cin: number, cout: number, side: number) => cin * 9 * cout * side * side;
    expect(layerMacs(vgg)).toEqual([
      conv(3, 16, 32),
      conv(16, 16, 32),
      conv(16, 32, 16),
      conv(32, 32, 16),
      conv(32, 64, 8),
      conv(64, 64, 8),
      1024 * 10,
    ]);
    expect(forwardMacs(vgg)).toBe(layerMacs(vgg).reduce((a, b) => a + b));
    expect(layerMacs(new MLP([3072, 256, 128, 10]), [1, 3072])).toEqual([
      3072 * 256,
      256 * 128,
      128 * 10,
    ]);
  });
  it('layerMacs counts a Conv2d followed by a ReLU (fused by Sequential), leaves no hook', () => {
    const net = new nn.Sequential(
      new nn.Conv2d(3, 16, 5, { padding: 2 }),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Conv2d(16, 20, 5, { padding: 2 }),
      new nn.ReLU(),
      new nn.Flatten(),
      new nn.Linear(20 * 16 * 16, 10),
    );
    expect(layerMacs(net)).toEqual([16 * 75 * 1024, 20 * 400 * 256, 5120 * 10]);
    expect(net.modules().filter((m) => Object.hasOwn(m, 'forward'))).toEqual([]);
  });
  it('every model maps [B, 3, 32, 32] to [B, 10]; names follow nn.Sequential numbering', () => {
    for (const k of Object.keys(ZOO).filter((n) => !/resnet(18|34|32x4)$/.test(n)))
      expect(
        buildModel(k, { generator: new Generator(1) }).forward(zeros([2, 3, 32, 32])).shape,
      ).toEqual([2, 10]);
    expect(Object.keys(buildModel('vgg-teacher').stateDict()).slice(0, 3)).toEqual([
      '0.weight',
      '0.bias',
      '1.weight',
    ]);
  });
  it('an unknown name lists the zoo', () => {
    expect(() => buildModel('resnet19')).toThrow(
      /unknown model "resnet19"; choose one of: vgg-teacher, cnn-student, mlp-student, resnet8/,
    );
    // names of Object.prototype are not models (a plain object lookup would find them)
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(() => buildModel(name), name).toThrow(new RegExp(`unknown model "${name}"`));
    }
  });
});
