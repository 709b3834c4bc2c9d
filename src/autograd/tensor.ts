// The user-facing Tensor: a TensorData plus the autograd state PyTorch users know
// (requiresGrad, grad, gradFn, isLeaf, backward, detach, retainGrad, registerHook).
// Methods are one-line delegations to the op files in ./ops, where forward and backward live.
import { TENSOR_BRAND } from './brand.js';
import { type DType, isFloat } from '../tensor/dtype.js';
import { formatData } from '../tensor/format.js';
import { unflatten, type NestedArray } from '../tensor/nested.js';
import { formatShape, normalizeDim, numel } from '../tensor/shape.js';
import { TensorData } from '../tensor/storage.js';
import { tieLifetime } from '../tensor/buffer-pool.js';
import { backend, residentOffset } from '../tensor/backend/index.js';
import { residentCopy } from '../tensor/resident.js';
import type { TypedArray } from '../tensor/dtype.js';
import { backward as runBackward, type BackwardOptions } from './engine.js';
import type { Node } from './node.js';
import * as A from './ops/arithmetic.js';
import * as U from './ops/unary.js';
import * as R from './ops/reduce.js';
import * as S from './ops/shape.js';
import * as I from './ops/indexing.js';
import * as C from './ops/compare.js';
import * as M from './ops/matmul.js';
import * as X from './ops/cast.js';
import * as SM from './ops/softmax.js';

export type Scalar = number;
export type TensorLike = Tensor | number;
export type IndexLike = Tensor | readonly number[] | Int32Array;
export type GradHook = (grad: Tensor) => Tensor | void;
export interface HookHandle {
  remove(): void;
}

let nextId = 0;

export class Tensor {
  /** Recognised across copies of the library (see brand.ts). */
  get [TENSOR_BRAND](): true {
    return true;
  }
  /** Storage view (shape, strides, offset over a typed array). Shared by views; treat as read-only. */
  readonly storage: TensorData;
  #grad: Tensor | null = null;
  /** The node that produced this tensor; null for leaves. */
  readonly gradFn: Node | null;
  /** Unique id, handy for graph export. */
  readonly id = nextId++;
  /** Optional display name used by graph export (e.g. 'T', 'studentLogits'). */
  label: string | undefined = undefined;
  private ownRequiresGrad = false;
  private retains = false;
  private hooks = new Map<number, GradHook>();
  private nextHook = 0;

  constructor(data: TensorData, opts: { requiresGrad?: boolean } = {}) {
    this.storage = data;
    this.gradFn = null;
    if (opts.requiresGrad) this.requiresGrad = true;
  }

  /** dL/d(this) after backward(): leaves (and tensors that called retainGrad) only. */
  get grad(): Tensor | null {
    return this.#grad;
  }

  /**
   * A gradient lives as long as its tensor: the gradient of a tensor made before the current
   * tidy() scope (a parameter, an input) is never recycled; that of a tensor made inside the
   * scope survives it when the tensor does (tidy keeps the .grad of what it returns).
   */
  set grad(g: Tensor | null) {
    if (g !== null) {
      if (!(g instanceof Tensor))
        throw new TypeError(`grad: expected a Tensor or null, got ${typeof g}`);
      if (g.shape.join() !== this.shape.join() || g.dtype !== this.dtype) {
        throw new RangeError(
          `grad: a gradient must match its tensor: got ${g.dtype} ${formatShape(g.shape)} for a ${this.dtype} tensor of shape ${formatShape(this.shape)}`,
        );
      }
      tieLifetime(g.storage.rawData, this.storage.rawData);
    }
    this.#grad = g;
  }

  /** Used by ops: a result tensor, with its node when it is recorded in the graph. */
  static fromNode(data: TensorData, node: Node | null): Tensor {
    const t = new Tensor(data);
    (t as { gradFn: Node | null }).gradFn = node;
    return t;
  }

  static onesLike(t: Tensor): Tensor {
    return new Tensor(TensorData.zeros(t.dtype, t.shape)).fill1();
  }

  private fill1(): this {
    this.storage.data.fill(1);
    return this;
  }

  // ---- metadata -------------------------------------------------------------------------
  get shape(): readonly number[] {
    return this.storage.shape;
  }
  get dtype(): DType {
    return this.storage.dtype;
  }
  get ndim(): number {
    return this.storage.ndim;
  }
  numel(): number {
    return numel(this.shape);
  }
  dim(): number {
    return this.ndim;
  }
  size(): readonly number[];
  size(dim: number): number;
  size(dim?: number): number | readonly number[] {
    return dim === undefined ? this.shape : this.shape[normalizeDim(dim, this.ndim, 'size')]!;
  }
  stride(): readonly number[] {
    return this.storage.strides;
  }
  isContiguous(): boolean {
    return this.storage.isContiguous();
  }

  // ---- autograd state -------------------------------------------------------------------
  get requiresGrad(): boolean {
    return this.gradFn !== null || this.ownRequiresGrad;
  }
  set requiresGrad(flag: boolean) {
    if (this.gradFn && !flag) {
      throw new Error(
        `requiresGrad: can only change it on leaf tensors; this one comes from '${this.gradFn.op}' (use detach())`,
      );
    }
    if (flag && !isFloat(this.dtype)) {
      throw new TypeError(
        `requiresGrad: only floating tensors can require gradients, this one is ${this.dtype}`,
      );
    }
    if (!this.gradFn) this.ownRequiresGrad = flag;
  }
  /** In-place setter returning this, as PyTorch's requires_grad_(). */
  requiresGrad_(flag = true): this {
    this.requiresGrad = flag;
    return this;
  }
  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  get retainsGrad(): boolean {
    return this.retains;
  }

  /** Backpropagates from this tensor; gradients accumulate into .grad (call zeroGrad between steps). */
  backward(gradient?: Tensor | BackwardOptions, opts: BackwardOptions = {}): void {
    const o = gradient instanceof Tensor ? { ...opts, gradient } : { ...opts, ...(gradient ?? {}) };
    runBackward(this, o);
  }
  /** Sets the display name used by graph export; returns this. */
  withLabel(label: string): this {
    this.label = label;
    return this;
  }
  /** A tensor sharing storage but cut from the graph; it keeps the label, so graphs still name it. */
  detach(): Tensor {
    const d = new Tensor(this.storage);
    d.label = this.label;
    return d;
  }
  /**
   * A copy that lives in the WebAssembly kernels' memory, so every wasm kernel reads it in place
   * instead of copying it in on each call (PyTorch's `pin_memory()`, for data a loop reuses: a fixed
   * batch, cached teacher logits). Only float32 tensors of 16,384 values or more are pinned, and
   * only where that memory is shared (Node, or a cross-origin isolated page); anything else comes
   * back as an ordinary contiguous copy (`isPinned()` says which). The copy is a leaf: pin input
   * data, not a tensor that requires grad.
   */
  pinMemory(): Tensor {
    if (this.requiresGrad)
      throw new Error(
        `pinMemory: the tensor of shape ${formatShape(this.shape)} requires grad; pin input data (detach() it first)`,
      );
    const d = new Tensor(residentCopy(this.storage) ?? this.storage.copy());
    d.label = this.label;
    return d;
  }
  /** Whether this tensor's values live in the wasm kernels' memory (see pinMemory). */
  isPinned(): boolean {
    return residentOffset(this.storage.data) >= 0;
  }
  /** Keep .grad on this non-leaf tensor after backward. */
  retainGrad(): this {
    if (!this.requiresGrad) throw new Error('retainGrad: tensor does not require grad');
    if (this.gradFn) this.retains = true;
    return this;
  }
  /** fn(grad) runs when this tensor's gradient is computed; returning a tensor replaces it. */
  registerHook(fn: GradHook): HookHandle {
    if (!this.requiresGrad)
      throw new Error("registerHook: cannot register a hook on a tensor that doesn't require grad");
    const key = this.nextHook++;
    this.hooks.set(key, fn);
    return {
      remove: () => {
        this.hooks.delete(key);
      },
    };
  }
  /** Engine use: applies the hooks in registration order. */
  runHooks(grad: Tensor): Tensor {
    let g = grad;
    for (const fn of this.hooks.values()) {
      const r = fn(g);
      if (r !== undefined) {
        if (!(r instanceof Tensor) || r.shape.join() !== g.shape.join()) {
          throw new TypeError(
            `registerHook: a hook must return undefined or a tensor of shape ${formatShape(g.shape)}`,
          );
        }
        g = r;
      }
    }
    return g;
  }
  /** Clears .grad (setToNone, the default as in PyTorch 2) or fills it with zeros. */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    const g = this.grad;
    if (opts.setToNone !== false || !g) this.grad = null;
    else if (!g.gradFn && g.storage.isContiguous())
      backend.zero(g.storage.data, g.storage.offset, g.storage.offset + g.storage.size); // reused
    else this.grad = new Tensor(TensorData.zeros(this.dtype, this.shape));
  }

  // ---- values -----------------------------------------------------------------------------
  item(): number {
    if (this.numel() !== 1)
      throw new RangeError(
        `item: only one-element tensors can be converted to a number; shape is ${formatShape(this.shape)}`,
      );
    return this.storage.data[this.storage.offset + 0]!;
  }
  /**
   * Nested JS arrays (a number for rank 0), as torch's tolist(). The element type is not known
   * statically; name it when you need to: `t.toArray<number[][]>()`.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  toArray<T extends NestedArray = any>(): T {
    return unflatten(this.storage.toTypedArray(), this.shape) as T;
  }
  /** Row-major values as a fresh typed array. */
  toTypedArray(): TypedArray {
    return this.storage.toTypedArray();
  }
  toString(): string {
    const extras: string[] = [];
    if (this.ndim !== 1 || this.numel() > 6) extras.push(`shape=${formatShape(this.shape)}`);
    if (this.dtype !== 'float32') extras.push(`dtype=${this.dtype}`);
    if (this.gradFn) extras.push(`gradFn=<${this.gradFn.name}>`);
    else if (this.requiresGrad) extras.push('requiresGrad=true');
    return `tensor(${formatData(this.storage)}${extras.map((e) => `, ${e}`).join('')})`;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ---- arithmetic (ops/arithmetic.ts) ----------------------------------------------------
  add(o: TensorLike): Tensor {
    return A.add(this, o);
  }
  sub(o: TensorLike): Tensor {
    return A.sub(this, o);
  }
  mul(o: TensorLike): Tensor {
    return A.mul(this, o);
  }
  div(o: TensorLike): Tensor {
    return A.div(this, o);
  }
  pow(o: TensorLike): Tensor {
    return A.pow(this, o);
  }
  neg(): Tensor {
    return A.neg(this);
  }
  maximum(o: TensorLike): Tensor {
    return A.maximum(this, o);
  }
  minimum(o: TensorLike): Tensor {
    return A.minimum(this, o);
  }

  // ---- elementwise (ops/unary.ts) --------------------------------------------------------
  exp(): Tensor {
    return U.exp(this);
  }
  log(): Tensor {
    return U.log(this);
  }
  sqrt(): Tensor {
    return U.sqrt(this);
  }
  rsqrt(): Tensor {
    return U.rsqrt(this);
  }
  abs(): Tensor {
    return U.abs(this);
  }
  relu(): Tensor {
    return U.relu(this);
  }
  sigmoid(): Tensor {
    return U.sigmoid(this);
  }
  tanh(): Tensor {
    return U.tanh(this);
  }
  sin(): Tensor {
    return U.sin(this);
  }
  cos(): Tensor {
    return U.cos(this);
  }
  reciprocal(): Tensor {
    return U.reciprocal(this);
  }
  square(): Tensor {
    return U.square(this);
  }
  clamp(min?: number | null, max?: number | null): Tensor {
    return U.clamp(this, min, max);
  }
  sign(): Tensor {
    return U.sign(this);
  }

  // ---- reductions (ops/reduce.ts) --------------------------------------------------------
  sum(dim?: number | readonly number[], keepdim = false): Tensor {
    return R.sum(this, dim, keepdim);
  }
  mean(dim?: number | readonly number[], keepdim = false): Tensor {
    return R.mean(this, dim, keepdim);
  }
  amax(dim?: number | readonly number[], keepdim = false): Tensor {
    return R.amax(this, dim, keepdim);
  }
  amin(dim?: number | readonly number[], keepdim = false): Tensor {
    return R.amin(this, dim, keepdim);
  }
  max(): Tensor;
  max(dim: number, keepdim?: boolean): R.ValuesIndices;
  max(dim?: number, keepdim = false): Tensor | R.ValuesIndices {
    return dim === undefined ? R.amax(this) : R.max(this, dim, keepdim);
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): R.ValuesIndices;
  min(dim?: number, keepdim = false): Tensor | R.ValuesIndices {
    return dim === undefined ? R.amin(this) : R.min(this, dim, keepdim);
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return R.argmax(this, dim, keepdim);
  }
  argmin(dim?: number, keepdim = false): Tensor {
    return R.argmin(this, dim, keepdim);
  }
  logsumexp(dim: number | readonly number[], keepdim = false): Tensor {
    return R.logsumexp(this, dim, keepdim);
  }
  var(dim?: number | readonly number[], opts: R.VarOptions = {}): Tensor {
    return R.variance(this, dim, opts);
  }
  std(dim?: number | readonly number[], opts: R.VarOptions = {}): Tensor {
    return R.std(this, dim, opts);
  }

  // ---- shape and views (ops/shape.ts) ----------------------------------------------------
  reshape(...shape: (number | readonly number[])[]): Tensor {
    return S.reshape(this, S.shapeArgs(shape));
  }
  view(...shape: (number | readonly number[])[]): Tensor {
    return S.view(this, S.shapeArgs(shape));
  }
  transpose(dim0: number, dim1: number): Tensor {
    return S.transpose(this, dim0, dim1);
  }
  /** Transpose of the last two dims (torch .mT). */
  get mT(): Tensor {
    return S.transpose(this, -2, -1);
  }
  t(): Tensor {
    return S.t(this);
  }
  permute(...dims: (number | readonly number[])[]): Tensor {
    return S.permute(this, S.shapeArgs(dims));
  }
  expand(...shape: (number | readonly number[])[]): Tensor {
    return S.expand(this, S.shapeArgs(shape));
  }
  expandAs(other: Tensor): Tensor {
    return S.expand(this, other.shape);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return S.narrow(this, dim, start, length);
  }
  squeeze(dim?: number | readonly number[]): Tensor {
    return S.squeeze(this, dim);
  }
  unsqueeze(dim: number): Tensor {
    return S.unsqueeze(this, dim);
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return S.flatten(this, startDim, endDim);
  }
  contiguous(): Tensor {
    return S.contiguous(this);
  }
  pad(pads: readonly number[], value = 0): Tensor {
    return S.pad(this, pads, value);
  }

  // ---- indexing (ops/indexing.ts) --------------------------------------------------------
  indexSelect(dim: number, index: IndexLike): Tensor {
    return I.indexSelect(this, dim, index);
  }
  indexAdd(dim: number, index: IndexLike, source: Tensor): Tensor {
    return I.indexAdd(this, dim, index, source);
  }
  gather(dim: number, index: Tensor): Tensor {
    return I.gather(this, dim, index);
  }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return I.scatterAdd(this, dim, index, src);
  }

  // ---- comparison (ops/compare.ts); results are bool and carry no gradient ----------------
  eq(o: TensorLike): Tensor {
    return C.eq(this, o);
  }
  ne(o: TensorLike): Tensor {
    return C.ne(this, o);
  }
  lt(o: TensorLike): Tensor {
    return C.lt(this, o);
  }
  le(o: TensorLike): Tensor {
    return C.le(this, o);
  }
  gt(o: TensorLike): Tensor {
    return C.gt(this, o);
  }
  ge(o: TensorLike): Tensor {
    return C.ge(this, o);
  }

  // ---- linear algebra, casts, softmax ------------------------------------------------------
  matmul(o: Tensor): Tensor {
    return M.matmul(this, o);
  }
  to(dtype: DType): Tensor {
    return X.to(this, dtype);
  }
  float(): Tensor {
    return X.to(this, 'float32');
  }
  double(): Tensor {
    return X.to(this, 'float64');
  }
  int(): Tensor {
    return X.to(this, 'int32');
  }
  bool(): Tensor {
    return X.to(this, 'bool');
  }
  clone(): Tensor {
    return X.clone(this);
  }
  softmax(dim: number): Tensor {
    return SM.softmax(this, dim);
  }
  logSoftmax(dim: number): Tensor {
    return SM.logSoftmax(this, dim);
  }
}
