// One backward pass of a KD loss turned into a report: the gradient w.r.t. the student logits
// split into its soft and hard parts (with and without the T² factor), their norms, dL/dT,
// and the closed forms of docs/derivations.md next to the autograd values.
//   ∂(T²·KL)/∂s = T (q − p) / B                       (Hinton et al. 2015, eq. 2)
//   ∂CE/∂s      = (softmax(s) − onehot(y)) / B
//   dKL/dT      = (E_p[s] − E_q[s]) / T² − Cov_p(t, t − s) / T³   (per sample, then batch mean)
//   d(T²KL)/dT  = 2T·KL + T² · dKL/dT
// For logit-standardised KD the same forms hold for the z-scores Z(s) = (s − m)/σ, σ = sqrt(var + ε²)
// (unbiased var), and the soft gradient w.r.t. s is the z-score's Jacobian applied to g = ∂/∂Z(s):
//   ∂/∂s = (g − mean(g)) / σ − Z(s) · Σ_j g_j Z(s)_j / ((C − 1) σ)
import { tensor } from '../autograd/creation.js';
import { autogradGrad } from '../autograd/engine.js';
import { noGrad } from '../autograd/grad-mode.js';
import type { Tensor } from '../autograd/tensor.js';
import { toLabels, type Labels } from '../nn/functional/labels.js';
import { distillationParts, type KDParts } from './kd.js';

export interface GradientReport {
  temperature: number;
  alpha: number;
  loss: number;
  kl: number;
  softLoss: number;
  hardLoss: number;
  /** dL/ds and its parts: soft = α·∂(T²KL)/∂s, hard = (1 − α)·∂CE/∂s, softUnscaled = α·∂KL/∂s. */
  grads: { total: Tensor; soft: Tensor; hard: Tensor; softUnscaled: Tensor };
  /** L2 norms of the gradients above. */
  norms: { total: number; soft: number; hard: number; softUnscaled: number };
  /** ‖soft‖ / (‖soft‖ + ‖hard‖), with the T² factor and without it. */
  softShare: { scaled: number; unscaled: number };
  /** dL/dT from autograd (L with T²) and α·dKL/dT (the same loss without T²). */
  dLdT: number;
  dLdTUnscaled: number;
  /** The same quantities from the closed forms, and the largest gap to autograd. */
  closedForm: { soft: Tensor; hard: Tensor; dLdT: number | null; dLdTUnscaled: number | null };
  maxAbsError: { soft: number; hard: number; dLdT: number | null };
}

/** Z(x) = (x − mean) / σ per row, σ = sqrt(unbiased var + ε²), and σ [B, 1] (as standardizeLogits). */
function zScore(x: Tensor, eps: number): { z: Tensor; sigma: Tensor } {
  const sigma = x
    .var(1, { keepdim: true })
    .add(eps * eps)
    .sqrt();
  return { z: x.sub(x.mean(1, true)).div(sigma), sigma };
}

/** The L2 norm of a tensor's elements, in float64 (a number for a report, not a graph op). */
export const l2Norm = (t: Tensor): number =>
  Math.sqrt(Array.from(t.toTypedArray()).reduce((s, v) => s + v * v, 0));
const norm = l2Norm;
const maxAbsDiff = (a: Tensor, b: Tensor) =>
  Array.from(a.toTypedArray()).reduce(
    (m, v, i) => Math.max(m, Math.abs(v - b.toTypedArray()[i]!)),
    0,
  );

/**
 * Builds the report for parts of a KD loss whose student logits `student` and temperature
 * require grad. `teacherLogits` (single teacher) enables the closed form of dL/dT.
 */
export function gradientReport(
  parts: KDParts,
  student: Tensor,
  labels: Labels,
  teacherLogits?: Tensor,
): GradientReport {
  const { alpha } = parts;
  const T = parts.temperature;
  const [B, C] = student.shape as [number, number];
  const y = toLabels(labels, B, C, 'gradientReport');
  const grad1 = (out: Tensor, wrt: Tensor) =>
    (out.requiresGrad
      ? autogradGrad(out, [wrt], { retainGraph: true, allowUnused: true })[0]
      : null) ?? noGrad(() => student.mul(0));
  const soft = grad1(parts.softLoss.mul(alpha), student);
  const softUnscaled = grad1(parts.kl.mul(alpha), student);
  const hard = grad1(parts.hardLoss.mul(1 - alpha), student);
  const total = noGrad(() => soft.add(hard));
  const tGrad = (out: Tensor) =>
    T.requiresGrad
      ? (autogradGrad(out, [T], { retainGraph: true, allowUnused: true })[0]?.item() ?? 0)
      : NaN;
  const dLdT = tGrad(parts.loss);
  const dLdTUnscaled = tGrad(parts.kl.mul(alpha));

  const closed = noGrad(() => {
    const Tv = T.item();
    const p = parts.teacherProbs.detach();
    const z = (x: Tensor) =>
      parts.standardized ? zScore(x, parts.standardized.eps) : { z: x, sigma: null };
    const zs = z(student.detach());
    const q = zs.z.div(Tv).softmax(1);
    const gz = q.sub(p).mul((alpha * Tv) / B);
    // through the z-score (LSKD): its Jacobian, in closed form
    const cfSoft =
      zs.sigma === null
        ? gz
        : gz
            .sub(gz.mean(1, true))
            .div(zs.sigma)
            .sub(zs.z.mul(gz.mul(zs.z).sum(1, true)).div(zs.sigma.mul(C - 1)));
    const onehot = tensor(
      Array.from({ length: B }, (_, i) =>
        Array.from({ length: C }, (_, c) => (c === y[i] ? 1 : 0)),
      ),
      { dtype: student.dtype },
    );
    const cfHard = student
      .detach()
      .softmax(1)
      .sub(onehot)
      .mul((1 - alpha) / B);
    let dKLdT: number | null = null;
    if (teacherLogits) {
      const s = zs.z;
      const t = z(teacherLogits.detach().to(s.dtype)).z;
      const Ep = (x: Tensor) => p.mul(x).sum(1, true);
      const ePs = Ep(s);
      const eQs = q.mul(s).sum(1, true);
      const d = t.sub(s);
      const cov = Ep(t.sub(Ep(t)).mul(d.sub(Ep(d))));
      dKLdT = ePs
        .sub(eQs)
        .div(Tv * Tv)
        .sub(cov.div(Tv ** 3))
        .mean()
        .item();
    }
    return { cfSoft, cfHard, dKLdT, Tv };
  });
  const klValue = parts.kl.item();
  const cfdT =
    closed.dKLdT === null
      ? null
      : alpha * (2 * closed.Tv * klValue + closed.Tv ** 2 * closed.dKLdT);
  const norms = {
    total: norm(total),
    soft: norm(soft),
    hard: norm(hard),
    softUnscaled: norm(softUnscaled),
  };
  const share = (a: number, b: number) => (a + b > 0 ? a / (a + b) : 0);
  return {
    temperature: T.item(),
    alpha,
    loss: parts.loss.item(),
    kl: klValue,
    softLoss: parts.softLoss.item(),
    hardLoss: parts.hardLoss.item(),
    grads: { total, soft, hard, softUnscaled },
    norms,
    softShare: {
      scaled: share(norms.soft, norms.hard),
      unscaled: share(norms.softUnscaled, norms.hard),
    },
    dLdT,
    dLdTUnscaled,
    closedForm: {
      soft: closed.cfSoft,
      hard: closed.cfHard,
      dLdT: cfdT,
      dLdTUnscaled: closed.dKLdT === null ? null : alpha * closed.dKLdT,
    },
    maxAbsError: {
      soft: maxAbsDiff(soft, closed.cfSoft),
      hard: maxAbsDiff(hard, closed.cfHard),
      dLdT: cfdT === null || Number.isNaN(dLdT) ? null : Math.abs(dLdT - cfdT),
    },
  };
}

/**
 * The report for the standard KD loss at one temperature, computed in float64 on copies of the
 * logits with T as a leaf, so dL/dT is available.
 */
export function inspectDistillation(
  studentLogits: Tensor,
  teacherLogits: Tensor,
  labels: Labels,
  opts: { temperature: number; alpha?: number },
): GradientReport {
  const s = studentLogits.detach().to('float64').requiresGrad_();
  const t = teacherLogits.detach().to('float64');
  const T = tensor(opts.temperature, { dtype: 'float64', requiresGrad: true });
  const parts = distillationParts(s, t, labels, { temperature: T, alpha: opts.alpha ?? 0.5 });
  return gradientReport(parts, s, labels, t);
}

/** 1 − 0.9 as 0.1, not 0.09999999999999998: a weight printed as a user would write it. */
const weight = (w: number) => String(Number(w.toPrecision(12)));

/** A plain-text rendering of a report. */
export function formatGradientReport(r: GradientReport): string {
  const f = (v: number | null) =>
    v === null ? '—' : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toFixed(5) : v.toExponential(3);
  return [
    `T = ${r.temperature}, alpha = ${r.alpha}`,
    `loss ${f(r.loss)} = ${r.alpha}·T²·KL (${f(r.softLoss)}) + ${weight(1 - r.alpha)}·CE (${f(r.hardLoss)}); KL = ${f(r.kl)}`,
    `‖dL/ds‖ ${f(r.norms.total)}: soft ${f(r.norms.soft)} (share ${(100 * r.softShare.scaled).toFixed(1)}%), hard ${f(r.norms.hard)}`,
    `without T²: soft ${f(r.norms.softUnscaled)} (share ${(100 * r.softShare.unscaled).toFixed(1)}%)`,
    `dL/dT: autograd ${f(r.dLdT)}, closed form ${f(r.closedForm.dLdT)}; without T²: ${f(r.dLdTUnscaled)} vs ${f(r.closedForm.dLdTUnscaled)}`,
    `closed forms vs autograd, max |Δ|: soft ${f(r.maxAbsError.soft)}, hard ${f(r.maxAbsError.hard)}, dL/dT ${f(r.maxAbsError.dLdT)}`,
  ].join('\n');
}
