// Lessons: Hinton et al.'s claims about distillation, each computed on given logits and ending in
// a conclusion drawn from the numbers. `kdgrad learn <topic>` runs them on real networks' logits.
import { autogradGrad } from '../autograd/engine.js';
import { noGrad } from '../autograd/grad-mode.js';
import type { Tensor } from '../autograd/tensor.js';
import { tensor } from '../autograd/creation.js';
import { gradientReport } from '../distill/inspect.js';
import { distillationParts } from '../distill/kd.js';
import { Adam } from '../nn/optim/adam.js';
import { Parameter } from '../nn/parameter.js';

const norm = (t: Tensor) => Math.sqrt(Array.from(t.toTypedArray()).reduce((s, v) => s + v * v, 0));
/** Slope of log y against log x between two points. */
const slope = (x0: number, y0: number, x1: number, y1: number) =>
  Math.log(y1 / y0) / Math.log(x1 / x0);

export interface TSquaredLesson {
  rows: { T: number; softUnscaled: number; softScaled: number }[];
  /** log-log slope of ‖∂KL/∂s‖ against T over the two lowest and the two highest temperatures. */
  lowSlope: number;
  highSlope: number;
  /** max / min of ‖∂(T²·KL)/∂s‖ over the high-T half of the rows. */
  scaledSpreadHigh: number;
  conclusion: string;
}

/**
 * Why T²: the soft gradient ‖∂KL/∂s‖ falls like 1/T² at high T — not at low T — while the
 * T²-scaled one levels off, so T² keeps the soft term's weight against CE as T changes.
 */
export function tSquaredLesson(
  student: Tensor,
  teacher: Tensor,
  labels: number[] | Int32Array,
  temperatures = [0.25, 0.5, 1, 2, 4, 8, 16, 32, 64],
): TSquaredLesson {
  const s = student.detach().to('float64').requiresGrad_();
  const t = teacher.detach().to('float64');
  const rows = temperatures.map((T) => {
    const p = distillationParts(s, t, labels, { temperature: T, alpha: 1 });
    const [g] = autogradGrad(p.kl, [s], { retainGraph: true });
    const u = norm(g!);
    return { T, softUnscaled: u, softScaled: u * T * T };
  });
  const [a, b] = [rows[0]!, rows[1]!];
  const [y, z] = [rows.at(-2)!, rows.at(-1)!];
  const lowSlope = slope(a.T, a.softUnscaled, b.T, b.softUnscaled);
  const highSlope = slope(y.T, y.softUnscaled, z.T, z.softUnscaled);
  const high = rows.slice(Math.floor(rows.length / 2)).map((r) => r.softScaled);
  const scaledSpreadHigh = Math.max(...high) / Math.min(...high);
  const f = (v: number) => v.toFixed(2);
  const conclusion =
    `From T = ${y.T} to ${z.T} the unscaled soft gradient falls as T^${f(highSlope)}` +
    `${Math.abs(highSlope + 2) < 0.15 ? ' (≈ 1/T²)' : ''}, while from T = ${a.T} to ${b.T}` +
    ` it goes as T^${f(lowSlope)}${Math.abs(lowSlope + 2) > 0.3 ? ' — the 1/T² law holds only at high T' : ''}.` +
    ' Multiplied by T², the gradient varies by' +
    ` ×${f(scaledSpreadHigh)} over T ≥ ${rows[Math.floor(rows.length / 2)]!.T}:` +
    " T² keeps the soft term's scale, so α means the same at any high T.";
  return { rows, lowSlope, highSlope, scaledSpreadHigh, conclusion };
}

export interface LogitMatchingLesson {
  rows: { T: number; relativeError: number }[];
  /** log-log slope of the relative error against T over the two highest temperatures. */
  slope: number;
  conclusion: string;
}

/**
 * At high T, KD is logit matching: per sample, ∂KL/∂s ≈ (z_s − z_t) / (N·T²) for zero-mean
 * logits z (N classes). The relative error of that approximation against autograd falls like 1/T.
 */
export function logitMatchingLesson(
  student: Tensor,
  teacher: Tensor,
  temperatures = [1, 2, 4, 8, 16, 32, 64],
): LogitMatchingLesson {
  const center = (x: Tensor) => x.sub(x.mean(1, true));
  const zs = noGrad(() => center(student.detach().to('float64')));
  const zt = noGrad(() => center(teacher.detach().to('float64')));
  const [B, N] = zs.shape as [number, number];
  const labels = new Array<number>(B).fill(0);
  const rows = temperatures.map((T) => {
    const s = zs.clone().requiresGrad_();
    const p = distillationParts(s, zt, labels, { temperature: T, alpha: 1 });
    const [g] = autogradGrad(p.kl, [s]);
    // batchmean divides by B: per sample the gradient is B times the batch's
    const exact = g!.mul(B);
    const approx = noGrad(() => zs.sub(zt).div(N * T * T));
    return { T, relativeError: norm(noGrad(() => exact.sub(approx))) / norm(exact) };
  });
  const [y, z] = [rows.at(-2)!, rows.at(-1)!];
  const sl = slope(y.T, y.relativeError, z.T, z.relativeError);
  const first = rows[0]!;
  const conclusion =
    `The relative error of (z_s − z_t)/(N·T²) falls from ${(100 * first.relativeError).toFixed(1)}%` +
    ` at T = ${first.T} to ${(100 * z.relativeError).toFixed(2)}% at T = ${z.T},` +
    ` as T^${sl.toFixed(2)}${Math.abs(sl + 1) < 0.2 ? ' (≈ 1/T)' : ''}: at high temperature the KD gradient is` +
    ' the gradient of ½‖z_s − z_t‖²/(N·T²) — matching centred logits.';
  return { rows, slope: sl, conclusion };
}

export interface DarkKnowledgeLesson {
  /** Per true class: the teacher's most probable wrong class, its mean probability at each T. */
  rows: { cls: string; images: number; nearest: string; probability: Record<string, number> }[];
  /** Classes with no image among those used: left out of the rows and the conclusion. */
  missing: string[];
  /** Pairs (a → b, b → a) that name each other. */
  mutual: [string, string][];
  conclusion: string;
}

/**
 * Dark knowledge: the teacher's soft targets for images of a class, averaged, put most of their
 * wrong-class mass on a few similar classes — visible at T = 1 only in tiny numbers, at T = 4 clearly.
 */
export function darkKnowledgeLesson(
  teacherLogits: Tensor,
  labels: ArrayLike<number>,
  names: readonly string[],
  temperatures = [1, 4],
): DarkKnowledgeLesson {
  const C = names.length;
  const probsAt = (T: number) =>
    noGrad(() => teacherLogits.detach().to('float64').div(T).softmax(1)).toArray<number[][]>();
  const byT = Object.fromEntries(temperatures.map((T) => [T, probsAt(T)])) as Record<
    number,
    number[][]
  >;
  const mean = (T: number, c: number) => {
    const acc = new Array<number>(C).fill(0);
    let n = 0;
    byT[T]!.forEach((row, i) => {
      if (labels[i] === c) {
        n++;
        row.forEach((v, k) => {
          acc[k]! += v;
        });
      }
    });
    return acc.map((v) => v / Math.max(n, 1));
  };
  const Thi = temperatures.at(-1)!;
  const count = (c: number) => Array.from(labels).filter((y) => y === c).length;
  const present = names.map((_, c) => c).filter((c) => count(c) > 0);
  const missing = names.filter((_, c) => count(c) === 0);
  const rows = present.map((c) => {
    const cls = names[c]!;
    const m = mean(Thi, c);
    let nearest = c === 0 ? 1 : 0;
    m.forEach((v, k) => {
      if (k !== c && v > m[nearest]!) nearest = k;
    });
    const probability = Object.fromEntries(
      temperatures.map((T) => [`T=${T}`, mean(T, c)[nearest]!]),
    );
    return { cls, images: count(c), nearest: names[nearest]!, probability };
  });
  const mutual: [string, string][] = [];
  rows.forEach((r) => {
    const back = rows.find((x) => x.cls === r.nearest);
    if (back?.nearest === r.cls && r.cls < r.nearest) mutual.push([r.cls, r.nearest]);
  });
  const lo = `T=${temperatures[0]}`;
  const hi = `T=${Thi}`;
  if (rows.length < 2) {
    const conclusion = `Inconclusive: ${rows.length} of ${C} classes have images among the ${labels.length} used (${missing.join(', ')} have none); use more images.`;
    return { rows, missing, mutual, conclusion };
  }
  const left = missing.length
    ? ` (${missing.length} class${missing.length === 1 ? '' : 'es'} without images left out: ${missing.join(', ')})`
    : '';
  const ratio = rows.reduce((s, r) => s + r.probability[hi]! / r.probability[lo]!, 0) / rows.length;
  const conclusion =
    `${mutual.length} pair${mutual.length === 1 ? '' : 's'} of classes name each other as nearest` +
    `${mutual.length ? ` (${mutual.map(([a, b]) => `${a} ↔ ${b}`).join(', ')})` : ''};` +
    ` raising T from ${temperatures[0]} to ${Thi}` +
    ` multiplies the nearest wrong class's probability by ${ratio.toFixed(1)} on average:` +
    ' that is the similarity structure a student learns from soft targets and not from labels' +
    `${left}.`;
  return { rows, missing, mutual, conclusion };
}

export interface LearnedTLesson {
  /** dL/dT by autograd and by the closed form (KD-IDENTITIES 6), with and without T², per T. */
  rows: {
    T: number;
    kl: number;
    softLoss: number;
    dKLdT: number;
    dSoftdT: number;
    closedFormError: number;
  }[];
  /** Plain descent on log T from `start`, once on KL and once on T²·KL, the logits fixed. */
  descent: { scaled: boolean; path: { step: number; T: number; loss: number }[] }[];
  conclusion: string;
}

/**
 * The gradient through T, and what learning T does. dL/dT is checked against its closed form;
 * then T = exp(θ) is learned by Adam on θ with the logits fixed. Descent on the loss the student
 * minimises drives T to an end of its range: up without T² (KL → 0 as T → ∞), down with it
 * (T²·KL → 0 as T → 0 when the argmaxes agree, and like T·margin when they do not).
 */
export function learnedTLesson(
  student: Tensor,
  teacher: Tensor,
  labels: number[] | Int32Array,
  o: { temperatures?: number[]; start?: number; steps?: number; lr?: number } = {},
): LearnedTLesson {
  const s = student.detach().to('float64');
  const t = teacher.detach().to('float64');
  const rows = (o.temperatures ?? [0.5, 1, 2, 4, 8, 16, 32]).map((Tv) => {
    const T = tensor(Tv, { dtype: 'float64' }).requiresGrad_();
    const sg = s.clone().requiresGrad_();
    const parts = distillationParts(sg, t, labels, { temperature: T, alpha: 1 });
    const r = gradientReport(parts, sg, labels, t);
    return {
      T: Tv,
      kl: parts.kl.item(),
      softLoss: parts.softLoss.item(),
      dKLdT: r.dLdTUnscaled,
      dSoftdT: r.dLdT,
      closedFormError: Math.max(
        Math.abs(r.dLdT - r.closedForm.dLdT!) / Math.max(Math.abs(r.dLdT), 1e-300),
        Math.abs(r.dLdTUnscaled - r.closedForm.dLdTUnscaled!) /
          Math.max(Math.abs(r.dLdTUnscaled), 1e-300),
      ),
    };
  });
  const start = o.start ?? 4;
  const steps = o.steps ?? 200;
  const descent = [false, true].map((scaled) => {
    const theta = new Parameter(tensor(Math.log(start), { dtype: 'float64' }));
    const opt = new Adam([theta], { lr: o.lr ?? 0.05 });
    const path: { step: number; T: number; loss: number }[] = [];
    for (let step = 0; step <= steps; step++) {
      const T = theta.exp();
      const parts = distillationParts(s, t, labels, { temperature: T, alpha: 1 });
      const loss = scaled ? parts.softLoss : parts.kl;
      const shown = step % Math.max(1, Math.round(steps / 8)) === 0 || step === steps;
      if (shown) path.push({ step, T: T.item(), loss: loss.item() });
      if (step === steps) break;
      opt.zeroGrad();
      loss.backward();
      opt.step();
    }
    return { scaled, path };
  });
  const worst = Math.max(...rows.map((r) => r.closedFormError));
  const move = (d: (typeof descent)[number]) => {
    const [a, b] = [d.path[0]!, d.path.at(-1)!];
    const dir = b.T > a.T ? 'up' : 'down';
    return (
      `${d.scaled ? 'T²·KL' : 'KL'}: T ${dir} from ${a.T} to ${b.T.toPrecision(3)},` +
      ` loss ${a.loss.toPrecision(3)} → ${b.loss.toPrecision(3)}`
    );
  };
  const [plain, scaled] = descent as [(typeof descent)[0], (typeof descent)[0]];
  const opposite = plain.path.at(-1)!.T > start !== scaled.path.at(-1)!.T > start;
  const conclusion =
    `Autograd's dL/dT matches the closed form to ${worst.toExponential(1)} (relative) at every T.` +
    ` Descent on T, the logits fixed — ${move(plain)}; ${move(scaled)}.` +
    (opposite
      ? " The two losses send T opposite ways, each towards the end where it vanishes: minimising the student's loss" +
        ' over T finds a degenerate temperature, so a learned T needs another objective (CTKD, for one, learns it' +
        ' adversarially, within bounds).'
      : ' Both losses moved T the same way here.');
  return { rows, descent, conclusion };
}

export interface SeveralTeachersLesson {
  /** Test accuracy of each teacher alone (argmax of its logits). */
  teachers: { name: string; accuracy: number }[];
  /** Per T: both ensemble targets, their mean entropy and top probability, accuracy, disagreement. */
  rows: {
    T: number;
    probs: { entropy: number; top: number; accuracy: number };
    logits: { entropy: number; top: number; accuracy: number };
    /** fraction of images whose two targets name different top classes */
    disagree: number;
    /** mean KL(probability average ‖ logit average) */
    kl: number;
  }[];
  conclusion: string;
}

/**
 * Several teachers on real images: the target as the average of the teachers' softened
 * probabilities (the seed's MultiTeacherDistillationLoss) against softmax of their averaged
 * logits, per T: how soft each is (entropy, top probability), how often they disagree, and how
 * accurate each ensemble is against each teacher alone.
 */
export function severalTeachersLesson(
  logits: readonly Tensor[],
  labels: ArrayLike<number>,
  names: readonly string[],
  temperatures = [1, 4],
): SeveralTeachersLesson {
  if (logits.length < 2)
    throw new RangeError(`severalTeachersLesson: needs at least 2 teachers, got ${logits.length}`);
  const z = logits.map((t) => t.detach().to('float64'));
  const [B, C] = z[0]!.shape as [number, number];
  const rowsOf = (t: Tensor) => t.toArray<number[][]>();
  const top = (row: number[]) => row.indexOf(Math.max(...row));
  const accuracy = (p: number[][]) =>
    p.reduce((s, row, i) => s + (top(row) === labels[i] ? 1 : 0), 0) / B;
  const teachers = z.map((t, k) => ({
    name: names[k] ?? `teacher ${k + 1}`,
    accuracy: accuracy(rowsOf(t)),
  }));
  const rows = temperatures.map((T) => {
    const probs = rowsOf(
      noGrad(() =>
        z
          .map((t) => t.div(T).softmax(1))
          .reduce((a, b) => a.add(b))
          .div(z.length),
      ),
    );
    const logitsAvg = rowsOf(
      noGrad(() =>
        z
          .reduce((a, b) => a.add(b))
          .div(z.length)
          .div(T)
          .softmax(1),
      ),
    );
    const stats = (p: number[][]) => ({
      entropy:
        p.reduce((s, row) => s - row.reduce((h, v) => h + (v > 0 ? v * Math.log(v) : 0), 0), 0) / B,
      top: p.reduce((s, row) => s + Math.max(...row), 0) / B,
      accuracy: accuracy(p),
    });
    let disagree = 0;
    let kl = 0;
    probs.forEach((p, i) => {
      const q = logitsAvg[i]!;
      if (top(p) !== top(q)) disagree++;
      kl += p.reduce((s, v, c) => s + (v > 0 ? v * (Math.log(v) - Math.log(q[c]!)) : 0), 0);
    });
    return { T, probs: stats(probs), logits: stats(logitsAvg), disagree: disagree / B, kl: kl / B };
  });
  const hi = rows.at(-1)!;
  const best = teachers.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  const lo = rows[0]!;
  const soft = (r: (typeof rows)[number]) =>
    `${r.probs.entropy > r.logits.entropy ? 'probability' : 'logit'} average`;
  const ens = Math.max(lo.probs.accuracy, lo.logits.accuracy);
  const conclusion =
    `At T = ${lo.T} the ${soft(lo)} is the softer target (mean entropy ${lo.probs.entropy.toFixed(3)}` +
    ` nats for probabilities, ${lo.logits.entropy.toFixed(3)} for logits,` +
    ` of at most ${Math.log(C).toFixed(3)}); the two` +
    ` name different top classes on ${pct(lo.disagree)} of the images, KL ${lo.kl.toFixed(4)} apart.` +
    ` At T = ${hi.T} the ${soft(hi)} is softer` +
    ` (${hi.probs.entropy.toFixed(3)} against ${hi.logits.entropy.toFixed(3)}),` +
    ` ${hi.kl < lo.kl ? 'and the targets are closer' : 'and the targets are further apart'}: KL ${hi.kl.toFixed(4)},` +
    ` top classes differ on ${pct(hi.disagree)}. As classifiers the ensembles reach` +
    ` ${pct(lo.probs.accuracy)} (probabilities, T = ${lo.T}) and ${pct(lo.logits.accuracy)} (logits)` +
    ` against ${pct(best.accuracy)} for the best teacher alone (${best.name})` +
    (ens > best.accuracy
      ? ': the combined target is more accurate than either teacher.'
      : ': combining did not beat the best teacher here.');
  return { teachers, rows, conclusion };
}
