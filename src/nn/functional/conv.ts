// Convolution and pooling over NCHW images. conv2d and maxPool2d are ops of their own (conv2d's
// family in autograd/ops/conv.ts, max pooling in autograd/ops/pooling.ts); average pooling is a
// composition of unfold (im2col) with mean, so its gradients come from the ops it is made of.
import {
  conv2dInput as conv2dInputOp,
  conv2dOp,
  conv2dWeight as conv2dWeightOp,
} from '../../autograd/ops/conv.js';
import { maxPool2dWithIndices } from '../../autograd/ops/pooling.js';
import {
  checkImage,
  makeWindow,
  toPair as pair,
  unfold,
  type Pair,
} from '../../autograd/ops/window.js';
import type { Tensor } from '../../autograd/tensor.js';
import { formatShape } from '../../tensor/shape.js';
import { outputSize } from '../../tensor/kernels/conv.js';

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
}

/** conv2d's options: a ReLU can be fused into its epilogue. */
export interface Conv2dForwardOptions extends Conv2dOptions {
  /** Return relu(conv2d(…)) as one op (op 'conv2dRelu'): the same bits, one pass fewer each way. */
  relu?: boolean;
}

/**
 * out[b, o] = Σ_c,i,j w[o, c, i, j] · x[b, c, s·h + i − p, s·w + j − p] + bias[o]
 * computed per image as W[O, C·kh·kw] @ unfold(x[b])[C·kh·kw, L].
 */
export function conv2d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts: Conv2dForwardOptions = {},
): Tensor {
  const [, C, H, W] = checkImage('conv2d', x);
  if (weight.ndim !== 4)
    throw new RangeError(
      `conv2d: weight must be [out, in, kh, kw], got ${formatShape(weight.shape)}`,
    );
  const [O, Cw, kh, kw] = weight.shape as [number, number, number, number];
  if (Cw !== C)
    throw new RangeError(
      `conv2d: input has ${C} channels (shape ${formatShape(x.shape)}) but weight ${formatShape(weight.shape)} expects ${Cw}`,
    );
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== O))
    throw new RangeError(`conv2d: bias must have shape [${O}], got ${formatShape(bias.shape)}`);
  const win = makeWindow('conv2d', [kh, kw], opts, H, W);
  return conv2dOp(x, weight, win, bias, opts.relu ?? false);
}

/** dL/dx of conv2d for an input of spatial size [H, W], from dL/dy (torch.nn.grad.conv2d_input). */
export function conv2dInput(
  gradOutput: Tensor,
  weight: Tensor,
  inputSize: readonly [number, number],
  opts: Conv2dOptions = {},
): Tensor {
  if (weight.ndim !== 4)
    throw new RangeError(
      `conv2dInput: weight must be [out, in, kh, kw], got ${formatShape(weight.shape)}`,
    );
  const win = makeWindow(
    'conv2dInput',
    [weight.shape[2]!, weight.shape[3]!],
    opts,
    inputSize[0],
    inputSize[1],
  );
  return conv2dInputOp(gradOutput, weight, inputSize, win);
}

/** dL/dw of conv2d for a kernel of size [kh, kw], from the input and dL/dy (torch.nn.grad.conv2d_weight). */
export function conv2dWeight(
  x: Tensor,
  gradOutput: Tensor,
  kernelSize: Pair,
  opts: Conv2dOptions = {},
): Tensor {
  const [, , H, W] = checkImage('conv2dWeight', x);
  const win = makeWindow('conv2dWeight', kernelSize, opts, H, W);
  return conv2dWeightOp(x, gradOutput, win.kernel, win);
}

/** Max over each window; padding counts as −∞ and the gradient goes to the first max (as PyTorch). */
export function maxPool2d(
  x: Tensor,
  kernelSize: Pair,
  stride?: Pair | null,
  padding: Pair = 0,
): Tensor {
  checkImage('maxPool2d', x);
  return maxPool2dWithIndices(x, kernelSize, { stride: stride ?? kernelSize, padding }).values;
}

/** Mean over each window; zero padding is counted in the mean (count_include_pad, as PyTorch's default). */
export function avgPool2d(
  x: Tensor,
  kernelSize: Pair,
  stride?: Pair | null,
  padding: Pair = 0,
): Tensor {
  const [B, C, H, W] = checkImage('avgPool2d', x);
  const [kh, kw] = pair(kernelSize);
  const s = stride ?? kernelSize;
  const cols = unfold(x, [kh, kw], { stride: s, padding });
  const [Ho, Wo] = outputSize(H, W, { kernel: [kh, kw], stride: pair(s), padding: pair(padding) });
  return cols
    .reshape(B, C, kh * kw, Ho * Wo)
    .mean(2)
    .reshape(B, C, Ho, Wo);
}

/** Global average pooling: [B, C, H, W] -> [B, C]. */
export function globalAvgPool2d(x: Tensor): Tensor {
  checkImage('globalAvgPool2d', x);
  return x.mean([2, 3]);
}
