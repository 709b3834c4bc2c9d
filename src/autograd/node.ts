// A graph node (`gradFn`): the op that made a tensor, its inputs, and its backward rule.
import { isGradEnabled, noGrad as noGradLocal } from './grad-mode.js';
import type { TensorData } from '../tensor/storage.js';
import { Tensor } from './tensor.js';
import { versionOf } from './version.js';
import { formatShape } from '../tensor/shape.js';

/** One lazy gradient per input (TF.js style): thunks of inputs that need no grad are never run. */
export type GradThunks = readonly ((() => Tensor) | null)[];
/** Given dL/d(output), returns the thunks computing dL/d(input_i). */
export type BackwardFn = (gradOutput: Tensor) => GradThunks;

export class Node {
  /** Op label, e.g. 'mul' (as micrograd's _op). */
  readonly op: string;
  /** The op's inputs, in order; walk them to explore the graph. */
  readonly inputs: readonly Tensor[];
  private backwardFn: BackwardFn | null;
  /** The inputs' versions when the node was made (see version.ts). */
  private readonly versions: readonly number[];

  constructor(op: string, inputs: readonly Tensor[], backward: BackwardFn) {
    this.op = op;
    this.inputs = inputs;
    this.backwardFn = backward;
    this.versions = inputs.map((t) => versionOf(t.storage));
  }

  /** PyTorch-style node name: 'mul' -> 'MulBackward'. */
  get name(): string {
    return `${this.op.charAt(0).toUpperCase()}${this.op.slice(1)}Backward`;
  }

  /** Whether the saved tensors were freed by a backward without retainGraph. */
  get released(): boolean {
    return this.backwardFn === null;
  }

  /** Runs the backward rule (engine use). */
  apply(gradOutput: Tensor): GradThunks {
    if (!this.backwardFn) {
      throw new Error(
        `backward: trying to backward through the graph a second time: op '${this.op}' (${this.name}) already freed its saved tensors. ` +
          'Pass {retainGraph: true} to the first backward() if you need to call it twice.',
      );
    }
    this.inputs.forEach((t, i) => {
      const now = versionOf(t.storage);
      if (now === this.versions[i]) return;
      const name = t.label ? `'${t.label}' ` : '';
      throw new Error(
        `backward: input ${i} ${name}${formatShape(t.shape)} of op '${this.op}' (${this.name}) ` +
          `was modified in place after it was used (version ${now}, the graph saw version ` +
          `${this.versions[i]}); its gradient would be taken at the new values. ` +
          'Call backward() before optimizer.step(), or recompute the forward pass.',
      );
    });
    return this.backwardFn(gradOutput);
  }

  release(): void {
    this.backwardFn = null;
  }

  toString(): string {
    return `<${this.name}>`;
  }
}

/**
 * Wraps a kernel result as a Tensor and, when grad mode is on and an input requires grad,
 * records the node. Every differentiable op ends with this call.
 */
export function record(
  op: string,
  inputs: readonly Tensor[],
  out: TensorData,
  backward: BackwardFn | null,
): Tensor {
  const needsGrad = backward !== null && isGradEnabled() && inputs.some((t) => t.requiresGrad);
  return Tensor.fromNode(out, needsGrad ? new Node(op, inputs, backward) : null);
}

/**
 * A user-defined differentiable op (as torch.autograd.Function): forward runs without recording,
 * backward(g, ...inputs) returns one gradient (or null) per input. The engine still checks each
 * gradient's shape and dtype against its input and names `op` when one is wrong.
 */
export function customOp(
  op: string,
  inputs: readonly Tensor[],
  forward: (...xs: Tensor[]) => Tensor,
  backward: (gradOutput: Tensor, ...xs: Tensor[]) => readonly (Tensor | null)[],
): Tensor {
  const out = noGradLocal(() => forward(...inputs));
  return record(op, inputs, out.storage, (g) => {
    let grads: readonly (Tensor | null)[] | null = null;
    const all = () => (grads ??= backward(g, ...inputs));
    return inputs.map((_, i) => () => {
      const gi = all()[i];
      if (!gi)
        throw new Error(
          `backward of '${op}': no gradient returned for input ${i}, which requires grad`,
        );
      return gi;
    });
  });
}
