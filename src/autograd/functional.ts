// Functional gradients in the spirit of TensorFlow.js (tf.grad, tf.valueAndGrad) and JAX.
import { autogradGrad } from './engine.js';
import { isGradEnabled } from './grad-mode.js';
import { TensorData } from '../tensor/storage.js';
import { Tensor } from './tensor.js';

type Fn = (...xs: Tensor[]) => Tensor;

function prepare(xs: readonly Tensor[]): { inputs: Tensor[]; nested: boolean } {
  xs.forEach((x, i) => {
    if (!(x instanceof Tensor)) throw new TypeError(`grad: argument ${i} is not a Tensor`);
  });
  // Inputs that already require grad stay in the outer graph, so grad(grad(f)) works.
  const nested = isGradEnabled() && xs.some((x) => x.requiresGrad);
  return { inputs: xs.map((x) => (x.requiresGrad ? x : x.detach().requiresGrad_())), nested };
}

/**
 * valueAndGrad(f)(...xs) -> {value, grads}: f's output and d(sum of output)/dx_i for each argument
 * (for a non-scalar output the upstream gradient is ones, as tf.grad). Leaves' .grad is untouched.
 */
export function valueAndGrad(f: Fn): (...xs: Tensor[]) => { value: Tensor; grads: Tensor[] } {
  return (...xs) => {
    const { inputs, nested } = prepare(xs);
    const value = f(...inputs);
    if (!(value instanceof Tensor)) throw new TypeError('valueAndGrad: f must return a Tensor');
    const gradOutputs = [Tensor.onesLike(value)];
    const grads = value.requiresGrad
      ? autogradGrad(value, inputs, { gradOutputs, createGraph: nested, allowUnused: true })
      : inputs.map(() => null);
    return {
      value: nested ? value : value.detach(),
      grads: grads.map(
        (g, i) => g ?? new Tensor(TensorData.zeros(inputs[i]!.dtype, inputs[i]!.shape)),
      ),
    };
  };
}

/** grad(f)(...xs) -> [df/dx_1, ...]; compose grad(...) for higher orders. */
export function grad(f: Fn): (...xs: Tensor[]) => Tensor[] {
  const vg = valueAndGrad(f);
  return (...xs) => vg(...xs).grads;
}
