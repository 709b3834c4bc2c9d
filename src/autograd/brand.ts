// Brands that survive a second copy of the library: `instanceof` fails between two copies (say
// 'kdgrad' and a deep import of its src/ or dist/), so errors check the brand to say why.
export const TENSOR_BRAND = Symbol.for('kdgrad.Tensor');
export const MODULE_BRAND = Symbol.for('kdgrad.Module');

/** What a value that should have been a Tensor (or Module) is, for an error message. */
export function describeValue(x: unknown, kind: 'Tensor' | 'Module' = 'Tensor'): string {
  const brand = kind === 'Tensor' ? TENSOR_BRAND : MODULE_BRAND;
  if (typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[brand] === true) {
    return (
      `a ${kind} from another copy of kdgrad (two copies of the library are loaded, e.g. 'kdgrad' ` +
      `and a deep import of its src/ or dist/): import everything from 'kdgrad'`
    );
  }
  return x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x;
}
