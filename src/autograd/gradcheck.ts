// Finite-difference gradient checks, exported for users (as torch.autograd.gradcheck):
// J_numerical[k][j] = (f(x + eps e_k) - f(x - eps e_k))_j / 2eps versus the J from backward().
import { isFloat } from '../tensor/dtype.js';
import { Generator } from '../tensor/random.js';
import { TensorData } from '../tensor/storage.js';
import { autogradGrad } from './engine.js';
import { noGrad } from './grad-mode.js';
import { cat } from './ops/shape.js';
import { Tensor } from './tensor.js';

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6, as PyTorch). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
  /** Throw an Error with the report instead of returning ok: false. */
  raise?: boolean;
}

export interface GradcheckWorst {
  input: number;
  /** Flat (row-major) element index within that input. */
  element: number;
  /** Flat index of the output element. */
  output: number;
  analytical: number;
  numerical: number;
}

export interface GradcheckReport {
  ok: boolean;
  maxAbsError: number;
  maxRelError: number;
  worst: GradcheckWorst | null;
  /** Human-readable reasons, empty when ok. */
  failures: string[];
}

type Fn = (...xs: Tensor[]) => Tensor;

/** Jacobians as [input][inputElement * nOut + outputElement]. */
function analyticalJacobian(
  out: Tensor,
  xs: readonly Tensor[],
  diff: readonly number[],
): Float64Array[] {
  const nOut = out.numel();
  const jac = diff.map((i) => new Float64Array(xs[i]!.numel() * nOut));
  for (let j = 0; j < nOut; j++) {
    const seed = new TensorData(new Float64Array(nOut), out.shape);
    seed.data[j] = 1;
    const grads = autogradGrad(
      out,
      diff.map((i) => xs[i]!),
      {
        gradOutputs: [new Tensor(seed).to(out.dtype)],
        retainGraph: true,
        allowUnused: true,
      },
    );
    grads.forEach((g, q) => {
      if (!g) return;
      const values = g.toTypedArray();
      for (let k = 0; k < values.length; k++) jac[q]![k * nOut + j] = values[k]!;
    });
  }
  return jac;
}

function numericalJacobian(
  fn: Fn,
  xs: readonly Tensor[],
  diff: readonly number[],
  nOut: number,
  eps: number,
): Float64Array[] {
  return diff.map((i) => {
    const x = xs[i]!;
    const positions: number[] = [];
    x.storage.forEachOffset((_, at) => positions.push(at));
    const jac = new Float64Array(positions.length * nOut);
    const data = x.storage.data;
    positions.forEach((at, k) => {
      const orig = data[at]!;
      data[at] = orig + eps;
      const plus = fn(...xs).toTypedArray();
      data[at] = orig - eps;
      const minus = fn(...xs).toTypedArray();
      data[at] = orig;
      for (let j = 0; j < nOut; j++) jac[k * nOut + j] = (plus[j]! - minus[j]!) / (2 * eps);
    });
    return jac;
  });
}

/** float64 leaf copies (keeping non-contiguous layouts) of the inputs to differentiate. */
function float64Inputs(inputs: readonly Tensor[]): { xs: Tensor[]; diff: number[] } {
  const anyMarked = inputs.some((t) => t.requiresGrad);
  const diff: number[] = [];
  const xs = inputs.map((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`gradcheck: input ${i} is not a Tensor`);
    if (!isFloat(t.dtype) || (anyMarked && !t.requiresGrad)) return t;
    diff.push(i);
    const copy = new Float64Array(t.storage.data.length);
    copy.set(t.storage.data);
    return new Tensor(new TensorData(copy, t.shape, t.storage.strides, t.storage.offset), {
      requiresGrad: true,
    });
  });
  if (!diff.length) throw new Error('gradcheck: no floating input to differentiate');
  return { xs, diff };
}

export function gradcheck(
  fn: Fn,
  inputs: readonly Tensor[],
  opts: GradcheckOptions = {},
): GradcheckReport {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-3;
  const { xs, diff } = float64Inputs(inputs);
  const out = fn(...xs);
  if (!(out instanceof Tensor)) throw new TypeError('gradcheck: fn must return a Tensor');
  const failures: string[] = [];
  let worst: GradcheckWorst | null = null;
  let maxAbs = 0;
  let maxRel = 0;
  const nOut = out.numel();

  {
    // An output that does not require grad is constant in the inputs: its Jacobian is zero.
    const constant = !out.requiresGrad;
    const zeros = () => diff.map((i) => new Float64Array(xs[i]!.numel() * nOut));
    const analytical = constant ? zeros() : analyticalJacobian(out, xs, diff);
    const again = constant ? analytical : analyticalJacobian(out, xs, diff);
    const numerical = numericalJacobian(fn, xs, diff, nOut, eps);
    let worstExcess = 0;
    diff.forEach((input, q) => {
      const a = analytical[q]!;
      const n = numerical[q]!;
      for (let k = 0; k < a.length; k++) {
        const err = Math.abs(a[k]! - n[k]!);
        const rel = err / Math.max(Math.abs(n[k]!), 1e-300);
        const excess = err - (atol + rtol * Math.abs(n[k]!));
        if (err > maxAbs || Number.isNaN(err)) maxAbs = Number.isNaN(err) ? NaN : err;
        if (err > 0 && rel > maxRel) maxRel = rel;
        if (excess > worstExcess || (Number.isNaN(err) && !worst)) {
          worstExcess = Number.isNaN(err) ? Infinity : excess;
          worst = {
            input,
            element: Math.floor(k / nOut),
            output: k % nOut,
            analytical: a[k]!,
            numerical: n[k]!,
          };
        }
      }
      if (again[q]!.some((v, k) => v !== a[k] && !(Number.isNaN(v) && Number.isNaN(a[k]!)))) {
        failures.push(
          `input ${input}: backward run twice gave different gradients (non-deterministic backward)`,
        );
      }
    });
    if (worst) {
      const w = worst as GradcheckWorst;
      failures.push(
        `input ${w.input}, element ${w.element}, output ${w.output}: analytical ${w.analytical} vs numerical ${w.numerical} ` +
          `(atol ${atol}, rtol ${rtol})`,
      );
    }
    // A zero upstream gradient must give a zero gradient.
    const zero = new Tensor(TensorData.zeros(out.dtype, out.shape));
    const zg = constant
      ? []
      : autogradGrad(
          out,
          diff.map((i) => xs[i]!),
          { gradOutputs: [zero], retainGraph: true, allowUnused: true },
        );
    zg.forEach((g, q) => {
      if (g && g.toTypedArray().some((v) => v !== 0))
        failures.push(`input ${diff[q]}: a zero upstream gradient gave a non-zero gradient`);
    });
  }
  const report: GradcheckReport = {
    ok: failures.length === 0,
    maxAbsError: maxAbs,
    maxRelError: maxRel,
    worst,
    failures,
  };
  if (!report.ok && opts.raise) throw new Error(`gradcheck failed:\n  ${failures.join('\n  ')}`);
  return report;
}

/**
 * Second-order check: gradcheck of x -> (dfᵀv)(x) for a fixed random v, i.e. of the gradient
 * computed with createGraph (as torch.autograd.gradgradcheck).
 */
export function gradgradcheck(
  fn: Fn,
  inputs: readonly Tensor[],
  opts: GradcheckOptions & { seed?: number } = {},
): GradcheckReport {
  const probe = noGrad(() =>
    fn(...inputs.map((t) => (isFloat(t.dtype) ? t.detach().double() : t))),
  );
  const gen = new Generator(opts.seed ?? 0);
  const v = new TensorData(
    new Float64Array(probe.numel()).map(() => gen.normal()),
    probe.shape,
  );
  const firstOrder = (...ys: Tensor[]): Tensor => {
    const out = fn(...ys);
    const marked = ys.filter((y) => y.requiresGrad);
    const grads = autogradGrad(out, marked, {
      gradOutputs: [new Tensor(v).to(out.dtype)],
      createGraph: true,
      allowUnused: true,
    });
    return cat(
      grads.map((g, i) =>
        (g ?? new Tensor(TensorData.zeros(marked[i]!.dtype, marked[i]!.shape))).reshape([-1]),
      ),
    );
  };
  return gradcheck(firstOrder, inputs, opts);
}
