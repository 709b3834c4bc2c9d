// Class labels as given by users (number[], Int32Array or an integer-valued tensor), validated once.
import { tensor } from '../../autograd/creation.js';
import { Tensor } from '../../autograd/tensor.js';
import { formatShape } from '../../tensor/shape.js';

export type Labels = readonly number[] | Int32Array | Tensor;

/** Validates labels for a batch of `batch` rows over `classes` classes; the error names the entry. */
export function toLabels(labels: Labels, batch: number, classes: number, op: string): Int32Array {
  let values: ArrayLike<number>;
  if (labels instanceof Tensor) {
    if (labels.ndim !== 1)
      throw new RangeError(
        `${op}: labels must be 1-D (one class index per row), got shape ${formatShape(labels.shape)}`,
      );
    values = labels.toTypedArray();
  } else if (Array.isArray(labels) || labels instanceof Int32Array) {
    values = labels;
  } else {
    throw new TypeError(
      `${op}: labels must be a number[], an Int32Array or a tensor of class indices`,
    );
  }
  if (values.length !== batch)
    throw new RangeError(`${op}: got ${values.length} labels for a batch of ${batch}`);
  const out = new Int32Array(batch);
  for (let i = 0; i < batch; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v))
      throw new TypeError(`${op}: labels[${i}] = ${v} is not an integer class index`);
    if (v < 0 || v >= classes)
      throw new RangeError(`${op}: labels[${i}] = ${v} is out of range for ${classes} classes`);
    out[i] = v;
  }
  return out;
}

/** Labels as an int32 column [batch, 1], ready for gather along dim 1. */
export function labelColumn(labels: Int32Array): Tensor {
  return tensor(labels, { dtype: 'int32', shape: [labels.length, 1] });
}
