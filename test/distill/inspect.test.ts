import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DecoupledDistillationLoss,
  distillationParts,
  formatGradientReport,
  gradientReport,
  inspectDistillation,
  LogitStandardizedDistillationLoss,
  MultiTeacherDistillationLoss,
  retainGraphGrads,
  tensor,
  toDot,
  toTree,
} from '../../src/index.js';
import { fcParams } from '../helpers/arbitraries.js';
import { label, problemArb } from './helpers.js';

describe('gradient report', () => {
  it('splits dL/ds into soft + hard parts that add up, and matches every closed form', () => {
    fc.assert(
      fc.property(
        problemArb({ T: [0.1, 100] }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (p, alpha) => {
          const r = inspectDistillation(p.s, p.t, p.y, { temperature: p.T, alpha });
          const sum = r.grads.soft.add(r.grads.hard).toTypedArray();
          r.grads.total.toTypedArray().forEach((v, i) => expect(v).toBeCloseTo(sum[i]!, 14));
          const scale = Math.max(r.norms.soft, r.norms.hard, 1e-300);
          // plus the absolute rounding floor of q − p (about 1e-16 per probability) times αT and (1 − α)
          expect(r.maxAbsError.soft, label(p)).toBeLessThanOrEqual(
            1e-12 * scale + 1e-15 * alpha * p.T,
          );
          expect(r.maxAbsError.hard, label(p)).toBeLessThanOrEqual(
            1e-12 * scale + 1e-15 * (1 - alpha),
          );
          // dL/dT's closed form adds terms of size scale²/T that cancel at low T: their rounding is the floor
          const floorT = 1e-12 * alpha * (1 + p.scale ** 2 / p.T);
          const tolT = 1e-8 * Math.max(Math.abs(r.dLdT), 2 * p.T * r.kl * alpha, 1e-300) + floorT;
          expect(
            r.maxAbsError.dLdT! <= tolT,
            `${label(p)} error ${r.maxAbsError.dLdT} > ${tolT}`,
          ).toBe(true);
          expect(r.norms.soft).toBeCloseTo(r.norms.softUnscaled * p.T * p.T, 10);
        },
      ),
      fcParams(40),
    );
  });

  it('works from the parts of any KD loss (multi-teacher: no closed-form dL/dT)', () => {
    const s = tensor(
      [
        [1, 0, -1],
        [0.5, 0.5, 2],
      ],
      { dtype: 'float64', requiresGrad: true },
    );
    const T = tensor(3, { dtype: 'float64', requiresGrad: true });
    const parts = new MultiTeacherDistillationLoss({ temperature: T, alpha: 0.8 }).parts(
      s,
      [
        tensor(
          [
            [2, 1, 0],
            [0, 0, 1],
          ],
          { dtype: 'float64' },
        ),
        tensor(
          [
            [0, 1, 2],
            [1, 0, 0],
          ],
          { dtype: 'float64' },
        ),
      ],
      [0, 2],
    );
    const r = gradientReport(parts, s, [0, 2]);
    expect(r.closedForm.dLdT).toBeNull();
    expect(Number.isFinite(r.dLdT)).toBe(true);
    expect(r.maxAbsError.soft).toBeLessThan(1e-15);
    const text = formatGradientReport(r);
    expect(text).toMatch(/T = 3, alpha = 0.8/);
    expect(text).toMatch(/dL\/dT: autograd .* closed form —/);
  });

  it('logit-standardised KD: its own closed forms (through the z-score) match autograd; weights print as written', () => {
    fc.assert(
      fc.property(
        problemArb({ T: [0.5, 20] }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        (p, alpha) => {
          const s = p.s.detach().requiresGrad_();
          const T = tensor(p.T, { dtype: 'float64', requiresGrad: true });
          const parts = new LogitStandardizedDistillationLoss({ temperature: T, alpha }).parts(
            s,
            p.t,
            p.y,
          );
          const r = gradientReport(parts, s, p.y, p.t);
          const scale = Math.max(r.norms.soft, r.norms.hard, 1e-300);
          expect(r.maxAbsError.soft, label(p)).toBeLessThanOrEqual(
            1e-10 * scale + 1e-13 * alpha * p.T,
          );
          // absolute floor: with C = 2 the z-scores of any two rows coincide, KL is 0 and dL/dT rounding noise
          expect(
            r.maxAbsError.dLdT! <=
              1e-8 * Math.max(Math.abs(r.dLdT), 2 * p.T * Math.abs(r.kl) * alpha) +
                1e-14 * alpha * (1 + p.T ** 2),
            label(p),
          ).toBe(true);
        },
      ),
      fcParams(30),
    );
    const s = tensor(
      [
        [1, 0, -1],
        [0.5, 0.5, 2],
      ],
      { dtype: 'float64', requiresGrad: true },
    );
    const parts = new LogitStandardizedDistillationLoss({ temperature: 2, alpha: 0.9 }).parts(
      s,
      tensor(
        [
          [2, 1, 0],
          [0, 0, 1],
        ],
        { dtype: 'float64' },
      ),
      [0, 2],
    );
    expect(formatGradientReport(gradientReport(parts, s, [0, 2]))).toMatch(/ \+ 0\.1·CE /);
  });

  it('parts are graph tensors whose gradients can be read after backward', () => {
    const s = tensor([[1, 2, 0]], { requiresGrad: true });
    const T = tensor(2, { requiresGrad: true });
    const parts = distillationParts(s, tensor([[0, 1, 3]]), [2], { temperature: T, alpha: 0.5 });
    parts.loss.backward();
    expect(parts.softLoss.grad!.item()).toBe(0.5);
    expect(parts.hardLoss.grad!.item()).toBe(0.5);
    expect(parts.kl.grad!.item()).toBeCloseTo(0.5 * 4, 6); // ∂L/∂KL = α·T²
    expect(parts.tSquared.grad!.item()).toBeCloseTo(0.5 * parts.kl.item(), 6);
    expect(T.grad).not.toBeNull();
  });

  it('the graph export shows the T and T² nodes and every path through T', () => {
    const s = tensor([[1, 2, 0]], { requiresGrad: true }).withLabel('s');
    const T = tensor(2, { requiresGrad: true });
    const parts = distillationParts(s, tensor([[0, 1, 3]]), [2], { temperature: T });
    retainGraphGrads(parts.loss);
    parts.loss.backward();
    const tree = toTree(parts.loss);
    expect(tree).toMatch(/T² = square \[\]/);
    expect(tree).toMatch(/T = leaf \[\] value=2 \|grad\|=/);
    expect(tree).toMatch(/KL = /);
    const dot = toDot(parts.loss, { highlight: ['T', 'T²'] });
    const tNode = dot.match(/t(\d+) \[shape=box, label="T = leaf/)![1];
    const edgesFromT = dot.split('\n').filter((l) => l.startsWith(`  t${tNode} -> `));
    expect(edgesFromT.length).toBe(3); // t/T, s/T and T² each use T
  });
});

describe('DecoupledDistillationLoss', () => {
  it('defaults α = 1, β = 8, T = 4; loss = CE + warm-up · T²(α TCKD + β NCKD)', () => {
    const d = new DecoupledDistillationLoss();
    expect([d.alpha, d.beta, d.temperature, d.warmup]).toEqual([1, 8, 4, 20]);
    const s = tensor([[1, 2, 0, -1]], { dtype: 'float64' });
    const t = tensor([[0, 3, 1, 1]], { dtype: 'float64' });
    const full = d.parts(s, t, [1]);
    expect(full.warmupFactor).toBe(1);
    expect(full.loss.item()).toBeCloseTo(
      full.hardLoss.item() + 16 * (full.tckd.item() + 8 * full.nckd.item()),
      14,
    );
    const early = d.parts(s, t, [1], 5);
    expect(early.warmupFactor).toBe(0.25);
    expect(early.loss.item()).toBeCloseTo(
      full.hardLoss.item() + 0.25 * 16 * (full.tckd.item() + 8 * full.nckd.item()),
      14,
    );
  });
});
