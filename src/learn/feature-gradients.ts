// Where each distillation loss enters the student: for one batch, the gradient norm that CE, logit
// KD, FitNets' hint and attention transfer each send to every layer, read off the graph. Logit
// losses enter at the output and reach every layer; a feature loss enters at its guided layer and
// reaches only the layers before it.
import { noGrad } from '../autograd/grad-mode.js';
import { autogradGrad } from '../autograd/engine.js';
import type { Tensor } from '../autograd/tensor.js';
import { toImageTensor } from '../data/transforms.js';
import { distillationParts } from '../distill/kd.js';
import type { ZooModel } from '../models/zoo.js';
import { forwardWithFeatures } from '../nn/features.js';
import { Generator } from '../tensor/random.js';
import { FEATURE_LOSSES, FeatureDistillation, resolveLayerPairs } from '../train/feature-loss.js';
import { l2Norm } from '../distill/inspect.js';
import { fmt, lesson, named, teacherLine } from './lesson.js';

/** The terms compared, each with the weight it has in a training run's total loss. */
const ALPHA = 0.9;
const T = 4;
export const TERMS = ['CE', 'KD', 'hint', 'attention'] as const;
export type Term = (typeof TERMS)[number];

export interface FeatureGradientLesson {
  /** The student's top-level layers that hold parameters, in forward order. */
  layers: { name: string; type: string }[];
  /** ‖∂(weighted term)/∂θ_layer‖ per term, one value per layer. */
  norms: Record<Term, number[]>;
  weights: Record<Term, number>;
  /** The student layer each feature term is attached to, and the teacher layer it copies. */
  guided: { student: string; teacher: string };
  conclusion: string;
}

/** A feature term whose gradient norm is below this sends nothing (the maps already agree). */
const NOTHING = 1e-12;

/**
 * The gradient norms per layer for one batch `x` with `labels`: (1 − α)·CE, α·T²·KL (T 4,
 * α 0.9),
 * and the hint and attention terms with their default β on `layers` (default pair when absent).
 */
export function featureGradientLesson(
  student: ZooModel,
  teacher: ZooModel,
  x: Tensor,
  labels: Int32Array,
  layers?: string,
): FeatureGradientLesson {
  // one pair for both feature terms: attention needs maps of the same size, which the hint
  // takes too
  const pair = resolveLayerPairs('at', layers, student, teacher)[0]!;
  const hint = new FeatureDistillation(
    'hint',
    [pair],
    FEATURE_LOSSES.hint.weight,
    new Generator(0),
  );
  const at = new FeatureDistillation('at', [pair], FEATURE_LOSSES.at.weight);
  const rows = student
    .namedChildren()
    .filter(([, m]) => m.parameters().length)
    .map(([name, m]) => ({ name, type: m.constructor.name, params: m.parameters() }));
  const all = rows.flatMap((r) => r.params);
  const names = [pair.student];
  const s = forwardWithFeatures(student, x, names);
  const t = noGrad(() => forwardWithFeatures(teacher, x, [pair.teacher]));
  const parts = distillationParts(s.output, t.output, labels, { temperature: T, alpha: ALPHA });
  const weights: Record<Term, number> = {
    CE: 1 - ALPHA,
    KD: ALPHA,
    hint: hint.weight,
    attention: at.weight,
  };
  const losses: Record<Term, Tensor> = {
    CE: parts.hardLoss.mul(weights.CE),
    KD: parts.softLoss.mul(weights.KD),
    hint: hint.forward(s.features, t.features).mul(weights.hint),
    attention: at.forward(s.features, t.features).mul(weights.attention),
  };
  const norms = {} as Record<Term, number[]>;
  for (const term of TERMS) {
    const grads = autogradGrad(losses[term], all, { retainGraph: true, allowUnused: true });
    const of = new Map(all.map((p, i) => [p, grads[i]]));
    // a parameter the term does not reach has no gradient: 0
    norms[term] = rows.map((r) =>
      Math.hypot(...r.params.map((p) => (of.get(p) ? l2Norm(of.get(p)!) : 0))),
    );
  }
  const out = {
    layers: rows.map(({ name, type }) => ({ name, type })),
    norms,
    weights,
    guided: { student: pair.student, teacher: pair.teacher },
  };
  return { ...out, conclusion: conclude(out) };
}

const ratio3 = (v: number) => v.toPrecision(3);

/** The readings, each chosen by the numbers. */
function conclude(r: Omit<FeatureGradientLesson, 'conclusion'>): string {
  const { layers, norms, guided } = r;
  const first = layers[0]!.name;
  const out: string[] = [];
  const reached = (term: Term) => layers.filter((_, i) => norms[term][i]! > 0).map((l) => l.name);
  const silent = (term: Term) => norms[term].every((v) => v < NOTHING);
  for (const term of ['hint', 'attention'] as const) {
    if (silent(term)) {
      out.push(
        `The ${term} term sends no gradient (under ${NOTHING}): the student's ${guided.student} ` +
          `already matches the teacher's ${guided.teacher} as this loss measures it, ` +
          'so it has nothing to transfer.',
      );
      continue;
    }
    const after = layers.filter((_, i) => norms[term][i] === 0).map((l) => l.name);
    out.push(
      after.length
        ? `The ${term} term reaches ${reached(term).join(', ')} and sends exactly nothing to ` +
            `${after.join(', ')}: the layers after the guided layer ${guided.student} ` +
            'are not in its graph.'
        : `The ${term} term reaches every layer with parameters, up to ${guided.student}.`,
    );
  }
  // float32 rounding leaves a trace of gradient where the exact one is 0: relative to CE's
  const kdSilent = Math.max(...norms.KD) < 1e-4 * Math.max(...norms.CE);
  if (kdSilent) {
    out.push(
      "KD sends next to nothing (under a ten-thousandth of CE's largest): " +
        "the student's logits already match the teacher's.",
    );
  } else if (!silent('attention') && !silent('hint')) {
    const ratio = (term: Term) => norms[term][0]! / norms.KD[0]!;
    const says = (term: Term) => {
      const q = ratio(term);
      return `${term} ${q >= 1 ? `${ratio3(q)}× larger` : `${ratio3(1 / q)}× smaller`}`;
    };
    out.push(
      `At the first layer (${first}) the feature terms' gradients compare with KD's as: ` +
        `${says('hint')}, ${says('attention')}; a feature loss with a larger one there ` +
        'steers the early layers more than the logits do.',
    );
  }
  const last = layers.length - 1;
  const [ce, kd] = [norms.CE[last]!, norms.KD[last]!];
  if (!kdSilent && ce > 0)
    out.push(
      `At the last layer (${layers[last]!.name}) KD's gradient is ` +
        `${kd >= ce ? `${ratio3(kd / ce)}× CE's` : `${ratio3(ce / kd)}× smaller than CE's`} ` +
        `with α ${ALPHA} and T ${T}.`,
    );
  return out.join(' ');
}

export const featureGradients = lesson<FeatureGradientLesson>({
  summary:
    'where each loss enters the student: the gradient CE, KD, hint and attention send each layer',
  images: 'sample',
  async run(ctx) {
    const x = toImageTensor(ctx.data.test, ctx.images, ctx.data.norm);
    return featureGradientLesson(
      (await ctx.student()).model,
      (await ctx.teacher()).model,
      x,
      ctx.labels,
    );
  },
  async report(r, ctx) {
    const w = (term: Term) => (r.weights[term] === 1 ? '' : `${+r.weights[term].toPrecision(3)}·`);
    return {
      title:
        `Where each loss enters: ${await teacherLine(ctx)}; ` +
        `student ${named(await ctx.student())}; ` +
        `feature terms on student ${r.guided.student} ← teacher ${r.guided.teacher}`,
      blocks: [
        {
          columns: ['layer', 'type', ...TERMS.map((t) => `‖∂(${w(t)}${t})/∂θ‖`)],
          align: ['left', 'left', ...TERMS.map(() => 'right' as const)],
          // an exact 0: the layer is outside the term's graph
          rows: r.layers.map((l, i) => [
            l.name,
            l.type,
            ...TERMS.map((t) => (r.norms[t][i] === 0 ? '0' : fmt(r.norms[t][i]!))),
          ]),
        },
      ],
      conclusion: r.conclusion,
    };
  },
});
