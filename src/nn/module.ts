// Module: the base of every layer and model (torch.nn.Module). Parameters and sub-modules held
// in fields are found automatically, in field order; buffers are registered by name so their
// state-dict keys match PyTorch's (e.g. 'running_mean').
import { bumpVersion } from '../autograd/version.js';
import { MODULE_BRAND } from '../autograd/brand.js';
import { keepArray } from '../tensor/buffer-pool.js';
import { Tensor } from '../autograd/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { addHook, type ForwardHook, type ForwardPreHook } from './hooks.js';
import { Parameter } from './parameter.js';
import type { HookHandle } from '../autograd/tensor.js';

export type StateDict = Record<string, Tensor>;

export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

export abstract class Module {
  /** Recognised across copies of the library (see autograd/brand.ts). */
  get [MODULE_BRAND](): true {
    return true;
  }
  /** Train mode (dropout active, batch-norm batch statistics) vs eval mode. */
  training = true;
  private readonly bufferMap = new Map<string, Tensor>();

  abstract forward(...args: never[]): Tensor;

  /**
   * Calls hook(module, inputs, output) after every forward of this module (as PyTorch's
   * register_forward_hook); a returned tensor replaces the output. remove() on the handle undoes it.
   */
  registerForwardHook(hook: ForwardHook): HookHandle {
    return addHook(this, 'post', hook);
  }

  /** Calls hook(module, inputs) before every forward; a returned array replaces the inputs. */
  registerForwardPreHook(hook: ForwardPreHook): HookHandle {
    return addHook(this, 'pre', hook);
  }

  /** Sub-modules held in fields (or arrays of modules, named field.0, field.1, ...), in order. */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Module) out.push([key, value]);
      else if (Array.isArray(value) && value.length && value.every((v) => v instanceof Module)) {
        value.forEach((m: Module, i) => out.push([`${key}.${i}`, m]));
      }
    }
    return out;
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every descendant, with dotted names ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.namedChildren())
      out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Parameters held directly by this module (not its children). */
  protected ownParameters(): [string, Parameter][] {
    return Object.entries(this).filter((e): e is [string, Parameter] => e[1] instanceof Parameter);
  }

  /** Every parameter with PyTorch-style dotted names, e.g. 'features.0.weight'. */
  namedParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Parameter>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, p] of m.ownParameters()) {
        if (seen.has(p)) continue; // shared weights are listed once
        seen.add(p);
        out.push([prefix ? `${prefix}.${name}` : name, p]);
      }
    }
    return out;
  }

  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Registers a non-trainable tensor (e.g. running statistics) saved in the state dict. */
  registerBuffer(name: string, t: Tensor): Tensor {
    keepArray(t.storage.rawData); // as parameters: never recycled by tidy()
    this.bufferMap.set(name, t);
    return t;
  }

  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, b] of m.bufferMap) out.push([prefix ? `${prefix}.${name}` : name, b]);
    }
    return out;
  }

  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  /** Sets train mode on this module and all descendants; returns this. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Clears every parameter's .grad. */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    for (const p of this.parameters()) p.zeroGrad(opts);
  }

  /** Number of scalar parameters (trainable only by default). */
  numParameters(opts: { trainableOnly?: boolean } = {}): number {
    return this.parameters()
      .filter((p) => !opts.trainableOnly || p.requiresGrad)
      .reduce((n, p) => n + p.numel(), 0);
  }

  /** Parameters and buffers by dotted name; the tensors share storage with the module. */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [name, p] of this.namedParameters()) out[name] = p;
    for (const [name, b] of this.namedBuffers()) out[name] = b;
    return out;
  }

  /**
   * Copies values into the module's own tensors. Strict (default): every key must match and every
   * shape agree, else one error lists all missing keys, unexpected keys and shape mismatches.
   */
  loadStateDict(state: StateDict, opts: { strict?: boolean } = {}): LoadResult {
    const strict = opts.strict ?? true;
    const own = this.stateDict();
    // own keys only: a checkpoint key like '__proto__' or 'constructor' is not inherited from Object
    const has = (o: object, k: string) => Object.hasOwn(o, k);
    const notTensors = Object.keys(state).filter((k) => !(state[k] instanceof Tensor));
    if (notTensors.length) {
      const what = (v: unknown) => (Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v);
      throw new TypeError(
        `loadStateDict: every value must be a Tensor; ${notTensors.map((k) => `'${k}' is ${what(state[k])}`).join(', ')} (wrap arrays with tensor(...))`,
      );
    }
    const missingKeys = Object.keys(own).filter((k) => !has(state, k));
    const unexpectedKeys = Object.keys(state).filter((k) => !has(own, k));
    const mismatched = Object.keys(own)
      .filter((k) => has(state, k) && own[k]!.shape.join() !== state[k]!.shape.join())
      .map(
        (k) =>
          `${k}: checkpoint ${formatShape(state[k]!.shape)} vs model ${formatShape(own[k]!.shape)}`,
      );
    if (mismatched.length || (strict && (missingKeys.length || unexpectedKeys.length))) {
      const parts = [
        missingKeys.length ? `missing keys: ${missingKeys.join(', ')}` : '',
        unexpectedKeys.length ? `unexpected keys: ${unexpectedKeys.join(', ')}` : '',
        mismatched.length ? `shape mismatches: ${mismatched.join('; ')}` : '',
      ].filter(Boolean);
      throw new Error(
        `loadStateDict: state dict does not match ${this.constructor.name}:\n  ${parts.join('\n  ')}`,
      );
    }
    for (const [k, t] of Object.entries(own)) {
      const src = has(state, k) ? state[k] : undefined;
      if (src) {
        t.storage.data.set(src.storage.copy(t.dtype).data);
        bumpVersion(t.storage);
      }
    }
    return { missingKeys, unexpectedKeys };
  }

  /** One-line settings shown by toString(), e.g. 'inFeatures=3, outFeatures=2, bias=true'. */
  extraRepr(): string {
    return '';
  }

  /** The architecture, printed like PyTorch's repr. */
  toString(): string {
    const children = this.namedChildren();
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (!children.length) return `${head})`;
    const lines = children.map(
      ([name, m]) => `  (${name}): ${m.toString().split('\n').join('\n  ')}`,
    );
    return `${head}\n${lines.join('\n')}\n)`;
  }
}
