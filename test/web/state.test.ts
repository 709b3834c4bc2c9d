// The explorer's state logic: every number it shows comes from kdgrad and agrees with the
// library used directly.
import { describe, expect, it } from 'vitest';
import { MultiTeacherDistillationLoss, inspectDistillation, tensor } from '../../src/index.js';
import {
  CLASSES,
  PRESETS,
  computeView,
  initialState,
  sliderToTemperature,
  teachersOf,
  temperatureToSlider,
} from '../../web/src/state.js';

describe('explorer state', () => {
  it('maps the log-scale T slider to [0.1, 100] and back', () => {
    expect(sliderToTemperature(0)).toBeCloseTo(0.1, 12);
    expect(sliderToTemperature(1000)).toBeCloseTo(100, 10);
    for (const T of [0.1, 0.5, 1, 4, 20, 100])
      expect(Math.abs(sliderToTemperature(temperatureToSlider(T)) / T - 1)).toBeLessThan(0.006);
  });

  it.each(Object.keys(PRESETS))(
    'preset %s: the gradient parts add up and match the closed forms',
    (name) => {
      const s = initialState(name);
      for (const T of [0.3, 1, 4, 15]) {
        const v = computeView({ ...s, temperature: T, alpha: 0.7 });
        v.grad.total.forEach((g, i) =>
          expect(g).toBeCloseTo(v.grad.soft[i]! + v.grad.hard[i]!, 14),
        );
        v.grad.soft.forEach((g, i) => expect(g).toBeCloseTo(v.grad.closedFormSoft[i]!, 12));
        v.grad.soft.forEach((g, i) => expect(g).toBeCloseTo(v.grad.softUnscaled[i]! * T * T, 10));
        expect(v.dLdT).toBeCloseTo(v.dLdTClosedForm!, 10);
        expect(v.teacherProbs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
        const direct = inspectDistillation(
          tensor([s.student], { dtype: 'float64' }),
          tensor([s.teacher], { dtype: 'float64' }),
          [s.label],
          { temperature: T, alpha: 0.7 },
        );
        expect(v.loss).toBe(direct.loss);
      }
    },
  );

  it('curves span the slider range; T²·KL approaches the high-T limit', () => {
    const v = computeView(initialState('uncertain'));
    expect(v.curve[0]!.T).toBeCloseTo(0.1, 12);
    expect(v.curve.at(-1)!.T).toBeCloseTo(100, 10);
    // at the slider's end (T = 100) T²·KL is within 1% of its drawn high-T limit
    const far = computeView({ ...initialState('uncertain'), temperature: 20 }, 2);
    expect(Math.abs(far.curve.at(-1)!.scaledKl / far.highTLimit - 1)).toBeLessThan(0.01);
  });

  it('shows the graph with the T and T² nodes', () => {
    const g = computeView(initialState()).graph;
    expect(g).toMatch(/T = leaf \[\] value=4 \|grad\|=/);
    expect(g).toMatch(/T² = square \[\] value=16/);
    // the same loss reads the same on every update: node ids do not grow
    expect(computeView(initialState()).graph).toBe(g);
    expect(g).toMatch(/^#1 loss = /);
    // as nodes and edges: T and T² highlighted, every edge between known nodes, T's gradient kept
    const v = computeView(initialState());
    const ids = new Set(v.nodes.map((n) => n.id));
    expect(
      v.nodes
        .filter((n) => n.highlight)
        .map((n) => n.name)
        .sort(),
    ).toEqual(['T', 'T²']);
    expect(v.edges.every(([a, b]) => ids.has(a) && ids.has(b))).toBe(true);
    expect(v.nodes.find((n) => n.name === 'T')!.grad).toBeCloseTo(Math.abs(v.dLdT), 12);
  });

  it('multi-teacher panel: probability vs logit averaging, as the library computes them', () => {
    const s = initialState('wrong');
    const v = computeView(s);
    const lib = (average: 'probs' | 'logits') =>
      new MultiTeacherDistillationLoss({
        temperature: s.temperature,
        alpha: s.alpha,
        average,
      }).parts(
        tensor([s.student], { dtype: 'float64' }),
        teachersOf(s.teacher).map((t) => tensor([t], { dtype: 'float64' })),
        [s.label],
      );
    expect(v.multi.lossProbs).toBe(lib('probs').loss.item());
    expect(v.multi.lossLogits).toBe(lib('logits').loss.item());
    expect(v.multi.probs).toHaveLength(CLASSES.length);
    expect(v.multi.probs).not.toEqual(v.multi.logits);
    expect(v.multi.softProbs).toBe(lib('probs').softLoss.item());
  });

  it("panel 5's teachers follow panel 1's teacher", () => {
    const s = initialState('confident');
    const moved = { ...s, teacher: s.teacher.map((v, i) => (i === 0 ? 8 : v)) };
    const [a, b] = [computeView(s), computeView(moved)];
    expect(b.multi.teachers[0]).toEqual(moved.teacher);
    // the second swaps the two most likely classes (cat 9 and the moved airplane 8)
    expect(b.multi.teachers[1]![3]).toBe(8);
    expect(b.multi.teachers[1]![0]).toBe(9);
    expect(b.multi.teachers[2]![0]).toBeCloseTo(8 / 3, 12);
    expect(b.multi.probs).not.toEqual(a.multi.probs);
  });

  it('removing T² changes every number that depends on it, as the library computes them', () => {
    const s = { ...initialState('wrong'), temperature: 8, alpha: 0.6 };
    const on = computeView(s);
    const off = computeView({ ...s, withT2: false });
    const r = inspectDistillation(
      tensor([s.student], { dtype: 'float64' }),
      tensor([s.teacher], { dtype: 'float64' }),
      [s.label],
      { temperature: 8, alpha: 0.6 },
    );
    expect(off.loss).toBeCloseTo(0.6 * r.kl + 0.4 * r.hardLoss, 14);
    expect(off.loss).not.toBeCloseTo(on.loss, 3);
    off.grad.soft.forEach((g, i) => expect(g).toBeCloseTo(on.grad.soft[i]! / 64, 14));
    off.grad.total.forEach((g, i) =>
      expect(g).toBeCloseTo(off.grad.soft[i]! + off.grad.hard[i]!, 14),
    );
    off.grad.soft.forEach((g, i) => expect(g).toBeCloseTo(off.grad.closedFormSoft[i]!, 12));
    expect(off.dLdT).toBe(r.dLdTUnscaled);
    expect(off.dLdT).toBeCloseTo(off.dLdTClosedForm!, 10);
    expect(off.graph).not.toMatch(/T² = square/);
    expect(on.graph).toMatch(/T² = square/);
    expect(off.multi.lossProbs).not.toBeCloseTo(on.multi.lossProbs, 3);
    // the why-T² curves: the unscaled gradient falls like 1/T² at the high end, the scaled levels
    const [y, z] = [on.curve.at(-2)!, on.curve.at(-1)!];
    const slope = Math.log(z.gradUnscaled / y.gradUnscaled) / Math.log(z.T / y.T);
    expect(slope).toBeCloseTo(-2, 1);
    expect(z.gradScaled / y.gradScaled).toBeCloseTo(1, 1);
  });
});
