// Optimizer base (torch.optim.Optimizer): parameter groups with their own hyper-parameters,
// per-parameter state, and a state dict that restores training exactly.
// Updates write the parameters' storage in place, outside the graph.
import { bumpVersion } from '../../autograd/version.js';
import { describeValue } from '../../autograd/brand.js';
import { Tensor } from '../../autograd/tensor.js';
import type { TypedArray } from '../../tensor/dtype.js';

export type Hyper = Record<string, number | boolean>;
export interface ParamGroup<H extends Hyper = Hyper> {
  params: Tensor[];
  options: H;
}
export type ParamsArg<H extends Hyper> =
  Iterable<Tensor> | readonly { params: Iterable<Tensor>; options?: Partial<H> }[];

/** Serializable optimizer state: numbers, and typed arrays as plain number arrays. */
export interface OptimizerState {
  state: Record<string, Record<string, number | number[]>>;
  paramGroups: { options: Hyper; params: number[] }[];
}

export abstract class Optimizer<H extends Hyper = Hyper> {
  readonly paramGroups: ParamGroup<H>[];
  /** Per-parameter state (momentum buffers, moments, step counts). */
  protected readonly state = new Map<Tensor, Record<string, number | TypedArray>>();

  constructor(params: ParamsArg<H>, defaults: H) {
    const list = [...(params as Iterable<unknown>)];
    const groups =
      list.length && !(list[0] instanceof Tensor)
        ? (list as { params: Iterable<Tensor>; options?: Partial<H> }[]).map((g) => ({
            params: [...g.params],
            options: { ...defaults, ...(g.options ?? {}) },
          }))
        : [{ params: list as Tensor[], options: { ...defaults } }];
    const seen = new Set<Tensor>();
    groups.forEach((g, gi) =>
      g.params.forEach((p, i) => {
        if (!(p instanceof Tensor))
          throw new TypeError(
            `${this.constructor.name}: group ${gi} item ${i} is not a Tensor: got ${describeValue(p)}`,
          );
        if (!p.isLeaf || !p.requiresGrad)
          throw new TypeError(
            `${this.constructor.name}: parameter ${i} of group ${gi} must be a leaf that requires grad`,
          );
        if (!p.isContiguous() || p.storage.offset !== 0 || p.storage.data.length !== p.numel()) {
          throw new TypeError(
            `${this.constructor.name}: parameter ${i} of group ${gi} must own contiguous storage (wrap it in a Parameter)`,
          );
        }
        if (seen.has(p))
          throw new TypeError(
            `${this.constructor.name}: a parameter appears in more than one place`,
          );
        seen.add(p);
      }),
    );
    if (!seen.size) throw new RangeError(`${this.constructor.name}: got an empty parameter list`);
    this.paramGroups = groups;
    groups.forEach((g) => this.validate(g.options));
  }

  /** Throws a clear error for an invalid hyper-parameter. */
  protected abstract validate(options: H): void;

  /** Updates one parameter p (values) from its gradient g, in place. */
  protected abstract update(
    p: TypedArray,
    g: TypedArray,
    state: Record<string, number | TypedArray>,
    options: H,
  ): void;

  step(): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (!p.grad) continue;
        const g = p.grad.storage.contiguous();
        let st = this.state.get(p);
        if (!st) this.state.set(p, (st = {}));
        this.update(p.storage.data, g.data, st, group.options);
        bumpVersion(p.storage);
      }
    }
  }

  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    for (const g of this.paramGroups) for (const p of g.params) p.zeroGrad(opts);
  }

  /** The state, keyed by the parameter's position across groups (as PyTorch). */
  stateDict(): OptimizerState {
    const state: OptimizerState['state'] = {};
    let index = 0;
    const paramGroups = this.paramGroups.map((g) => ({
      options: { ...g.options },
      params: g.params.map((p) => {
        const st = this.state.get(p);
        if (st)
          state[String(index)] = Object.fromEntries(
            Object.entries(st).map(([k, v]) => [k, typeof v === 'number' ? v : Array.from(v)]),
          );
        return index++;
      }),
    }));
    return { state, paramGroups };
  }

  loadStateDict(sd: OptimizerState): void {
    if (
      !sd ||
      !Array.isArray(sd.paramGroups) ||
      sd.paramGroups.length !== this.paramGroups.length
    ) {
      throw new RangeError(
        `${this.constructor.name}.loadStateDict: expected ${this.paramGroups.length} parameter group(s), got ${sd?.paramGroups?.length}`,
      );
    }
    const params = this.paramGroups.flatMap((g) => g.params);
    sd.paramGroups.forEach((g, i) => {
      if (g.params.length !== this.paramGroups[i]!.params.length) {
        throw new RangeError(
          `${this.constructor.name}.loadStateDict: group ${i} has ${g.params.length} parameters, the optimizer has ${this.paramGroups[i]!.params.length}`,
        );
      }
      this.paramGroups[i]!.options = { ...this.paramGroups[i]!.options, ...g.options };
    });
    this.state.clear();
    for (const [key, st] of Object.entries(sd.state)) {
      const p = params[Number(key)];
      if (!p)
        throw new RangeError(
          `${this.constructor.name}.loadStateDict: state for parameter ${key}, which does not exist`,
        );
      const ctor = p.storage.data.constructor as new (v: number[]) => TypedArray;
      this.state.set(
        p,
        Object.fromEntries(
          Object.entries(st).map(([k, v]) => {
            if (Array.isArray(v) && v.length !== p.numel())
              throw new RangeError(
                `${this.constructor.name}.loadStateDict: state '${k}' of parameter ${key} has ${v.length} values, the parameter ${p.numel()}`,
              );
            return [k, Array.isArray(v) ? new ctor(v) : v];
          }),
        ),
      );
    }
  }
}

export function checkNonNegative(op: string, name: string, v: unknown): void {
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v))
    throw new RangeError(`${op}: ${name} must be a finite number >= 0, got ${String(v)}`);
}
