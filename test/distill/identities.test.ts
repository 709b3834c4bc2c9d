// Every identity derived in docs/derivations.md (same numbers) as a fast-check property
// (float64, fixed seed).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  autograd,
  decoupledKL,
  distillationParts,
  F,
  gradientReport,
  MultiTeacherDistillationLoss,
  tensor,
  type Tensor,
} from '../../src/index.js';
import { fcParams } from '../helpers/arbitraries.js';
import {
  centered,
  expectClose,
  label,
  maxAbs,
  maxLogit,
  problemArb,
  type Problem,
} from './helpers.js';

const soft = (p: Problem, T: number | Tensor, s: Tensor = p.s, t: Tensor = p.t) =>
  distillationParts(s, t, p.y, { temperature: T, alpha: 1 });
const gradS = (out: Tensor, s: Tensor) => autograd.grad(out, [s], { retainGraph: true })[0]!;
const leaf = (x: Tensor) => x.detach().requiresGrad_();
const probs = (x: Tensor, T: number) => x.div(T).softmax(1);

describe('KD identities (docs/derivations.md)', () => {
  it('1. student gradient: ∂KL/∂s = (q − p)/(T·B) and ∂(T²·KL)/∂s = T(q − p)/B', () => {
    fc.assert(
      fc.property(problemArb(), (p) => {
        const s = leaf(p.s);
        const parts = soft(p, p.T, s);
        const qp = probs(p.s, p.T).sub(probs(p.t, p.T));
        // q − p subtracts probabilities: float64 leaves ~1e-16 absolute in each, scaled by 1/(T·B) or T/B
        expectClose(
          gradS(parts.kl, s),
          qp.div(p.T * p.B),
          { rtol: 1e-10, atol: 1e-14 / (p.T * p.B) },
          `∂KL/∂s ${label(p)}`,
        );
        expectClose(
          gradS(parts.softLoss, s),
          qp.mul(p.T / p.B),
          { rtol: 1e-10, atol: (1e-14 * p.T) / p.B },
          `∂T²KL/∂s ${label(p)}`,
        );
      }),
      fcParams(60),
    );
  });

  it('2. shift invariance: a per-row constant on s or t changes neither loss nor gradient; gradient rows sum to 0', () => {
    fc.assert(
      fc.property(problemArb(), fc.double({ min: -50, max: 50, noNaN: true }), (p, shift) => {
        const rowShift = tensor(
          Array.from({ length: p.B }, (_, i) => [shift * (i + 1)]),
          { dtype: 'float64' },
        );
        const s1 = leaf(p.s);
        const s2 = leaf(p.s.add(rowShift));
        const a = soft(p, p.T, s1);
        const b = soft(p, p.T, s2, p.t.add(rowShift.mul(-0.5)));
        expectClose(
          b.softLoss.item(),
          a.softLoss.item(),
          { atol: 1e-9, rtol: 1e-9 },
          `loss ${label(p)}`,
        );
        const g = gradS(a.softLoss, s1);
        expectClose(gradS(b.softLoss, s2), g, { atol: 1e-12, rtol: 1e-8 }, `grad ${label(p)}`);
        expectClose(
          g.sum(1),
          tensor(new Float64Array(p.B)),
          { atol: 1e-12 * Math.max(1, maxAbs(g)) },
          `row sums ${label(p)}`,
        );
      }),
      fcParams(40),
    );
  });

  it('3. cross-entropy form −Σ p log q = KL + H(p): same student gradient', () => {
    fc.assert(
      fc.property(problemArb(), (p) => {
        const s = leaf(p.s);
        const parts = soft(p, p.T, s);
        const pt = probs(p.t, p.T);
        const ce = F.crossEntropy(s.div(p.T), pt); // mean over the batch of −Σ p log q
        const H = pt
          .mul(
            F.klDiv(
              tensor(new Float64Array(p.B * p.C), { dtype: 'float64', shape: [p.B, p.C] }),
              pt,
              { reduction: 'none' },
            )
              .div(pt.add(1e-300))
              .mul(-1),
          )
          .sum(1)
          .mean();
        expectClose(
          ce.item(),
          parts.kl.item() + H.item(),
          { atol: 1e-10, rtol: 1e-10 },
          `values ${label(p)}`,
        );
        // both gradients are (q − p)/(T·B): a difference of probabilities, each rounded to a few
        // ulps of 1, so the floor is absolute (seed 113: |Δ| 1.1e-19 on 1e-9 at T = 969)
        const floor = 1e-15 / (p.T * p.B);
        expectClose(
          gradS(ce, s),
          gradS(parts.kl, s),
          { atol: floor, rtol: 1e-10 },
          `grads ${label(p)}`,
        );
      }),
      fcParams(40),
    );
  });

  it('4. high-temperature limit: T(q − p) → (c(s) − c(t))/C and T²·KL → ‖c(s) − c(t)‖²/(2C), errors shrinking like 1/T', () => {
    fc.assert(
      fc.property(
        problemArb({ T: [1, 1] }),
        fc.double({ min: 1000, max: 1e5, noNaN: true }),
        (p, k) => {
          const T = k * maxLogit(p);
          const d = centered(p.s).sub(centered(p.t));
          const qp = probs(p.s, T).sub(probs(p.t, T)).mul(T);
          expectClose(
            qp,
            d.div(p.C),
            { rtol: 1e-2, atol: 1e-2 * maxAbs(d.div(p.C)) },
            `T(q−p) ${label(p)} T=${T}`,
          );
          const limit = d
            .square()
            .sum(1)
            .div(2 * p.C)
            .mean()
            .item();
          expectClose(
            soft(p, T).softLoss.item(),
            limit,
            { rtol: 1e-2, atol: 1e-12 },
            `T²KL ${label(p)} T=${T}`,
          );
          // the error shrinks like 1/T: |T²·KL − limit| ≤ M³/T with M = max |logit| (the next term of
          // the expansion is a third-order moment of the logits; 900 random problems reached 0.18·M³/T),
          // at three decades of T. A ratio err(10T)/err(T) is not a sound check: the 1/T and 1/T²
          // terms can cancel at the first T and make the ratio anything.
          const err = (TT: number) => Math.abs(soft(p, TT).softLoss.item() - limit);
          const M = maxLogit(p);
          for (const TT of [10 * M, 100 * M, 1000 * M])
            expect(err(TT) * TT, `T=${TT} ${label(p)}`).toBeLessThanOrEqual(M ** 3);
        },
      ),
      fcParams(30),
    );
  });

  it('5. why T²: unscaled soft gradients shrink like 1/T², scaled ones tend to a constant', () => {
    fc.assert(
      fc.property(
        problemArb({ T: [1, 1] }),
        fc.double({ min: 100, max: 1e4, noNaN: true }),
        (p, k) => {
          const T = k * maxLogit(p);
          const norms = (TT: number) => {
            const s = leaf(p.s);
            const parts = soft(p, TT, s);
            const n = (g: Tensor) => Math.sqrt(g.square().sum().item());
            return { raw: n(gradS(parts.kl, s)), scaled: n(gradS(parts.softLoss, s)) };
          };
          const a = norms(T);
          const b = norms(10 * T);
          if (a.raw === 0) return; // s and t equal up to row shifts: nothing to compare
          expect(Math.abs(b.raw / a.raw / 0.01 - 1)).toBeLessThan(0.01);
          expect(Math.abs(b.scaled / a.scaled - 1)).toBeLessThan(0.01);
        },
      ),
      fcParams(30),
    );
  });

  it('6. dKL/dT and d(T²·KL)/dT: autograd equals the closed form', () => {
    fc.assert(
      fc.property(problemArb(), (p) => {
        const s = leaf(p.s);
        const T = tensor(p.T, { dtype: 'float64', requiresGrad: true });
        const r = gradientReport(
          distillationParts(s, p.t, p.y, { temperature: T, alpha: 1 }),
          s,
          p.y,
          p.t,
        );
        // d(T²KL)/dT = 2T·KL + T²·dKL/dT cancels at large T: tolerances scale with the terms
        const scale = Math.max(Math.abs(r.dLdT), 2 * p.T * r.kl, 1e-300);
        // the closed form's covariance term divides O(logit²) products by T³: rounding floor
        const m = maxLogit(p);
        const floor = (1e-16 * (1 + m * m)) / p.T ** 3;
        expectClose(
          r.dLdT,
          r.closedForm.dLdT!,
          { atol: 1e-9 * scale + floor * p.T * p.T, rtol: 1e-8 },
          `d(T²KL)/dT ${label(p)}`,
        );
        expectClose(
          r.dLdTUnscaled,
          r.closedForm.dLdTUnscaled!,
          { atol: floor, rtol: 1e-7 },
          `dKL/dT ${label(p)}`,
        );
      }),
      fcParams(60),
    );
  });

  it('7. limits in T: KL and dKL/dT vanish like T⁻² and T⁻³; as T → 0, KL·T → max s − s[argmax t] (different argmax) or 0 (same argmax)', () => {
    fc.assert(
      fc.property(problemArb({ T: [1, 1] }), (p) => {
        const T = 200 * maxLogit(p);
        const kl = (TT: number) => soft(p, TT).kl.item();
        const dkl = (TT: number) => {
          const Tt = tensor(TT, { dtype: 'float64', requiresGrad: true });
          return autograd.grad(soft(p, Tt).kl, [Tt])[0]!.item();
        };
        if (kl(T) < 1e-300) return;
        expect(Math.abs(kl(2 * T) / kl(T) - 1 / 4)).toBeLessThan(0.01);
        expect(Math.abs(dkl(2 * T) / dkl(T) - 1 / 8)).toBeLessThan(0.01);
        expect(dkl(T)).toBeLessThan(0); // identity 8: plain descent on T (no T²) would push T up
      }),
      fcParams(30),
    );
    // T → 0 on single rows with clear gaps between logits
    fc.assert(
      fc.property(
        fc
          .array(fc.integer({ min: -20, max: 20 }), { minLength: 3, maxLength: 6 })
          .filter((v) => new Set(v).size === v.length),
        fc
          .array(fc.integer({ min: -20, max: 20 }), { minLength: 6, maxLength: 6 })
          .filter((v) => new Set(v).size === 6),
        (a, b) => {
          const s = tensor([a.map((v) => v * 0.5)], { dtype: 'float64' });
          const t = tensor([b.slice(0, a.length).map((v) => v * 0.5)], { dtype: 'float64' });
          if (new Set(b.slice(0, a.length)).size !== a.length) return;
          const T = 0.004; // gaps >= 0.5: exp(−gap/T) < e^−125
          const parts = distillationParts(s, t, [0], { temperature: T, alpha: 1 });
          const sv = s.toArray()[0] as number[];
          const tv = t.toArray()[0] as number[];
          const argT = tv.indexOf(Math.max(...tv));
          const margin = Math.max(...sv) - sv[argT]!;
          if (margin > 0) {
            expectClose(parts.kl.item() * T, margin, { rtol: 1e-2 }, 'KL·T → margin');
            expectClose(parts.softLoss.item(), T * margin, { rtol: 1e-2 }, 'T²KL → T·margin');
          } else {
            expect(parts.kl.item()).toBeLessThan(1e-30);
          }
        },
      ),
      fcParams(30),
    );
  });

  it('8. a learnable T: the value of dL/dT is checked (identity 6) — its sign is not a training signal', () => {
    // With T², d(T²KL)/dT changes sign along T for fixed logits; descent on T is not well posed.
    const p = {
      s: tensor([[3, 0, -2]], { dtype: 'float64' }),
      t: tensor([[2, 1, 0]], { dtype: 'float64' }),
      y: [0],
    };
    const d = (T: number) => {
      const Tt = tensor(T, { dtype: 'float64', requiresGrad: true });
      return autograd
        .grad(distillationParts(p.s, p.t, p.y, { temperature: Tt, alpha: 1 }).softLoss, [Tt])[0]!
        .item();
    };
    const signs = new Set([0.2, 0.5, 1, 2, 5, 20, 100].map((T) => Math.sign(d(T))));
    expect(signs.size).toBe(2);
  });

  it('9. teacher detachment: the teacher gets p ⊙ ((log p − log q) − KL_row)/T / B only when asked for', () => {
    fc.assert(
      fc.property(problemArb({ T: [0.2, 50] }), (p) => {
        const t = leaf(p.t);
        const detached = distillationParts(leaf(p.s), t, p.y, { temperature: p.T, alpha: 1 });
        expect(autograd.grad(detached.kl, [t], { allowUnused: true })[0]).toBeNull();
        const parts = distillationParts(p.s, t, p.y, {
          temperature: p.T,
          alpha: 1,
          teacherGrad: true,
        });
        const logp = p.t.div(p.T).logSoftmax(1);
        const logq = p.s.div(p.T).logSoftmax(1);
        const pt = logp.exp();
        const klRow = pt.mul(logp.sub(logq)).sum(1, true);
        const want = pt.mul(logp.sub(logq).sub(klRow)).div(p.T * p.B);
        // (log p − log q) − KL_row cancels terms as large as the log-ratios: the rounding floor grows
        // with them (seed 796032297: ratios near 50 at T = 0.2 left 1e-13 on a value of 4e-5)
        const spread = logp.sub(logq).abs().max().item();
        const atol = (1e-14 * (1 + spread)) / (p.T * p.B);
        expectClose(
          autograd.grad(parts.kl, [t])[0]!,
          want,
          { rtol: 1e-9, atol },
          `teacher grad ${label(p)}`,
        );
      }),
      fcParams(40),
    );
  });

  it('10. multi-teacher (probabilities): same student gradient as the mean of per-teacher KLs; values differ by H(p̄) − mean H(p_k) ≥ 0', () => {
    fc.assert(
      fc.property(problemArb({ T: [0.2, 50] }), fc.integer({ min: 1, max: 3 }), (p, K) => {
        const teachers = Array.from({ length: K }, (_, k) => p.t.mul(1 + k * 0.7).add(k));
        const s = leaf(p.s);
        const multi = new MultiTeacherDistillationLoss({ temperature: p.T, alpha: 1 }).parts(
          s,
          teachers,
          p.y,
        );
        const each = teachers.map(
          (t) => distillationParts(s, t, p.y, { temperature: p.T, alpha: 1 }).kl,
        );
        const meanKL = each.reduce((a, b) => a.add(b)).div(K);
        const pbar = teachers
          .map((t) => probs(t, p.T))
          .reduce((a, b) => a.add(b))
          .div(K);
        const want = probs(p.s, p.T)
          .sub(pbar)
          .div(p.T * p.B);
        expectClose(
          gradS(multi.kl, s),
          want,
          { rtol: 1e-9, atol: 1e-14 / (p.T * p.B) },
          `grad ${label(p)}`,
        );
        // the same absolute floor as above: q − p̄ of probabilities near 0 or 1 carries ~1e-16 of rounding
        expectClose(
          gradS(meanKL, s),
          want,
          { rtol: 1e-9, atol: 1e-14 / (p.T * p.B) },
          `grad of mean ${label(p)}`,
        );
        const H = (q: Tensor) => q.mul(q.add(1e-300).log()).sum(1).neg().mean().item();
        const gap = H(pbar) - teachers.reduce((acc, t) => acc + H(probs(t, p.T)), 0) / K;
        expect(gap).toBeGreaterThanOrEqual(-1e-12);
        expectClose(
          meanKL.item() - multi.kl.item(),
          gap,
          { atol: 1e-10, rtol: 1e-8 },
          `value gap ${label(p)}`,
        );
      }),
      fcParams(40),
    );
  });

  it('10b. K identical teachers give the single-teacher loss; averaging logits gives a different target', () => {
    fc.assert(
      fc.property(problemArb({ T: [0.2, 50] }), fc.integer({ min: 2, max: 4 }), (p, K) => {
        const single = distillationParts(p.s, p.t, p.y, {
          temperature: p.T,
          alpha: 0.7,
        }).loss.item();
        for (const average of ['probs', 'logits'] as const) {
          const multi = new MultiTeacherDistillationLoss({ temperature: p.T, alpha: 0.7, average })
            .forward(p.s, Array(K).fill(p.t), p.y)
            .item();
          expectClose(multi, single, { atol: 1e-12, rtol: 1e-10 }, `${average} ${label(p)}`);
        }
        const t2 = p.t.mul(-1.5).add(p.s);
        const byProbs = new MultiTeacherDistillationLoss({
          temperature: p.T,
          average: 'probs',
        }).parts(p.s, [p.t, t2], p.y).teacherProbs;
        const byLogits = new MultiTeacherDistillationLoss({
          temperature: p.T,
          average: 'logits',
        }).parts(p.s, [p.t, t2], p.y).teacherProbs;
        // unless both targets are saturated (low T: each is one-hot to float precision)
        const saturated = maxAbs(byProbs) > 0.999 && maxAbs(byLogits) > 0.999;
        if (p.C > 2 && maxAbs(p.t.sub(t2)) > 1 && !saturated)
          expect(maxAbs(byProbs.sub(byLogits))).toBeGreaterThan(1e-6);
      }),
      fcParams(30),
    );
  });

  it("11. reductions: klDiv 'mean' = 'batchmean' / C; 'batchmean' divides by the first dim only", () => {
    fc.assert(
      fc.property(problemArb(), fc.integer({ min: 1, max: 3 }), (p, extra) => {
        const logq = p.s.logSoftmax(1);
        const pt = p.t.softmax(1);
        const bm = F.klDiv(logq, pt, { reduction: 'batchmean' }).item();
        expectClose(
          F.klDiv(logq, pt, { reduction: 'mean' }).item(),
          bm / p.C,
          { atol: 1e-15, rtol: 1e-12 },
          'mean vs batchmean',
        );
        expectClose(
          bm,
          F.klDiv(logq, pt, { reduction: 'sum' }).item() / p.B,
          { atol: 1e-15, rtol: 1e-12 },
          'batchmean = sum / B',
        );
        const lq3 = logq.unsqueeze(1).expand(p.B, extra, p.C);
        const p3 = pt.unsqueeze(1).expand(p.B, extra, p.C);
        expectClose(
          F.klDiv(lq3, p3, { reduction: 'batchmean' }).item(),
          extra * bm,
          { atol: 1e-15, rtol: 1e-12 },
          '3-D batchmean',
        );
      }),
      fcParams(30),
    );
  });

  it('12. decoupled KD: KL = TCKD + (1 − p_target)·NCKD per sample; NCKD = 0 with two classes', () => {
    fc.assert(
      fc.property(problemArb({ T: [0.05, 1000] }), (p) => {
        for (let i = 0; i < p.B; i++) {
          const zs = p.s.narrow(0, i, 1).div(p.T);
          const zt = p.t.narrow(0, i, 1).div(p.T);
          const y = new Int32Array([p.y[i]!]);
          const { tckd, nckd } = decoupledKL(zs, zt, y);
          const kl = F.klDiv(zs.logSoftmax(1), zt.logSoftmax(1), {
            reduction: 'batchmean',
            logTarget: true,
          }).item();
          const pTarget = (zt.softmax(1).toArray()[0] as number[])[p.y[i]!]!;
          expectClose(
            tckd.item() + (1 - pTarget) * nckd.item(),
            kl,
            { atol: 1e-12, rtol: 1e-9 },
            `row ${i} ${label(p)}`,
          );
          if (p.C === 2) expect(nckd.item()).toBe(0);
        }
      }),
      fcParams(40),
    );
  });

  it('12b. the log binary split from log-sum-exps stays finite in float32 where log(1 − p) would be −inf', () => {
    const s = tensor([[60, 0, 0]]);
    const t = tensor([[80, 0, 0]]);
    const { tckd, nckd } = decoupledKL(s, t, new Int32Array([0]));
    expect(Number.isFinite(tckd.item())).toBe(true);
    expect(Number.isFinite(nckd.item())).toBe(true);
    expect(Math.log(1 - Math.fround(1 / (1 + 2 * Math.exp(-80))))).toBe(-Infinity); // the naive route
  });
});
