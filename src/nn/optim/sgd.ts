// SGD with PyTorch's update rule:
//   g ← ∇ + λ·p;  b ← μ·b + (1 − τ)·g  (b = g at the first step);
//   g ← g + μ·b (Nesterov) or g ← b;  p ← p − lr·g
import type { TypedArray } from '../../tensor/dtype.js';
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
    for (const k of ['lr', 'momentum', 'dampening', 'weightDecay'] as const) checkNonNegative('SGD', k, o[k]);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) throw new RangeError('SGD: Nesterov momentum requires momentum > 0 and dampening = 0');
  }

  protected update(p: TypedArray, grad: TypedArray, st: Record<string, number | TypedArray>, o: SGDOptions): void {
    const { lr, momentum: mu, dampening, weightDecay: wd, nesterov } = o;
    let buf = st.momentumBuffer as TypedArray | undefined;
    const first = mu !== 0 && !buf;
    if (first) buf = st.momentumBuffer = new (p.constructor as new (n: number) => TypedArray)(p.length);
    for (let i = 0; i < p.length; i++) {
      let g = grad[i]! + wd * p[i]!;
      if (mu !== 0) {
        const b = first ? g : mu * buf![i]! + (1 - dampening) * g;
        buf![i] = b;
        g = nesterov ? g + mu * b : b;
      }
      p[i] = p[i]! - lr * g;
    }
  }
}
