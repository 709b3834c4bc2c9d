import { describe, expect, it } from 'vitest';
import { Generator, zeros } from '../../src/index.js';
import { buildModel, forwardMacs, ZOO } from '../../src/models/zoo.js';

describe('model zoo', () => {
  it('parameter counts: the teacher has the recipe\'s 82,778; the students are smaller in compute', () => {
    const small = ['vgg-teacher', 'cnn-student', 'mlp-student'];
    const counts = Object.fromEntries(small.map((k) => [k, buildModel(k).numParameters()]));
    expect(counts).toEqual({ 'vgg-teacher': 82_778, 'cnn-student': 11_274, 'mlp-student': 789_258 });
    const macs = Object.fromEntries(small.map((k) => [k, forwardMacs(buildModel(k))]));
    expect(macs['cnn-student']!).toBeLessThan(macs['vgg-teacher']! / 5);
    expect(macs['mlp-student']!).toBe(3072 * 256 + 256 * 10);
  });
  it('every model maps [B, 3, 32, 32] to [B, 10]; names follow nn.Sequential numbering', () => {
    for (const k of Object.keys(ZOO).filter((n) => !/resnet(18|34|32x4)$/.test(n))) expect(buildModel(k, { generator: new Generator(1) }).forward(zeros([2, 3, 32, 32])).shape).toEqual([2, 10]);
    expect(Object.keys(buildModel('vgg-teacher').stateDict()).slice(0, 3)).toEqual(['0.weight', '0.bias', '1.weight']);
  });
  it('an unknown name lists the zoo', () => {
    expect(() => buildModel('resnet19')).toThrow(/unknown model "resnet19"; choose one of: vgg-teacher, cnn-student, mlp-student, resnet8/);
    // names of Object.prototype are not models (a plain object lookup would find them)
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(() => buildModel(name), name).toThrow(new RegExp(`unknown model "${name}"`));
    }
  });
});
