// Feature distillation losses as graph ops: the student is pulled towards the teacher inside the
// network, not only at its logits. Teacher features are detached. Inputs are the outputs of named
// layers (nn.forwardWithFeatures).
import type { Tensor } from '../autograd/tensor.js';
import { Conv2d } from '../nn/layers/conv.js';
import type { LayerOptions } from '../nn/layers/linear.js';
import { Module } from '../nn/module.js';
import { formatShape } from '../tensor/shape.js';

function sameShape(op: string, s: Tensor, t: Tensor, fix: string): void {
  if (s.shape.join() !== t.shape.join())
    throw new RangeError(
      `${op}: student features ${formatShape(s.shape)} and ` +
        `teacher features ${formatShape(t.shape)} differ; ${fix}`,
    );
}

/**
 * Attention map of a feature map [B, C, H, W] (Zagoruyko & Komodakis 2017):
 *   Q = mean_c |A_c|^p  flattened to [B, H·W],  then Q / ‖Q‖₂ per sample.
 */
export function attentionMap(features: Tensor, p = 2): Tensor {
  if (features.ndim !== 4)
    throw new RangeError(
      'attentionMap: expected features [batch, channels, height, width], ' +
        `got ${formatShape(features.shape)}`,
    );
  const [B] = features.shape as [number];
  const q = features.abs().pow(p).mean(1).reshape([B, -1]);
  // ‖Q‖ with a floor, as F.normalize's eps = 1e-12: an all-zero map stays zero, not NaN
  return q.div(q.square().sum(1, true).sqrt().clamp(1e-12));
}

/**
 * Attention transfer: L = mean over batch and positions of (Q_s − Q_t)², the maps of
 * attentionMap (RepDistiller's at_loss; the paper's β weights it in the total loss). Student and
 * teacher maps must have the same spatial size (channels may differ).
 */
export function attentionTransferLoss(student: Tensor, teacher: Tensor, p = 2): Tensor {
  const [qs, qt] = [attentionMap(student, p), attentionMap(teacher.detach(), p)];
  sameShape(
    'attentionTransferLoss',
    qs,
    qt,
    'the two layers need the same batch and spatial size (channels may differ)',
  );
  return qs.sub(qt).square().mean();
}

/**
 * FitNets' hint loss (Romero et al. 2015): L = mean of (r(F_s) − F_t)² over every element, r the
 * regressor that maps the student's guided layer to the teacher's hint layer's shape.
 */
export function hintLoss(regressed: Tensor, teacher: Tensor): Tensor {
  sameShape(
    'hintLoss',
    regressed,
    teacher,
    'the regressor must map the student layer to the teacher layer’s channels and size',
  );
  return regressed.sub(teacher.detach()).square().mean();
}

/**
 * The hidden-representation loss of the PyTorch KD tutorial (cosine embedding loss, target 1):
 * L = mean over the batch of 1 − cos(s_b, t_b), features flattened per sample.
 */
export function hiddenRepresentationLoss(student: Tensor, teacher: Tensor): Tensor {
  const B = student.shape[0]!;
  const s = student.reshape([B, -1]);
  const t = teacher.detach().reshape([B, -1]);
  sameShape('hiddenRepresentationLoss', s, t, 'project both to the same size first');
  const dot = s.mul(t).sum(1);
  const norms = s.square().sum(1).mul(t.square().sum(1)).sqrt().clamp(1e-8);
  return dot.div(norms).neg().add(1).mean();
}

/**
 * FitNets' regressor: a convolution from the student's guided layer to the teacher's hint layer.
 * 1×1 when both maps have the same size; otherwise, as in the paper, a valid (unpadded)
 * convolution with kernel (H_s − H_t + 1) × (W_s − W_t + 1), which maps H_s × W_s onto H_t × W_t.
 */
export class HintRegressor extends Module {
  readonly conv: Conv2d;
  constructor(
    studentChannels: number,
    teacherChannels: number,
    opts: LayerOptions & { kernelSize?: number | [number, number] } = {},
  ) {
    super();
    const { kernelSize = 1, ...layer } = opts;
    this.conv = new Conv2d(studentChannels, teacherChannels, kernelSize, layer);
  }
  forward(x: Tensor): Tensor {
    return this.conv.forward(x);
  }
}

/**
 * The regressor that maps student features of shape [C_s, H_s, W_s] (one sample) onto the teacher's
 * [C_t, H_t, W_t]; an error says what cannot be mapped (a student map smaller than the teacher's).
 */
export function hintRegressorFor(
  student: readonly number[],
  teacher: readonly number[],
  opts: LayerOptions = {},
): HintRegressor {
  if (student.length !== 3 || teacher.length !== 3)
    throw new RangeError(
      'hint: both layers must give feature maps [channels, height, width], ' +
        `got student ${formatShape(student)} and teacher ${formatShape(teacher)}`,
    );
  const [cs, hs, ws] = student as [number, number, number];
  const [ct, ht, wt] = teacher as [number, number, number];
  if (hs < ht || ws < wt)
    throw new RangeError(
      `hint: the regressor must map the student's ${formatShape(student)} ` +
        `onto the teacher's ${formatShape(teacher)}, ` +
        `but a convolution cannot enlarge ${hs}×${ws} to ${ht}×${wt}; ` +
        "pick a student layer at least as large as the teacher's",
    );
  return new HintRegressor(cs, ct, { ...opts, kernelSize: [hs - ht + 1, ws - wt + 1] });
}
