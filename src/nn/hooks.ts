// Forward hooks, as torch.nn.Module.register_forward_hook / register_forward_pre_hook. Layers call
// their children's forward() directly, so registering a hook wraps that one module's forward (an
// own, non-enumerable property over the class's method); removing the last hook unwraps it.
// A pre-hook may replace the inputs; a hook may replace the output (return a value to do so).
import type { HookHandle, Tensor } from '../autograd/tensor.js';
import type { Module } from './module.js';

export type ForwardPreHook = (module: Module, inputs: unknown[]) => unknown[] | void;
export type ForwardHook = (module: Module, inputs: unknown[], output: Tensor) => Tensor | void;

interface Hooks {
  pre: Map<number, ForwardPreHook>;
  post: Map<number, ForwardHook>;
}

const registry = new WeakMap<Module, Hooks>();
let nextId = 0;

function wrap(m: Module, h: Hooks): void {
  const original = (Object.getPrototypeOf(m) as { forward: (...a: unknown[]) => Tensor }).forward;
  Object.defineProperty(m, 'forward', {
    configurable: true,
    enumerable: false,
    writable: true,
    value: (...args: unknown[]): Tensor => {
      let inputs = args;
      for (const f of [...h.pre.values()]) inputs = f(m, inputs) ?? inputs;
      let output = original.apply(m, inputs);
      for (const f of [...h.post.values()]) output = f(m, inputs, output) ?? output;
      return output;
    },
  });
}

export function addHook<K extends keyof Hooks>(
  m: Module,
  kind: K,
  hook: Hooks[K] extends Map<number, infer H> ? H : never,
): HookHandle {
  let h = registry.get(m);
  if (!h) {
    h = { pre: new Map(), post: new Map() };
    registry.set(m, h);
    wrap(m, h);
  }
  const id = nextId++;
  (h[kind] as Map<number, typeof hook>).set(id, hook);
  const hooks = h;
  return {
    remove: () => {
      hooks[kind].delete(id);
      if (!hooks.pre.size && !hooks.post.size && registry.get(m) === hooks) {
        delete (m as { forward?: unknown }).forward;
        registry.delete(m);
      }
    },
  };
}
