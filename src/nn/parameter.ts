// A Parameter is a leaf tensor that requires grad and that Module discovers automatically.
import { Tensor } from '../autograd/tensor.js';
import { TensorData } from '../tensor/storage.js';

export class Parameter extends Tensor {
  constructor(data: Tensor | TensorData, requiresGrad = true) {
    const storage = data instanceof Tensor ? data.storage.contiguous() : data.contiguous();
    super(storage.offset === 0 && storage.data.length === storage.size ? storage : storage.copy(), { requiresGrad });
  }
}
