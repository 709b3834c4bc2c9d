// SGD with PyTorch's update rule:
//   g ← ∇ + λ·p;  b ← μ·b + (1 − τ)·g  (b = g at the first step);
//   g ← g + μ·b (Nesterov) or g ← b;  p ← p − lr·g
import type { TypedArray } from '../../tensor/dtype.js';
import { EW_MIN, sgdMomentumF32Wasm } from '../../tensor/kernels/wasm-kernels.js';
import { zerosLike } from '../../tensor/resident.js';
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
    const { lr, momentum: mu, dampening, weightDecay: wd, nesterov } = o;
    const n = p.length;
    if (mu === 0) {
      for (let i = 0; i < n; i++) p[i] = p[i]! - lr * (grad[i]! + wd * p[i]!);
      return;
    }
    let buf = st.momentumBuffer as TypedArray | undefined;
    if (!buf) {
      // the first step: b = g
      buf = st.momentumBuffer = zerosLike(p, n);
      for (let i = 0; i < n; i++) {
        const g = grad[i]! + wd * p[i]!;
        buf[i] = g;
        p[i] = p[i]! - lr * (nesterov ? g + mu * g : g);
      }
      return;
    }
    // float32 parameters of some size: the same loop in wasm SIMD over the threads (bit for bit)
    if (p instanceof Float32Array && grad instanceof Float32Array && buf instanceof Float32Array) {
      if (n >= EW_MIN && grad.length === n && sgdMomentumF32Wasm(p, grad, buf, o)) return;
    }
    // one loop per case, without branches inside: the update runs over every parameter each step
    const keep = 1 - dampening;
    const b = buf;
    if (nesterov) {
      for (let i = 0; i < n; i++) {
        const g = grad[i]! + wd * p[i]!;
        const bi = mu * b[i]! + keep * g;
        b[i] = bi;
        p[i] = p[i]! - lr * (g + mu * bi);
      }
    } else {
      for (let i = 0; i < n; i++) {
        const bi = mu * b[i]! + keep * (grad[i]! + wd * p[i]!);
        b[i] = bi;
        p[i] = p[i]! - lr * bi;
      }
    }
  }
}
