// y = x Wᵀ + b, with W of shape [out, in] (PyTorch's layout).
import type { Tensor } from '../../autograd/tensor.js';
import { formatShape } from '../../tensor/shape.js';

export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (weight.ndim !== 2)
    throw new RangeError(`linear: weight must be 2-D [out, in], got ${formatShape(weight.shape)}`);
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== weight.shape[1]) {
    throw new RangeError(
      `linear: input of shape ${formatShape(x.shape)} does not match weight ${formatShape(weight.shape)} (last dim must be ${weight.shape[1]})`,
    );
  }
  const y = x.matmul(weight.t());
  return bias ? y.add(bias) : y;
}
