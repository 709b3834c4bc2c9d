// The op table drives three generated tests per op: gradients against finite differences
// (float64, random shapes/broadcasts/layouts), float32 against float64 forward, and the
// elementwise reference. A test fails if an exported op has no table entry.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as ops from '../../src/autograd/ops/index.js';
import { gradcheck, gradgradcheck, type Tensor } from '../../src/index.js';
import { fcParams } from '../helpers/arbitraries.js';
import { OP_TABLE } from './op-table.js';

const exported = Object.keys(ops).sort();

describe('op table', () => {
  it('has an entry for every exported op, and no entry for a missing op', () => {
    expect(exported.filter((name) => !(name in OP_TABLE))).toEqual([]);
    expect(Object.keys(OP_TABLE).filter((name) => !exported.includes(name))).toEqual([]);
  });
});

function broadcastReference(
  inputs: Tensor[],
  ref: (...v: number[]) => number,
): { shape: number[]; values: number[] } {
  const rank = Math.max(...inputs.map((x) => x.ndim));
  const shape = Array.from({ length: rank }, (_, d) =>
    Math.max(...inputs.map((x) => x.shape[x.ndim - rank + d] ?? 1)),
  );
  const flat = inputs.map((x) => Array.from(x.toTypedArray()));
  const n = shape.reduce((a, b) => a * b, 1);
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    const idx: number[] = [];
    let rest = i;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d] = rest % shape[d]!;
      rest = Math.floor(rest / shape[d]!);
    }
    const args = inputs.map((x, q) => {
      let at = 0;
      for (let d = 0; d < x.ndim; d++) {
        const s = x.shape[d]!;
        at = at * s + (s === 1 ? 0 : idx[rank - x.ndim + d]!);
      }
      return flat[q]![at]!;
    });
    values.push(ref(...args));
  }
  return { shape, values };
}

for (const [name, entry] of Object.entries(OP_TABLE)) {
  describe(`op ${name}`, () => {
    if (entry.differentiable !== false) {
      it('gradients match central differences (float64)', () => {
        fc.assert(
          fc.property(entry.arb, (c) => {
            // Tighter than PyTorch's defaults (atol 1e-5, rtol 1e-3): float64 central differences allow it.
            const report = gradcheck(
              c.fn,
              c.inputs.map((x) => x.detach().requiresGrad_()),
              entry.gradcheck ?? { atol: 1e-7, rtol: 1e-6 },
            );
            if (!report.ok) throw new Error(`${c.label}: ${report.failures.join('; ')}`);
          }),
          fcParams(),
        );
      });
      it('second-order gradients match central differences (createGraph)', () => {
        fc.assert(
          fc.property(entry.arb, (c) => {
            const report = gradgradcheck(
              c.fn,
              c.inputs.map((x) => x.detach().requiresGrad_()),
              entry.gradcheck ?? { atol: 1e-6, rtol: 1e-5 },
            );
            if (!report.ok) throw new Error(`${c.label}: ${report.failures.join('; ')}`);
          }),
          fcParams(8),
        );
      });
    } else {
      it('returns a result that carries no gradient', () => {
        fc.assert(
          fc.property(entry.arb, (c) => {
            const out = c.fn(...c.inputs.map((x) => x.detach().requiresGrad_()));
            expect(out.requiresGrad).toBe(false);
          }),
          fcParams(10),
        );
      });
    }

    it('float32 forward agrees with float64', () => {
      fc.assert(
        fc.property(entry.arb, (c) => {
          const o64 = c.fn(...c.inputs).toTypedArray();
          const o32 = c.fn(...c.inputs.map((x) => x.to('float32'))).toTypedArray();
          const scale = Math.max(1, ...Array.from(o64, Math.abs));
          const rtol = entry.f32rtol ?? 1e-5;
          o64.forEach((v, i) => {
            if (Math.abs(v - o32[i]!) > rtol * scale)
              throw new Error(`${c.label}: element ${i}: float64 ${v} vs float32 ${o32[i]}`);
          });
        }),
        fcParams(15),
      );
    });

    if (entry.ref) {
      const ref = entry.ref;
      it('matches its elementwise reference', () => {
        fc.assert(
          fc.property(entry.arb, (c) => {
            const out = c.fn(...c.inputs);
            const expected = broadcastReference(c.inputs, ref);
            expect(out.shape).toEqual(expected.shape);
            const got = out.toTypedArray();
            expected.values.forEach((v, i) => {
              if (!(Math.abs(v - got[i]!) <= 1e-12 * Math.max(1, Math.abs(v))))
                throw new Error(`${c.label}: element ${i}: ${got[i]} vs reference ${v}`);
            });
          }),
          fcParams(15),
        );
      });
    }
  });
}
