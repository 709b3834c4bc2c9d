// The feature-gradients lesson: where each loss enters the student, from the graph, and readings
// that follow the numbers (a student that already matches its teacher gets nothing to transfer).
import { describe, expect, it } from 'vitest';
import { Generator, randn } from '../../src/index.js';
import { crossEntropy } from '../../src/nn/functional/loss.js';
import { featureGradientLesson } from '../../src/learn/index.js';
import { buildModel } from '../../src/models/zoo.js';

const g = new Generator(3);
const x = randn([8, 3, 32, 32], { generator: g });
const labels = Int32Array.from({ length: 8 }, (_, i) => i % 10);
const net = (name: string, seed: number) =>
  buildModel(name, { generator: new Generator(seed) }).eval();

describe('feature-gradients lesson', () => {
  it('logit losses reach every layer; feature terms stop at the guided layer', () => {
    const r = featureGradientLesson(net('cnn-student', 1), net('vgg-teacher', 2), x, labels);
    expect(r.guided).toEqual({ student: '11', teacher: '20' });
    expect(r.layers.map((l) => l.name)).toEqual(['0', '1', '4', '5', '8', '9', '13']);
    for (const term of ['CE', 'KD'] as const) expect(r.norms[term].every((v) => v > 0)).toBe(true);
    for (const term of ['hint', 'attention'] as const) {
      expect(
        r.norms[term].slice(0, 6).every((v) => v > 0),
        term,
      ).toBe(true);
      expect(r.norms[term][6], term).toBe(0);
    }
    expect(r.conclusion).toMatch(
      /The hint term reaches 0, 1, 4, 5, 8, 9 and sends exactly nothing to 13/,
    );
    expect(r.conclusion).toMatch(/At the first layer \(0\) the feature terms' gradients compare/);
    expect(r.conclusion).toMatch(/At the last layer \(13\) KD's gradient is/);
    expect(r.conclusion).not.toMatch(/sends no gradient|next to nothing/);
  });

  it('the CE column is ‖∂(0.1·CE)/∂θ‖ of that layer, as a plain backward gives it', () => {
    const student = net('cnn-student', 1);
    const r = featureGradientLesson(student, net('vgg-teacher', 2), x, labels);
    crossEntropy(student.forward(x), labels).mul(0.1).backward();
    const fc = student.namedChildren().find(([n]) => n === '13')![1];
    const direct = Math.hypot(
      ...fc.parameters().map((p) => Math.hypot(...Array.from(p.grad!.toTypedArray()))),
    );
    expect(r.norms.CE[6]).toBeCloseTo(direct, 5);
  });

  it('a student identical to its teacher: attention and KD send nothing, and the reading says so', () => {
    const r = featureGradientLesson(net('cnn-student', 1), net('cnn-student', 1), x, labels);
    expect(r.norms.attention.every((v) => v < 1e-12)).toBe(true);
    expect(r.conclusion).toMatch(/The attention term sends no gradient .* nothing to transfer/);
    expect(r.conclusion).not.toMatch(/attention term reaches/);
    expect(r.conclusion).not.toMatch(
      /At the first layer \(0\) the feature terms|At the last layer/,
    );
    expect(r.conclusion).toMatch(/KD sends next to nothing .* logits already match the teacher's/);
  });
});
