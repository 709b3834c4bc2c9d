// SGD with PyTorch's update rule:
//   g ← ∇ + λ·p;  b ← μ·b + (1 − τ)·g  (b = g at the first step);
//   g ← g + μ·b (Nesterov) or g ← b;  p ← p − lr·g
import { backend } from '../../tensor/backend/index.js';
import type { TypedArray } from '../../tensor/dtype.js';
import { residentZeros } from '../../tensor/resident.js';
import { checkNonNegative, Optimizer, type ParamsArg } from './optimizer.js';

export interface SGDOptions {
  [k: string]: number | boolean;
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

export class SGD extends Optimizer<SGDOptions> {
  constructor(params: ParamsArg<SGDOptions>, opts: Partial<SGDOptions> & { lr: number }) {
    super(params, { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, ...opts });
  }

  protected validate(o: SGDOptions): void {
    for (const k of ['lr', 'momentum', 'dampening', 'weightDecay'] as const)
      checkNonNegative('SGD', k, o[k]);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0))
      throw new RangeError('SGD: Nesterov momentum requires momentum > 0 and dampening = 0');
  }

  protected update(
    p: TypedArray,
    grad: TypedArray,
    st: Record<string, number | TypedArray>,
    o: SGDOptions,
  ): void {
    const { lr, momentum: mu, weightDecay: wd, nesterov } = o;
    const n = p.length;
    if (mu === 0) {
      for (let i = 0; i < n; i++) p[i] = p[i]! - lr * (grad[i]! + wd * p[i]!);
      return;
    }
    let buf = st.momentumBuffer as TypedArray | undefined;
    if (!buf) {
      // the first step: b = g
      buf = st.momentumBuffer = residentZeros(p, n);
      for (let i = 0; i < n; i++) {
        const g = grad[i]! + wd * p[i]!;
        buf[i] = g;
        p[i] = p[i]! - lr * (nesterov ? g + mu * g : g);
      }
      return;
    }
    backend.sgdMomentum(p, grad, buf, o);
  }
}
