// The backward engine: iterative topological order, gradient accumulation, hooks,
// and the ONE place where broadcast gradients are summed back to their input's shape.
import { formatShape, isBroadcastableTo, shapesEqual } from '../tensor/shape.js';
import { accumulateInto } from '../tensor/kernels/elementwise.js';
import { residentCopy } from '../tensor/resident.js';
import { enableGrad, noGrad } from './grad-mode.js';
import type { Node } from './node.js';
import { Tensor } from './tensor.js';

export interface BackwardOptions {
  /** dL/d(root); required unless the root has exactly one element. */
  gradient?: Tensor;
  /** Keep saved tensors so backward can run again through the same graph. */
  retainGraph?: boolean;
  /** Record the backward computation itself, so gradients can be differentiated again. */
  createGraph?: boolean;
}

export interface GradOptions {
  gradOutputs?: readonly (Tensor | null)[];
  retainGraph?: boolean;
  createGraph?: boolean;
  /** Return null (instead of throwing) for an input the outputs do not depend on. */
  allowUnused?: boolean;
}

/** Sums g over the dims that broadcasting added or stretched, so it has `shape` again. */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let d = 0; d < g.ndim; d++) {
    if (d < lead || (shape[d - lead] === 1 && g.shape[d] !== 1)) dims.push(d);
  }
  const summed = dims.length ? g.sum(dims, true) : g;
  return summed.reshape([...shape]);
}

/** Checks (and un-broadcasts) the gradient an op's backward returned for input i. */
function checkGradient(node: Node, i: number, g: Tensor, input: Tensor): Tensor {
  if (!(g instanceof Tensor))
    throw new TypeError(`backward of '${node.op}': gradient for input ${i} is not a Tensor`);
  let out = g;
  if (!shapesEqual(g.shape, input.shape)) {
    if (!isBroadcastableTo(input.shape, g.shape)) {
      throw new RangeError(
        `backward of '${node.op}': gradient for input ${i} has shape ${formatShape(g.shape)}, but the input has shape ${formatShape(input.shape)}`,
      );
    }
    out = sumToShape(g, input.shape);
  }
  if (out.dtype !== input.dtype) {
    throw new TypeError(
      `backward of '${node.op}': gradient for input ${i} has dtype ${out.dtype}, but the input has dtype ${input.dtype}`,
    );
  }
  return out;
}

/** Reverse post-order of the tensors that require grad, found without recursion. */
function topologicalOrder(roots: readonly Tensor[]): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: { t: Tensor; next: number }[] = [];
  for (const r of roots) {
    if (seen.has(r)) continue;
    seen.add(r);
    stack.push({ t: r, next: 0 });
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const inputs = top.t.gradFn?.inputs ?? [];
      if (top.next < inputs.length) {
        const child = inputs[top.next++]!;
        if (child.requiresGrad && !seen.has(child)) {
          seen.add(child);
          stack.push({ t: child, next: 0 });
        }
      } else {
        order.push(top.t);
        stack.pop();
      }
    }
  }
  return order.reverse();
}

function seedGradient(root: Tensor, given: Tensor | null | undefined, where: string): Tensor {
  if (!root.requiresGrad) {
    throw new Error(
      `${where}: tensor does not require grad and has no gradFn (set requiresGrad on a leaf it depends on, or call outside noGrad)`,
    );
  }
  if (given == null) {
    if (root.numel() !== 1) {
      throw new RangeError(
        `${where}: gradient can be implicitly created only for a one-element output; got shape ${formatShape(root.shape)}. Pass {gradient}.`,
      );
    }
    return Tensor.onesLike(root);
  }
  if (!shapesEqual(given.shape, root.shape)) {
    throw new RangeError(
      `${where}: gradient has shape ${formatShape(given.shape)} but the output has shape ${formatShape(root.shape)}`,
    );
  }
  return given.dtype === root.dtype ? given : given.to(root.dtype);
}

interface RunSpec {
  roots: readonly Tensor[];
  seeds: readonly Tensor[];
  retainGraph: boolean;
  createGraph: boolean;
  /** When given, collect the gradients of these tensors instead of accumulating into .grad. */
  capture?: readonly Tensor[];
}

/** Arrays of .grad tensors this engine made: nothing else can alias them, so they may be written in place. */
const ownGradArrays = new WeakSet<object>();

function ownsBuffer(t: Tensor): boolean {
  return !t.gradFn && ownGradArrays.has(t.storage.rawData);
}

function run(spec: RunSpec): Map<Tensor, Tensor> {
  const grads = new Map<Tensor, Tensor>();
  const add = (t: Tensor, g: Tensor) => {
    const prev = grads.get(t);
    grads.set(t, prev ? prev.add(g) : g);
  };
  spec.roots.forEach((r, i) => add(r, spec.seeds[i]!));
  const captured = new Map<Tensor, Tensor>();
  const wanted = spec.capture ? new Set(spec.capture) : null;

  for (const t of topologicalOrder(spec.roots)) {
    let g = grads.get(t);
    if (!g) continue;
    grads.delete(t);
    g = t.runHooks(g);
    if (wanted) {
      if (wanted.has(t)) captured.set(t, g);
    } else if (t.isLeaf || t.retainsGrad) {
      // Without createGraph, .grad always owns fresh contiguous storage: a gradient may be a
      // broadcast view or shared with another input's, and optimizers update .grad in place.
      // An existing plain .grad is accumulated into in place (as PyTorch), so its buffer lives on.
      const prev = t.grad;
      if (
        !spec.createGraph &&
        prev &&
        ownsBuffer(prev) &&
        prev.dtype === g.dtype &&
        prev.storage.isContiguous()
      ) {
        accumulateInto(prev.storage, g.storage); // += in place: no new array, one pass
      } else {
        const acc = prev ? prev.add(g) : g;
        if (!spec.createGraph && prev && ownsBuffer(prev) && prev.dtype === acc.dtype) {
          prev.storage.data.set(acc.storage.data);
        } else {
          // a large float32 gradient gets a resident buffer (tensor/resident.ts): accumulation and
          // the optimizer then run on it in place
          const resident = spec.createGraph ? null : residentCopy(acc.storage);
          t.grad = spec.createGraph
            ? acc
            : resident
              ? new Tensor(resident)
              : acc === g
                ? new Tensor(g.storage.copy())
                : acc.detach();
          if (!spec.createGraph) ownGradArrays.add(t.grad.storage.rawData);
        }
      }
    }
    const node = t.gradFn;
    if (!node) continue;
    const thunks = node.apply(g);
    node.inputs.forEach((input, i) => {
      const thunk = thunks[i];
      if (!input.requiresGrad || !thunk) return;
      add(input, checkGradient(node, i, thunk(), input));
    });
    if (!spec.retainGraph) node.release();
  }
  return captured;
}

/** tensor.backward(): accumulates dRoot/dLeaf into every leaf's .grad (as PyTorch does). */
export function backward(root: Tensor, opts: BackwardOptions = {}): void {
  const createGraph = opts.createGraph ?? false;
  const retainGraph = opts.retainGraph ?? createGraph;
  const seed = seedGradient(root, opts.gradient, 'backward');
  const go = () => run({ roots: [root], seeds: [seed], retainGraph, createGraph });
  if (createGraph) enableGrad(go);
  else noGrad(go);
}

/**
 * torch.autograd.grad: the gradients of `outputs` w.r.t. `inputs`, returned rather than
 * accumulated into .grad. With createGraph the results are themselves differentiable.
 */
export function autogradGrad(
  outputs: Tensor | readonly Tensor[],
  inputs: readonly Tensor[],
  opts: GradOptions = {},
): (Tensor | null)[] {
  const outs = outputs instanceof Tensor ? [outputs] : [...outputs];
  const createGraph = opts.createGraph ?? false;
  const retainGraph = opts.retainGraph ?? createGraph;
  if (opts.gradOutputs && opts.gradOutputs.length !== outs.length) {
    throw new RangeError(
      `autograd.grad: got ${opts.gradOutputs.length} gradOutputs for ${outs.length} outputs`,
    );
  }
  inputs.forEach((x, i) => {
    if (!x.requiresGrad)
      throw new Error(
        `autograd.grad: input ${i} (shape ${formatShape(x.shape)}) does not require grad`,
      );
  });
  const seeds = outs.map((o, i) => seedGradient(o, opts.gradOutputs?.[i], 'autograd.grad'));
  const go = () => run({ roots: outs, seeds, retainGraph, createGraph, capture: inputs });
  const captured = createGraph ? enableGrad(go) : noGrad(go);
  return inputs.map((x, i) => {
    const g = captured.get(x);
    if (g) return g;
    if (opts.allowUnused) return null;
    throw new Error(
      `autograd.grad: input ${i} (shape ${formatShape(x.shape)}) was not used to compute the outputs; pass {allowUnused: true}`,
    );
  });
}
