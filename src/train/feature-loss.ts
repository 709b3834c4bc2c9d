// The feature-distillation losses a training run can add, one entry each: name → what it is, its
// default weight, what a layer pair must satisfy and how to build its term. `--feature`, its help,
// the layer-pair checks, the trainer and `kdgrad compare`'s feature rows read this table. Adding
// one: its loss in src/distill/features.ts and one entry here.
import type { Tensor } from '../autograd/tensor.js';
import {
  attentionTransferLoss,
  hiddenRepresentationLoss,
  hintLoss,
  hintRegressorFor,
} from '../distill/features.js';
import { layerShapes } from '../nn/features.js';
import { Module } from '../nn/module.js';
import { formatShape } from '../tensor/shape.js';
import type { Generator } from '../tensor/random.js';

type Forward = Module & { forward(x: Tensor): Tensor };

/** One student layer taught by one teacher layer, with their output shapes (one sample). */
export interface LayerPair {
  student: string;
  teacher: string;
  studentShape: number[];
  teacherShape: number[];
}

/** A loss on one layer pair; `module` holds its learnable parts (FitNets' regressor), if any. */
export interface PairTerm {
  module: Module | null;
  loss(student: Tensor, teacher: Tensor): Tensor;
}

export interface FeatureLossEntry {
  /** One line for --feature's help. */
  summary: string;
  /** β, the weight of the term in the total loss, when --feature-weight is not given. */
  weight: number;
  /** What stops this loss from comparing these two shapes (one sample each), or null. */
  check(student: readonly number[], teacher: readonly number[]): string | null;
  /** Trains in FitNets' two stages too (--hint-epochs); `kdgrad compare` adds that row. */
  twoStage: boolean;
  make(pair: LayerPair, generator?: Generator): PairTerm;
}

export const FEATURE_LOSS_NAMES = ['hint', 'at', 'cosine'] as const;
export type FeatureLossName = (typeof FEATURE_LOSS_NAMES)[number];
/** The --feature choices: a loss, or none. */
export const FEATURE_CHOICES = ['none', ...FEATURE_LOSS_NAMES] as const;
export type FeatureChoice = (typeof FEATURE_CHOICES)[number];

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Averages consecutive groups of k values per sample: [B, n·k] → [B, n] (as avg_pool1d). */
function poolTo(t: Tensor, n: number): Tensor {
  const B = t.shape[0]!;
  const flat = t.reshape([B, -1]);
  const k = flat.shape[1]! / n;
  return k === 1 ? flat : flat.reshape([B, n, k]).mean(2);
}

export const FEATURE_LOSSES: Record<FeatureLossName, FeatureLossEntry> = {
  hint: {
    summary: "FitNets' hint: a learned convolution regresses the student's map onto the teacher's",
    // on the post-ReLU block outputs tapped here, RepDistiller's 100 (on pre-activations) lets
    // the hint swamp CE
    weight: 1,
    twoStage: true,
    check(s, t) {
      if (s.length !== 3 || t.length !== 3)
        return 'both layers must give [channels, height, width]';
      if (s[1]! < t[1]! || s[2]! < t[2]!)
        return (
          `a convolution cannot enlarge the student's ${s[1]}×${s[2]} ` +
          `to the teacher's ${t[1]}×${t[2]}`
        );
      return null;
    },
    make(pair, generator) {
      const regressor = hintRegressorFor(
        pair.studentShape,
        pair.teacherShape,
        generator ? { generator } : {},
      );
      return { module: regressor, loss: (s, t) => hintLoss(regressor.forward(s), t) };
    },
  },
  at: {
    summary: 'attention transfer (Zagoruyko & Komodakis 2017): maps of the channel mean of A²',
    // the paper's and RepDistiller's β
    weight: 1000,
    twoStage: false,
    check: (s, t) =>
      s.length !== 3 || t.length !== 3
        ? 'both layers must give [channels, height, width]'
        : s[1] !== t[1] || s[2] !== t[2]
          ? 'their maps must have the same height and width (channels may differ), ' +
            `got ${s[1]}×${s[2]} and ${t[1]}×${t[2]}`
          : null,
    make: () => ({ module: null, loss: (s, t) => attentionTransferLoss(s, t) }),
  },
  cosine: {
    summary:
      "the PyTorch tutorial's hidden-representation loss: 1 − cosine of the flattened features",
    // the tutorial's weight on the cosine term (0.25) against CE's 0.75, as a ratio
    weight: 1 / 3,
    twoStage: false,
    check(s, t) {
      const [ns, nt] = [size(s), size(t)];
      return nt % ns === 0
        ? null
        : `the teacher's ${nt} values per sample must pool onto the student's ${ns} ` +
            '(a whole multiple)';
    },
    // the teacher's flattened features averaged in groups down to the student's size, as the
    // tutorial does
    make: (pair) => {
      const n = size(pair.studentShape);
      return {
        module: null,
        loss: (s, t) => hiddenRepresentationLoss(s.reshape([s.shape[0]!, -1]), poolTo(t, n)),
      };
    },
  },
};

/**
 * The feature term of a distillation run: β · Σ over layer pairs of the loss, the regressors (if
 * any) as submodules so that the optimizer trains them and checkpoints save them.
 */
export class FeatureDistillation extends Module {
  /** The learnable parts, named regressors.0, regressors.1, … in checkpoints. */
  readonly regressors: Module[];
  private readonly losses: PairTerm[];
  constructor(
    readonly kind: FeatureLossName,
    readonly pairs: readonly LayerPair[],
    readonly weight: number,
    generator?: Generator,
  ) {
    super();
    this.losses = pairs.map((p) => FEATURE_LOSSES[kind].make(p, generator));
    this.regressors = this.losses.flatMap((l) => (l.module ? [l.module] : []));
  }

  get studentLayers(): string[] {
    return this.pairs.map((p) => p.student);
  }
  get teacherLayers(): string[] {
    return this.pairs.map((p) => p.teacher);
  }

  /** The unweighted sum over pairs (the caller multiplies by `weight`). */
  forward(student: Record<string, Tensor>, teacher: Record<string, Tensor>): Tensor {
    let total: Tensor | null = null;
    this.pairs.forEach((p, i) => {
      const l = this.losses[i]!.loss(student[p.student]!, teacher[p.teacher]!);
      total = total ? total.add(l) : l;
    });
    return total!;
  }
}

/** Parses 'layer3:layer3,layer2:layer2' ('name' alone: the same name in both). */
export function parseLayerPairs(spec: string): { student: string; teacher: string }[] {
  const parts = spec.split(',').map((s) => s.trim());
  return parts.map((p) => {
    const names = p.split(':').map((s) => s.trim());
    if (!p || names.length > 2 || names.some((n) => !n))
      throw new RangeError(
        'layer pairs are student:teacher names separated by commas ' +
          `(e.g. layer3:layer3,layer2:layer2), got ${JSON.stringify(spec)}`,
      );
    return { student: names[0]!, teacher: names[1] ?? names[0]! };
  });
}

/** The input shape of one CIFAR-10 image batch of two (eval mode, so batch norm does not mind). */
const PROBE: readonly number[] = [2, 3, 32, 32];

/**
 * The default pair: the last top-level layer of the student whose map is larger than 1×1, and the
 * last top-level layer of the teacher with a map of the same height and width.
 */
function defaultPair(
  s: ReturnType<typeof layerShapes>,
  t: ReturnType<typeof layerShapes>,
): { student: string; teacher: string } | null {
  const spatial = (l: { name: string; shape: number[] }) =>
    !l.name.includes('.') && l.shape.length === 4 && l.shape[2]! * l.shape[3]! > 1;
  for (const sl of s.filter(spatial).reverse()) {
    const tl = t
      .filter(spatial)
      .reverse()
      .find((x) => x.shape[2] === sl.shape[2] && x.shape[3] === sl.shape[3]);
    if (tl) return { student: sl.name, teacher: tl.name };
  }
  return null;
}

/**
 * The layer pairs of `spec` (or the default pair when it is absent) with their shapes, checked:
 * an unknown name lists the model's layers, a pair the loss cannot compare says why.
 */
export function resolveLayerPairs(
  kind: FeatureLossName,
  spec: string | undefined,
  student: Forward,
  teacher: Forward,
): LayerPair[] {
  const [s, t] = [layerShapes(student, PROBE), layerShapes(teacher, PROBE)];
  const wanted = spec === undefined ? defaultPair(s, t) : null;
  if (spec === undefined && !wanted)
    throw new RangeError(
      'no student and teacher layers with feature maps of the same size were found; ' +
        'give the pairs (kdgrad models --layers <model> lists the layers)',
    );
  const pairs = spec === undefined ? [wanted!] : parseLayerPairs(spec);
  return pairs.map(({ student: sn, teacher: tn }) => {
    const sl = s.find((l) => l.name === sn);
    const tl = t.find((l) => l.name === tn);
    for (const [who, name, found, all] of [
      ['student', sn, sl, s],
      ['teacher', tn, tl, t],
    ] as const)
      if (!found)
        throw new RangeError(
          `the ${who} has no layer named ${JSON.stringify(name)}; ` +
            `its layers are: ${all.map((l) => l.name).join(', ')}`,
        );
    const [ss, ts] = [sl!.shape.slice(1), tl!.shape.slice(1)];
    const problem = FEATURE_LOSSES[kind].check(ss, ts);
    if (problem)
      throw new RangeError(
        `${kind} on student ${sn} ${formatShape(ss)} ` +
          `and teacher ${tn} ${formatShape(ts)}: ${problem}`,
      );
    return { student: sn, teacher: tn, studentShape: ss, teacherShape: ts };
  });
}
