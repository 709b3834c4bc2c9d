// The explorer's state and everything it shows, computed with kdgrad's public API only
// (no second implementation of the math in the page).
import {
  DistillationLoss,
  MultiTeacherDistillationLoss,
  autograd,
  inspectDistillation,
  retainGraphGrads,
  tensor,
  toTree,
  type Tensor,
} from '../../src/index.js';

// CIFAR-10's classes: the explorer works on one image's 10 logits.
export const CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
] as const;

export interface ExplorerState {
  teacher: number[];
  student: number[];
  label: number;
  temperature: number;
  alpha: number;
  /** The soft term multiplied by T² (the "remove T²" switch turns it off). */
  withT2: boolean;
}

/**
 * The multi-teacher panel's teachers, derived from panel 1's teacher so moving its logits moves
 * them: that teacher, one that swaps its two most likely classes, and one a third as confident.
 */
export function teachersOf(teacher: readonly number[]): number[][] {
  const order = teacher.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]);
  const [first, second] = [order[0]![1], order[1]![1]];
  const swapped = teacher.map((v, i) =>
    i === first ? teacher[second]! : i === second ? teacher[first]! : v,
  );
  return [[...teacher], swapped, teacher.map((v) => v / 3)];
}

export const PRESETS: Record<
  string,
  { label: string; teacher: number[]; student: number[]; y: number }
> = {
  // a cat image: the teacher also finds it a bit like a dog, a deer or a frog
  confident: {
    label: 'confident teacher',
    teacher: [-2, -3, 1, 9, 2, 5, 1.5, 0, -2.5, -3],
    student: [0, -0.5, 0.5, 2, 0.5, 1, 0.5, 0, 0, -0.5],
    y: 3,
  },
  uncertain: {
    label: 'uncertain teacher',
    teacher: [-1, -1.5, 0.5, 2.5, 1, 2.2, 0.8, 0.3, -1, -1.2],
    student: [0, 0, 0.5, 1, 0.5, 1, 0.5, 0, 0, 0],
    y: 3,
  },
  wrong: {
    label: 'wrong student',
    teacher: [-2, -3, 1, 7, 2, 4, 1, 0, -2, -3],
    student: [0, 0, 0.5, 1, 0.5, 4, 0.5, 0, 0, 0],
    y: 3,
  },
};

export function initialState(preset: keyof typeof PRESETS = 'confident'): ExplorerState {
  const p = PRESETS[preset]!;
  return {
    teacher: [...p.teacher],
    student: [...p.student],
    label: p.y,
    temperature: 4,
    alpha: 0.5,
    withT2: true,
  };
}

/** The T slider is logarithmic: position 0..1000 ↔ T in [0.1, 100] (high enough to see T²·KL reach its limit). */
export const T_MIN = 0.1;
export const T_MAX = 100;
export const sliderToTemperature = (pos: number) => T_MIN * (T_MAX / T_MIN) ** (pos / 1000);
export const temperatureToSlider = (T: number) =>
  Math.round((1000 * Math.log(T / T_MIN)) / Math.log(T_MAX / T_MIN));

/** A node of the loss's graph: a tensor, the op that made it, and its gradient's size. */
export interface GraphNode {
  /** Stable within one graph: n1 is the loss, then in the order the graph is walked. */
  id: string;
  /** The tensor's label (s, t, T, T², KL, …) or its op. */
  name: string;
  op: string;
  shape: number[];
  /** The value of a one-element tensor, else null. */
  value: number | null;
  /** ‖grad‖ after backward (null when the tensor has none). */
  grad: number | null;
  /** T and T²: the nodes the page highlights. */
  highlight: boolean;
}

/** Nodes and edges of the graph that produced `root` (after backward with retained grads). */
export function graphOf(root: Tensor): { nodes: GraphNode[]; edges: [string, string][] } {
  const tensors = autograd.graphTensors(root);
  const id = new Map(tensors.map((t, i) => [t, `n${i + 1}`]));
  const norm = (g: Tensor) => Math.sqrt(flat(g).reduce((a, v) => a + v * v, 0));
  const nodes = tensors.map((t) => {
    const op = t.gradFn?.op ?? (t.requiresGrad ? 'leaf' : 'const');
    return {
      id: id.get(t)!,
      name: t.label ?? op,
      op,
      shape: [...t.shape],
      value: t.numel() === 1 ? t.item() : null,
      grad: t.grad ? norm(t.grad) : null,
      highlight: t.label === 'T' || t.label === 'T²',
    };
  });
  const edges = tensors.flatMap((t) =>
    (t.gradFn?.inputs ?? []).map((x): [string, string] => [id.get(x)!, id.get(t)!]),
  );
  return { nodes, edges };
}

export interface View {
  teacherProbs: number[];
  studentProbs: number[];
  /** The loss as the switch has it: α·T²·KL + (1 − α)·CE, or α·KL + (1 − α)·CE without T². */
  loss: number;
  kl: number;
  /** The soft term as it enters the loss (T²·KL, or KL without T²). */
  softLoss: number;
  hardLoss: number;
  withT2: boolean;
  /** dL/ds split (autograd): the soft part as the switch has it, and without T² always. */
  grad: {
    soft: number[];
    hard: number[];
    total: number[];
    softUnscaled: number[];
    closedFormSoft: number[];
  };
  dLdT: number;
  dLdTClosedForm: number | null;
  /**
   * Against T: KL, T²·KL, dL/dT (as the switch has it) and the size of the soft gradient
   * ‖α·∂(T²·KL)/∂s‖ and ‖α·∂KL/∂s‖ (the "why T²" picture), with the high-T limit of T²·KL.
   */
  curve: {
    T: number;
    kl: number;
    scaledKl: number;
    dLdT: number;
    gradScaled: number;
    gradUnscaled: number;
  }[];
  highTLimit: number;
  /** The graph of the loss as a tree, T and T² nodes included. */
  graph: string;
  /** The same graph as nodes and edges (inputs → output), for the drawn picture. */
  nodes: GraphNode[];
  edges: [string, string][];
  multi: {
    teachers: number[][];
    probs: number[];
    logits: number[];
    /** The whole loss, and its soft term (T²·KL, or KL without T²), per way of averaging. */
    lossProbs: number;
    lossLogits: number;
    softProbs: number;
    softLogits: number;
    gradProbs: number[];
    gradLogits: number[];
  };
}

/**
 * The tree with its node ids renumbered #1, #2, … in order of appearance: the engine's ids grow
 * with every graph built, so the same loss would otherwise read differently on every update.
 */
export function stableIds(tree: string): string {
  const ids = new Map<string, number>();
  return tree.replace(/#(\d+)/g, (_, id: string) => {
    if (!ids.has(id)) ids.set(id, ids.size + 1);
    return `#${ids.get(id)!}`;
  });
}

/** How the page prints a number: exact zeros as 0, four decimals in [1e-3, 1e4), else 3 digits. */
export const fmt = (v: number | null): string =>
  v === null
    ? '—'
    : v === 0
      ? '0'
      : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4
        ? v.toFixed(4)
        : v.toExponential(2);

const row = (v: readonly number[]) => tensor([v], { dtype: 'float64' });
const flat = (t: Tensor) => Array.from(t.toTypedArray());

export function computeView(s: ExplorerState, curvePoints = 24): View {
  const student = row(s.student);
  const teacher = row(s.teacher);
  const { alpha, withT2 } = s;
  const r = inspectDistillation(student, teacher, [s.label], {
    temperature: s.temperature,
    alpha,
  });
  // the graph, with T as a leaf so every path through T shows; without T² the loss is built from
  // the library's parts as α·KL + (1 − α)·CE, so the T² node leaves the graph
  const sLeaf = row(s.student).requiresGrad_().withLabel('s');
  const T = tensor(s.temperature, { dtype: 'float64', requiresGrad: true }).withLabel('T');
  const parts = new DistillationLoss({ temperature: T, alpha }).parts(
    sLeaf,
    teacher.withLabel('t'),
    [s.label],
  );
  const loss = withT2 ? parts.loss : parts.kl.mul(alpha).add(parts.hardLoss.mul(1 - alpha));
  retainGraphGrads(loss);
  loss.backward();
  const curve = Array.from({ length: curvePoints }, (_, i) => {
    const Tc = T_MIN * (T_MAX / T_MIN) ** (i / (curvePoints - 1));
    const Tt = tensor(Tc, { dtype: 'float64', requiresGrad: true });
    const p = new DistillationLoss({ temperature: Tt, alpha }).parts(student, teacher, [s.label]);
    const at = inspectDistillation(student, teacher, [s.label], { temperature: Tc, alpha });
    const L = withT2 ? p.loss : p.kl.mul(alpha).add(p.hardLoss.mul(1 - alpha));
    return {
      T: Tc,
      kl: p.kl.item(),
      scaledKl: p.softLoss.item(),
      dLdT: autograd.grad(L, [Tt])[0]!.item(),
      gradScaled: at.norms.soft,
      gradUnscaled: at.norms.softUnscaled,
    };
  });
  const cs = s.student.map((v) => v - s.student.reduce((a, b) => a + b, 0) / s.student.length);
  const ct = s.teacher.map((v) => v - s.teacher.reduce((a, b) => a + b, 0) / s.teacher.length);
  const highTLimit = cs.reduce((acc, v, i) => acc + (v - ct[i]!) ** 2, 0) / (2 * s.student.length);
  const teachers = teachersOf(s.teacher);
  const multi = (average: 'probs' | 'logits') => {
    const sl = row(s.student).requiresGrad_();
    const p = new MultiTeacherDistillationLoss({
      temperature: s.temperature,
      alpha,
      average,
    }).parts(sl, teachers.map(row), [s.label]);
    const L = withT2 ? p.loss : p.kl.mul(alpha).add(p.hardLoss.mul(1 - alpha));
    L.backward();
    const soft = withT2 ? p.softLoss : p.kl;
    return { probs: flat(p.teacherProbs), loss: L.item(), soft: soft.item(), grad: flat(sl.grad!) };
  };
  const mp = multi('probs');
  const ml = multi('logits');
  const T2 = s.temperature ** 2;
  const soft = withT2 ? flat(r.grads.soft) : flat(r.grads.softUnscaled);
  const hard = flat(r.grads.hard);
  return {
    teacherProbs: flat(teacher.div(s.temperature).softmax(1)),
    studentProbs: flat(student.div(s.temperature).softmax(1)),
    loss: withT2 ? r.loss : alpha * r.kl + (1 - alpha) * r.hardLoss,
    kl: r.kl,
    softLoss: withT2 ? r.softLoss : r.kl,
    hardLoss: r.hardLoss,
    withT2,
    grad: {
      soft,
      hard,
      total: withT2 ? flat(r.grads.total) : soft.map((g, i) => g + hard[i]!),
      softUnscaled: flat(r.grads.softUnscaled),
      closedFormSoft: flat(r.closedForm.soft).map((g) => (withT2 ? g : g / T2)),
    },
    dLdT: withT2 ? r.dLdT : r.dLdTUnscaled,
    dLdTClosedForm: withT2 ? r.closedForm.dLdT : r.closedForm.dLdTUnscaled,
    curve,
    highTLimit,
    graph: stableIds(toTree(loss)),
    ...graphOf(loss),
    multi: {
      teachers,
      probs: mp.probs,
      logits: ml.probs,
      lossProbs: mp.loss,
      lossLogits: ml.loss,
      softProbs: mp.soft,
      softLogits: ml.soft,
      gradProbs: mp.grad,
      gradLogits: ml.grad,
    },
  };
}
