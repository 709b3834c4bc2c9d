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
  /** Logits of up to three teachers for the multi-teacher panel. */
  teachers: number[][];
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
    // a second teacher that swaps cat and dog, and a third, unsure one
    teachers: [
      [...p.teacher],
      p.teacher.map((v, i) => (i === 3 ? p.teacher[5]! : i === 5 ? p.teacher[3]! : v)),
      [0, 0, 1, 2, 1, 2, 1, 0, 0, 0],
    ],
  };
}

/** The T slider is logarithmic: position 0..1000 ↔ T in [0.1, 100] (high enough to see T²·KL reach its limit). */
export const T_MIN = 0.1;
export const T_MAX = 100;
export const sliderToTemperature = (pos: number) => T_MIN * (T_MAX / T_MIN) ** (pos / 1000);
export const temperatureToSlider = (T: number) =>
  Math.round((1000 * Math.log(T / T_MIN)) / Math.log(T_MAX / T_MIN));

export interface View {
  teacherProbs: number[];
  studentProbs: number[];
  loss: number;
  kl: number;
  softLoss: number;
  hardLoss: number;
  /** dL/ds split (autograd), with and without T², and the closed form α·T(q − p)/B. */
  grad: {
    soft: number[];
    hard: number[];
    total: number[];
    softUnscaled: number[];
    closedFormSoft: number[];
  };
  dLdT: number;
  dLdTClosedForm: number | null;
  /** KL, T²·KL and dL/dT against T, with the high-T limit of T²·KL. */
  curve: { T: number; kl: number; scaledKl: number; dLdT: number }[];
  highTLimit: number;
  /** The graph of the loss as a tree, T and T² nodes included. */
  graph: string;
  multi: {
    probs: number[];
    logits: number[];
    lossProbs: number;
    lossLogits: number;
    gradProbs: number[];
    gradLogits: number[];
  };
}

const row = (v: readonly number[]) => tensor([v], { dtype: 'float64' });
const flat = (t: Tensor) => Array.from(t.toTypedArray());

export function computeView(s: ExplorerState, curvePoints = 24): View {
  const student = row(s.student);
  const teacher = row(s.teacher);
  const r = inspectDistillation(student, teacher, [s.label], {
    temperature: s.temperature,
    alpha: s.alpha,
  });
  // the graph, with T as a leaf so every path through T shows
  const sLeaf = row(s.student).requiresGrad_().withLabel('s');
  const T = tensor(s.temperature, { dtype: 'float64', requiresGrad: true }).withLabel('T');
  const parts = new DistillationLoss({ temperature: T, alpha: s.alpha }).parts(
    sLeaf,
    teacher.withLabel('t'),
    [s.label],
  );
  retainGraphGrads(parts.loss);
  parts.loss.backward();
  const curve = Array.from({ length: curvePoints }, (_, i) => {
    const Tc = T_MIN * (T_MAX / T_MIN) ** (i / (curvePoints - 1));
    const Tt = tensor(Tc, { dtype: 'float64', requiresGrad: true });
    const p = new DistillationLoss({ temperature: Tt, alpha: s.alpha }).parts(student, teacher, [
      s.label,
    ]);
    return {
      T: Tc,
      kl: p.kl.item(),
      scaledKl: p.softLoss.item(),
      dLdT: autograd.grad(p.loss, [Tt])[0]!.item(),
    };
  });
  const cs = s.student.map((v) => v - s.student.reduce((a, b) => a + b, 0) / s.student.length);
  const ct = s.teacher.map((v) => v - s.teacher.reduce((a, b) => a + b, 0) / s.teacher.length);
  const highTLimit = cs.reduce((acc, v, i) => acc + (v - ct[i]!) ** 2, 0) / (2 * s.student.length);
  const multi = (average: 'probs' | 'logits') => {
    const sl = row(s.student).requiresGrad_();
    const p = new MultiTeacherDistillationLoss({
      temperature: s.temperature,
      alpha: s.alpha,
      average,
    }).parts(sl, s.teachers.map(row), [s.label]);
    p.loss.backward();
    return { probs: flat(p.teacherProbs), loss: p.loss.item(), grad: flat(sl.grad!) };
  };
  const mp = multi('probs');
  const ml = multi('logits');
  return {
    teacherProbs: flat(teacher.div(s.temperature).softmax(1)),
    studentProbs: flat(student.div(s.temperature).softmax(1)),
    loss: r.loss,
    kl: r.kl,
    softLoss: r.softLoss,
    hardLoss: r.hardLoss,
    grad: {
      soft: flat(r.grads.soft),
      hard: flat(r.grads.hard),
      total: flat(r.grads.total),
      softUnscaled: flat(r.grads.softUnscaled),
      closedFormSoft: flat(r.closedForm.soft),
    },
    dLdT: r.dLdT,
    dLdTClosedForm: r.closedForm.dLdT,
    curve,
    highTLimit,
    graph: toTree(parts.loss),
    multi: {
      probs: mp.probs,
      logits: ml.probs,
      lossProbs: mp.loss,
      lossLogits: ml.loss,
      gradProbs: mp.grad,
      gradLogits: ml.grad,
    },
  };
}
