// Buffer reuse. Outside tidy() nothing changes: arrays are made and garbage-collected as usual.
// Inside a scope, every array allocate() hands out is noted; when the scope ends, the arrays
// not reachable from its result (and not kept, as gradients are) go to a free list keyed by
// dtype and length, and every TensorData viewing them is marked released (using one throws).
// The next allocate() of that dtype and length takes an array from the list instead of asking
// the OS for fresh, zeroed pages — so a warm training step makes no new buffers.
import { newArray, type DType, type TypedArray } from './dtype.js';
import { backend, residentF32 } from './backend/index.js';

/** What the pool needs of a TensorData (kept abstract: storage.ts imports this file). */
export interface Releasable {
  readonly rawData: TypedArray;
  markReleased(): void;
}

interface Scope {
  arrays: TypedArray[];
  views: Releasable[];
  /** Arrays made here that must survive this scope (gradients of tensors made in an outer one), with the depth they are tied to. */
  pinned: Map<TypedArray, number> | null;
}

const scopes: Scope[] = [];
const free: Record<DType, Map<number, TypedArray[]>> = {
  float32: new Map(),
  float64: new Map(),
  int32: new Map(),
  bool: new Map(),
};
/** Arrays that must outlive every scope (gradients, anything keep()-ed). */
const kept = new WeakSet<TypedArray>();
let pooledBytes = 0;
let limitBytes = 512 * 2 ** 20;

const stats = { freshArrays: 0, freshBytes: 0, reusedArrays: 0, releasedArrays: 0 };

/** Counters since start (or resetMemoryStats): fresh arrays made by allocate, reused ones, released ones, bytes held in the free lists. */
export function memoryStats(): {
  freshArrays: number;
  freshBytes: number;
  reusedArrays: number;
  releasedArrays: number;
  pooledBytes: number;
  limitBytes: number;
} {
  return { ...stats, pooledBytes, limitBytes };
}

export function resetMemoryStats(): void {
  stats.freshArrays = stats.freshBytes = stats.reusedArrays = stats.releasedArrays = 0;
}

/** At most this many bytes wait in the free lists (default 512 MiB); 0 turns reuse off and empties them. */
export function setPoolLimit(bytes: number): void {
  if (!(bytes >= 0) || !Number.isFinite(bytes))
    throw new RangeError(`setPoolLimit: expected a byte count >= 0, got ${bytes}`);
  limitBytes = bytes;
  if (bytes === 0) {
    for (const m of Object.values(free)) m.clear();
    pooledBytes = 0;
  }
}

function take(dtype: DType, n: number, zero: boolean): TypedArray {
  const scope = scopes[scopes.length - 1];
  const list = free[dtype].get(n);
  const reused = list?.pop();
  let a: TypedArray;
  if (reused) {
    pooledBytes -= reused.byteLength;
    stats.reusedArrays++;
    if (zero) backend.zero(reused, 0, reused.length);
    a = reused;
  } else {
    // inside a scope, large float32 arrays live in the kernels' memory, so kernels use them
    // without copies; the scope's end recycles them. Outside one, arrays stay ordinary: only the
    // garbage collector frees them, and a resident block comes back only when a finalizer runs,
    // which a synchronous loop never lets happen.
    const resident = scope !== undefined && dtype === 'float32' && residentF32(n, zero);
    a = resident || newArray(dtype, n);
    stats.freshArrays++;
    stats.freshBytes += a.byteLength;
  }
  // the bookkeeping is array pushes only (no hash lookups): a step makes dozens of arrays
  if (scope) scope.arrays.push(a);
  return a;
}

/** A zero-filled array of n elements (reused when one is free). */
export function allocate(dtype: DType, n: number): TypedArray {
  return take(dtype, n, true);
}

/** An array of n elements whose contents are arbitrary: for kernels that write every element. */
export function allocateUninitialized(dtype: DType, n: number): TypedArray {
  return take(dtype, n, false);
}

/**
 * Gives an array back to the free list (no-op when over the limit). Each array comes back once:
 * a scope releases each of its arrays once, and a scratch array is returned by its borrower.
 */
function recycle(a: TypedArray): void {
  if (pooledBytes + a.byteLength > limitBytes) return; // left to the garbage collector
  const dtype: DType =
    a instanceof Float32Array
      ? 'float32'
      : a instanceof Float64Array
        ? 'float64'
        : a instanceof Int32Array
          ? 'int32'
          : 'bool';
  const m = free[dtype];
  let list = m.get(a.length);
  if (!list) m.set(a.length, (list = []));
  list.push(a);
  pooledBytes += a.byteLength;
}

/** Temporary working memory of a kernel: borrow, use, give back before returning. Not tracked by scopes. */
export function borrowScratch(dtype: DType, n: number): TypedArray {
  const list = free[dtype].get(n);
  const a = list?.pop();
  if (a) {
    pooledBytes -= a.byteLength;
    return a;
  }
  return newArray(dtype, n);
}

export function returnScratch(a: TypedArray): void {
  recycle(a);
}

/** Called by every TensorData constructor: views made inside a scope are marked if their array is released. */
export function trackView(v: Releasable): void {
  const scope = scopes[scopes.length - 1];
  if (scope) scope.views.push(v);
}

/** This array outlives every scope (gradients, optimizer state, anything the caller keeps). */
export function keepArray(a: TypedArray): void {
  kept.add(a);
}

/**
 * `dependent` (a gradient) lives as long as `owner` (its tensor's array): kept for good when the
 * owner was made outside every open scope, else carried out of inner scopes up to the owner's.
 */
export function tieLifetime(dependent: TypedArray, owner: TypedArray): void {
  // the scopes that made each array (rare: once per gradient set inside a scope)
  const depthOf = (a: TypedArray): number => {
    for (let d = scopes.length - 1; d >= 0; d--) if (scopes[d]!.arrays.includes(a)) return d + 1;
    return 0;
  };
  const ownerDepth = kept.has(owner) ? 0 : depthOf(owner); // a kept tensor (a parameter) keeps its gradient
  if (ownerDepth === 0) {
    kept.add(dependent);
    return;
  }
  const depth = depthOf(dependent);
  if (depth > ownerDepth) (scopes[depth - 1]!.pinned ??= new Map()).set(dependent, ownerDepth);
}

export function beginScope(): void {
  scopes.push({ arrays: [], views: [], pinned: null });
}

/**
 * Ends the innermost scope. Arrays in `survivors` (the result) move to the enclosing scope, if any;
 * the others allocated in this scope, unless kept, are released. With `abandon` (fn threw), nothing
 * is released: the arrays are left to the garbage collector, so a failed step loses nothing.
 */
export function endScope(survivors: ReadonlySet<TypedArray>, abandon = false): void {
  const scope = scopes.pop();
  if (!scope) throw new Error('endScope: no scope is open');
  const parent = scopes[scopes.length - 1];
  if (abandon) {
    if (!parent) return;
    parent.arrays.push(...scope.arrays);
    parent.views.push(...scope.views);
    scope.pinned?.forEach((pin, a) => {
      if (pin < scopes.length) (parent.pinned ??= new Map()).set(a, pin);
    });
    return;
  }
  const depth = scopes.length + 1;
  const pins = scope.pinned;
  const dead = new Set<TypedArray>();
  for (const a of scope.arrays) {
    if (kept.has(a)) continue;
    const pin = pins?.get(a);
    if (survivors.has(a) || pin !== undefined) {
      if (!parent) continue;
      parent.arrays.push(a);
      // still tied to a scope further out: carry the pin outwards
      if (pin !== undefined && pin < depth - 1) (parent.pinned ??= new Map()).set(a, pin);
    } else {
      dead.add(a);
    }
  }
  for (const v of scope.views) {
    if (dead.has(v.rawData)) v.markReleased();
    else if (parent && !kept.has(v.rawData)) parent.views.push(v);
  }
  for (const a of dead) {
    stats.releasedArrays++;
    recycle(a);
  }
}
