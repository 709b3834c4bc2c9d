// 2-D convolution as a family of three ops, each linear in both arguments, whose gradients are
// members of the family (as PyTorch's convolution_backward), so every order of gradient exists:
//   y  = conv2d(x, w)              dL/dx = conv2dInput(g, w)       dL/dw = conv2dWeight(x, g)
//   dx = conv2dInput(g, w)         dL/dg = conv2d(G, w)            dL/dw = conv2dWeight(G, g)
//   dw = conv2dWeight(x, g)        dL/dx = conv2dInput(g, G)       dL/dg = conv2d(x, G)
// (G is the upstream gradient of each op's output.) The kernels are in tensor/kernels/conv.ts.
import {
  conv2dInputGradKernel,
  conv2dKernel,
  conv2dWeightGradFusedKernel,
  conv2dWeightGradKernel,
  outputSize,
  type Window,
} from '../../tensor/kernels/conv.js';
import { formatShape } from '../../tensor/shape.js';
import { isGradEnabled } from '../grad-mode.js';
import { record } from '../node.js';
import { Tensor } from '../tensor.js';
import { reluBackward } from './unary.js';
import { operands } from './util.js';

/** g's spatial size must be what the window makes of an input of `size`. */
function checkOutputSize(
  op: string,
  g: Tensor,
  size: readonly [number, number],
  kernel: readonly [number, number],
  win: Window,
): void {
  const [Ho, Wo] = outputSize(size[0], size[1], { ...win, kernel });
  if (g.shape[2] !== Ho || g.shape[3] !== Wo) {
    throw new RangeError(
      `${op}: gradOutput ${formatShape(g.shape)} should be ${Ho}x${Wo} for an input of ${size[0]}x${size[1]} with kernel ${formatShape(kernel)}, stride ${formatShape(win.stride)}, padding ${formatShape(win.padding)}`,
    );
  }
}

/**
 * y[b, o, h, w] = Σ_c,i,j w[o, c, i, j] · x[b, c, h·sh + i − ph, w·sw + j − pw] (+ bias[o]). A bias
 * of the output's dtype is added in the kernel's epilogue (dL/dbias = Σ_b,h,w g); any other goes
 * through add, which promotes as PyTorch does. With `relu` the output is relu(y), applied in the
 * same epilogue (op 'conv2dRelu'): the bits of conv2d followed by relu, one pass fewer.
 *
 * Backward, first order with the weight requiring grad: one pass per image applies relu's gate
 * g·[r > 0] (fused ReLU), sums the bias gradient and multiplies for the weight gradient while the
 * image's g is in cache; the input gradient then reads the gated g. Same bits as the ops apart.
 */
export function conv2dOp(
  input: Tensor,
  weight: Tensor,
  win: Window,
  bias?: Tensor | null,
  relu = false,
): Tensor {
  const [x, w, dtype] = operands('conv2d', input, weight, true);
  if (bias && bias.dtype !== dtype) {
    const y = conv2dOp(x, w, win).add(bias.reshape(1, -1, 1, 1));
    return relu ? y.relu() : y;
  }
  const [, , H, W] = x.shape as [number, number, number, number];
  const kernel: [number, number] = [w.shape[2]!, w.shape[3]!];
  const out = conv2dKernel(x.storage, w.storage, bias?.storage ?? null, win, dtype, relu);
  const inputs = bias ? [x, w, bias] : [x, w];
  return record(relu ? 'conv2dRelu' : 'conv2d', inputs, out, (gOut) => {
    // first order: the fused pass, once for all inputs (its gated g serves the input gradient)
    const fusable = !isGradEnabled() && gOut.dtype === dtype && w.requiresGrad;
    let fused: ReturnType<typeof conv2dWeightGradFusedKernel> | null = null;
    const pass = () =>
      (fused ??= conv2dWeightGradFusedKernel(
        x.storage,
        gOut.storage,
        kernel,
        win,
        dtype,
        relu ? out : null,
        bias != null && bias.requiresGrad,
        x.requiresGrad,
      ));
    // otherwise relu's backward as relu's op gives it, then the three gradients as ops
    let gated: Tensor | null = null;
    const g = () =>
      fusable
        ? new Tensor(pass().g!)
        : !relu
          ? gOut
          : (gated ??= reluBackward(gOut, new Tensor(out)));
    return [
      () => conv2dInput(g(), w, [H, W], win),
      () => (fusable ? new Tensor(pass().dw) : conv2dWeight(x, g(), kernel, win)),
      ...(bias
        ? [() => (fusable && pass().bias ? new Tensor(pass().bias!) : g().sum([0, 2, 3]))]
        : []),
    ];
  });
}

/** The gradient of conv2d w.r.t. an input of spatial size [H, W], given the output's gradient g (torch.nn.grad.conv2d_input). */
export function conv2dInput(
  gradOutput: Tensor,
  weight: Tensor,
  size: readonly [number, number],
  win: Window,
): Tensor {
  const [g, w, dtype] = operands('conv2dInput', gradOutput, weight, true);
  if (g.ndim !== 4 || w.ndim !== 4 || g.shape[1] !== w.shape[0]) {
    throw new RangeError(
      `conv2dInput: gradOutput [B, O, Ho, Wo] ${formatShape(g.shape)} does not match weight [O, C, kh, kw] ${formatShape(w.shape)}`,
    );
  }
  checkOutputSize('conv2dInput', g, size, [w.shape[2]!, w.shape[3]!], win);
  const kernel: [number, number] = [w.shape[2]!, w.shape[3]!];
  return record(
    'conv2dInput',
    [g, w],
    conv2dInputGradKernel(g.storage, w.storage, size, win, dtype),
    (G) => [() => conv2dOp(G, w, win), () => conv2dWeight(G, g, kernel, win)],
  );
}

/** The gradient of conv2d w.r.t. a weight of kernel size [kh, kw], given the input x and the output's gradient g (torch.nn.grad.conv2d_weight). */
export function conv2dWeight(
  input: Tensor,
  gradOutput: Tensor,
  kernel: readonly [number, number],
  win: Window,
): Tensor {
  const [x, g, dtype] = operands('conv2dWeight', input, gradOutput, true);
  if (x.ndim !== 4 || g.ndim !== 4 || x.shape[0] !== g.shape[0]) {
    throw new RangeError(
      `conv2dWeight: input [B, C, H, W] ${formatShape(x.shape)} does not match gradOutput [B, O, Ho, Wo] ${formatShape(g.shape)}`,
    );
  }
  const [, , H, W] = x.shape as [number, number, number, number];
  checkOutputSize('conv2dWeight', g, [H, W], kernel, win);
  return record(
    'conv2dWeight',
    [x, g],
    conv2dWeightGradKernel(x.storage, g.storage, kernel, win, dtype),
    (G) => [() => conv2dInput(g, G, [H, W], win), () => conv2dOp(x, G, win)],
  );
}
