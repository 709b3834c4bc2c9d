// A Parameter is a leaf tensor that requires grad and that Module discovers automatically.
import { Tensor } from '../autograd/tensor.js';
import { keepArray } from '../tensor/buffer-pool.js';
import { residentCopy } from '../tensor/resident.js';
import type { TensorData } from '../tensor/storage.js';

export class Parameter extends Tensor {
  constructor(data: Tensor | TensorData, requiresGrad = true) {
    const storage = data instanceof Tensor ? data.storage.contiguous() : data.contiguous();
    // large float32 weights live in the kernels' memory (tensor/resident.ts)
    const whole = storage.offset === 0 && storage.data.length === storage.size;
    const own = residentCopy(storage) ?? (whole ? storage : storage.copy());
    super(own, { requiresGrad });
    keepArray(this.storage.rawData); // a model's weights outlive any tidy() scope it was built in
  }
}
