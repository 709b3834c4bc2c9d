// tidy(fn) runs fn and recycles the buffers of every tensor fn made and dropped (TF.js's
// tf.tidy). A training step inside tidy reuses the same arrays step after step instead of
// asking for fresh memory each time: see src/tensor/buffer-pool.ts for the bookkeeping.
//
// What survives the scope: tensors reachable from fn's result (a Tensor, or arrays / maps /
// plain objects of them) with their .grad, the gradients of tensors made before the scope
// (parameters), parameters and buffers, and anything passed to keep(). Every other tensor made
// inside is released: using it afterwards throws an error that says so.
import { beginScope, endScope, keepArray } from '../tensor/buffer-pool.js';
import type { TypedArray } from '../tensor/dtype.js';
import { Tensor } from './tensor.js';

/** Collects the arrays of the tensors reachable from a result (Tensor, array, Map, plain object). */
function survivors(result: unknown): Set<TypedArray> {
  const out = new Set<TypedArray>();
  const seen = new Set<unknown>();
  const visit = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (v instanceof Tensor) {
      out.add(v.storage.rawData);
      if (v.grad) out.add(v.grad.storage.rawData);
      return;
    }
    if (Array.isArray(v)) {
      v.forEach(visit);
      return;
    }
    if (v instanceof Map) {
      v.forEach(visit);
      return;
    }
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) Object.values(v).forEach(visit);
  };
  visit(result);
  return out;
}

export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError(`tidy: expected a function, got ${typeof fn}`);
  beginScope();
  let result: T;
  try {
    result = fn();
  } catch (e) {
    endScope(new Set(), true); // nothing is released when the step fails
    throw e;
  }
  if (result instanceof Promise) {
    endScope(new Set(), true);
    throw new TypeError('tidy: fn must be synchronous (it returned a Promise); await outside tidy');
  }
  endScope(survivors(result));
  return result;
}

/** Marks a tensor (made inside tidy) to outlive every scope; returns it. */
export function keep<T extends Tensor>(t: T): T {
  if (!(t instanceof Tensor))
    throw new TypeError(`keep: expected a Tensor, got ${t === null ? 'null' : typeof t}`);
  keepArray(t.storage.rawData);
  return t;
}
