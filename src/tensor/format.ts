// PyTorch-like printing: fixed 4 decimals, or scientific when magnitudes call for it;
// large tensors are summarised with "..." (3 edge items per dim above 1000 elements).
import type { DType } from './dtype.js';
import type { TensorData } from './storage.js';

const THRESHOLD = 1000;
const EDGE = 3;

function formatter(values: number[], dtype: DType): (v: number) => string {
  if (dtype === 'bool') return (v) => (v ? 'true' : 'false');
  if (dtype === 'int32') return (v) => String(v);
  const finite = values.filter((v) => Number.isFinite(v));
  const abs = finite.map(Math.abs).filter((v) => v > 0);
  const allInt = finite.every((v) => Number.isInteger(v));
  const max = abs.length ? Math.max(...abs) : 0;
  const min = abs.length ? Math.min(...abs) : 0;
  let fmt: (v: number) => string;
  if (allInt && max < 1e8) fmt = (v) => `${v}.`;
  else if (max >= 1e8 || (min > 0 && min < 1e-4) || (min > 0 && max / min > 1e3 && max >= 1e3))
    fmt = (v) => v.toExponential(4);
  else fmt = (v) => v.toFixed(4);
  return (v) =>
    Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : fmt(v);
}

export function formatData(t: TensorData): string {
  const summarise = t.size > THRESHOLD;
  const shown: number[] = [];
  const visit = (depth: number, offset: number): void => {
    if (depth === t.ndim) {
      shown.push(t.data[offset]!);
      return;
    }
    const n = t.shape[depth]!;
    for (const i of indices(n, summarise))
      if (i >= 0) visit(depth + 1, offset + i * t.strides[depth]!);
  };
  visit(0, t.offset);
  const fmt = formatter(shown, t.dtype);
  const width = Math.max(1, ...shown.map((v) => fmt(v).length));
  const pad = (v: number) => fmt(v).padStart(width);
  const render = (depth: number, offset: number, indent: number): string => {
    if (depth === t.ndim) return pad(t.data[offset]!);
    const n = t.shape[depth]!;
    const parts = indices(n, summarise).map((i) =>
      i < 0 ? '...' : render(depth + 1, offset + i * t.strides[depth]!, indent + 1),
    );
    if (depth === t.ndim - 1) return `[${parts.join(', ')}]`;
    const sep = ',' + '\n'.repeat(t.ndim - depth - 1) + ' '.repeat(indent + 1);
    return `[${parts.join(sep)}]`;
  };
  return render(0, t.offset, 7); // 7 = "tensor(".length
}

/** Indices to print along one dim; -1 marks the "..." gap. */
function indices(n: number, summarise: boolean): number[] {
  if (!summarise || n <= 2 * EDGE) return Array.from({ length: n }, (_, i) => i);
  return [0, 1, 2, -1, n - 3, n - 2, n - 1];
}
