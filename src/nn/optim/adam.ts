// Adam (Kingma & Ba 2015) and AdamW (Loshchilov & Hutter 2019), PyTorch's update rules:
//   t ← t + 1;  g ← ∇ (+ λ·p for Adam's L2 decay);  AdamW instead: p ← p·(1 − lr·λ)
//   m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²
//   p ← p − lr/(1 − β1ᵗ) · m / (sqrt(v)/sqrt(1 − β2ᵗ) + ε)
import type { TypedArray } from '../../tensor/dtype.js';
import { checkNonNegative, Optimizer, type ParamsArg } from './optimizer.js';

export interface AdamOptions {
  [k: string]: number | boolean;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

abstract class AdamBase extends Optimizer<AdamOptions> {
  protected abstract readonly decoupled: boolean;

  protected validate(o: AdamOptions): void {
    for (const k of ['lr', 'eps', 'weightDecay'] as const)
      checkNonNegative(this.constructor.name, k, o[k]);
    for (const k of ['beta1', 'beta2'] as const) {
      if (!(o[k] >= 0 && o[k] < 1))
        throw new RangeError(`${this.constructor.name}: ${k} must be in [0, 1), got ${o[k]}`);
    }
  }

  protected update(
    p: TypedArray,
    grad: TypedArray,
    st: Record<string, number | TypedArray>,
    o: AdamOptions,
  ): void {
    const { lr, beta1: b1, beta2: b2, eps, weightDecay: wd } = o;
    const ctor = p.constructor as new (n: number) => TypedArray;
    const m = (st.expAvg ??= new ctor(p.length)) as TypedArray;
    const v = (st.expAvgSq ??= new ctor(p.length)) as TypedArray;
    const t = (st.step = ((st.step as number | undefined) ?? 0) + 1);
    const stepSize = lr / (1 - b1 ** t);
    const bc2 = Math.sqrt(1 - b2 ** t);
    for (let i = 0; i < p.length; i++) {
      if (this.decoupled) p[i] = p[i]! * (1 - lr * wd);
      const g = this.decoupled ? grad[i]! : grad[i]! + wd * p[i]!;
      m[i] = b1 * m[i]! + (1 - b1) * g;
      v[i] = b2 * v[i]! + (1 - b2) * g * g;
      p[i] = p[i]! - (stepSize * m[i]!) / (Math.sqrt(v[i]!) / bc2 + eps);
    }
  }
}

export class Adam extends AdamBase {
  protected readonly decoupled = false;
  constructor(params: ParamsArg<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    super(params, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, ...opts });
  }
}

/** Adam with decoupled weight decay (default 1e-2, as PyTorch). */
export class AdamW extends AdamBase {
  protected readonly decoupled = true;
  constructor(params: ParamsArg<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    super(params, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2, ...opts });
  }
}
