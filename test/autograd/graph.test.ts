import { describe, expect, it } from 'vitest';
import { retainGraphGrads, tensor, toDot, toTree, type Tensor } from '../../src/index.js';

describe('graph export', () => {
  const build = () => {
    const a = tensor([1, 2], { requiresGrad: true }).withLabel('a');
    const T = tensor(2, { requiresGrad: true }).withLabel('T');
    const y = a.div(T).exp().sum().mul(T.square().withLabel('T²')).withLabel('loss');
    return { a, T, y };
  };

  it('prints a tree with op names, shapes and labels, and gradient norms after backward', () => {
    const { y, T } = build();
    const before = toTree(y);
    expect(before).toMatch(/loss = mul \[\]/);
    expect(before).toMatch(/T² = square \[\]/);
    expect(before).toMatch(/see above/); // T is reached twice
    expect(before).not.toMatch(/\|grad\|/);
    retainGraphGrads(y);
    y.backward();
    const after = toTree(y);
    expect(after).toMatch(/T = leaf \[\] value=2 \|grad\|=/);
    expect(after).toContain(`|grad|=${Math.abs(T.grad!.item()).toFixed(4)}`);
  });

  it('writes valid-looking DOT with highlighted nodes and gradient edges', () => {
    const { y } = build();
    retainGraphGrads(y);
    y.backward();
    const dot = toDot(y, { title: 'KD', highlight: ['T', 'T²'] });
    expect(dot.startsWith('digraph kdgrad {')).toBe(true);
    expect(dot.trim().endsWith('}')).toBe(true);
    expect((dot.match(/fillcolor="#ffd27f"/g) ?? []).length).toBe(2);
    expect(dot).toMatch(/label="\|g\|=/);
    expect(dot).toMatch(/\[shape=ellipse, label="square"\]/);
  });

  it('walks a 50,000-node chain without recursion', () => {
    let y: Tensor = tensor(1, { requiresGrad: true });
    for (let i = 0; i < 50_000; i++) y = y.mul(1);
    expect(toTree(y, { maxDepth: 3 }).split('\n').length).toBe(8); // 4 mul levels + '...' + 3 constants
    expect(toDot(y).split('\n').length).toBeGreaterThan(100_000);
  });
});

describe('labels in KD graphs', () => {
  it('detach() keeps the label; the KD losses name the (detached) teacher logits', async () => {
    const {
      DistillationLoss,
      MultiTeacherDistillationLoss,
      tensor: mk,
      toTree: tree,
    } = await import('../../src/index.js');
    expect(mk([1]).withLabel('x').detach().label).toBe('x');
    const s = mk([[1, 2, 0]], { requiresGrad: true });
    const t = mk([[0, 1, 3]]);
    const T = () => mk(2, { requiresGrad: true });
    expect(tree(new DistillationLoss({ temperature: T() }).forward(s, t, [2]))).toMatch(
      /t \(teacher logits\) = const \[1, 3\]/,
    );
    const multi = tree(
      new MultiTeacherDistillationLoss({ temperature: T() }).forward(s, [t, t.mul(2)], [2]),
    );
    expect(multi).toMatch(/t1 \(teacher 1 logits\) = const/);
    expect(multi).toMatch(/t2 \(teacher 2 logits\) = const/);
    // a user's own label wins
    expect(
      tree(new DistillationLoss({ temperature: T() }).forward(s, t.withLabel('vgg logits'), [2])),
    ).toMatch(/vgg logits = const/);
  });
});
