// LSKD's values against references written apart from kdgrad's ops: plain float64 arithmetic on
// arrays, and the authors' formula run in real PyTorch (Debian's python3-torch) for the gradient.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  Generator,
  LogitStandardizedDistillationLoss,
  nn,
  randn,
  tensor,
} from '../../src/index.js';
import { runTorchScript, torchMissing } from '../helpers/torch.js';

/** The LSKD loss of one batch by hand: z-scores (unbiased std + eps), softmax, KL, CE. */
function lskdByHand(
  s: number[][],
  t: number[][],
  y: number[],
  T: number,
  alpha: number,
  standardize = true,
  eps = 1e-7,
): number {
  const z = (row: number[]) => {
    if (!standardize) return row;
    const m = row.reduce((a, b) => a + b, 0) / row.length;
    const sd = Math.sqrt(row.reduce((a, b) => a + (b - m) ** 2, 0) / (row.length - 1));
    return row.map((v) => (v - m) / (sd + eps));
  };
  const logSoftmax = (row: number[]) => {
    const mx = Math.max(...row);
    const lse = mx + Math.log(row.reduce((a, v) => a + Math.exp(v - mx), 0));
    return row.map((v) => v - lse);
  };
  let kl = 0;
  let ce = 0;
  s.forEach((row, b) => {
    const lq = logSoftmax(z(row).map((v) => v / T));
    const lp = logSoftmax(z(t[b]!).map((v) => v / T));
    kl += lp.reduce((a, v, c) => a + Math.exp(v) * (v - lq[c]!), 0);
    ce -= logSoftmax(row)[y[b]!]!;
  });
  return alpha * T * T * (kl / s.length) + (1 - alpha) * (ce / s.length);
}

const g = new Generator(21);
const s = randn([6, 10], { generator: g, dtype: 'float64' }).mul(3);
const t = randn([6, 10], { generator: g, dtype: 'float64' }).mul(5).add(2);
const y = [0, 3, 9, 1, 1, 7];

describe('LogitStandardizedDistillationLoss values', () => {
  it.each([
    [1, 0.9],
    [2, 0.5],
    [4, 1],
  ])('T = %d, alpha = %d: equals the formula computed by hand', (T, alpha) => {
    const ours = new LogitStandardizedDistillationLoss({ temperature: T, alpha })
      .forward(s, t, tensor(y, { dtype: 'int32' }))
      .item();
    const want = lskdByHand(s.toArray<number[][]>(), t.toArray<number[][]>(), y, T, alpha);
    // kdgrad divides by sqrt(var + eps²) instead of std + eps: equal to ~1e-7 relative here
    expect(Math.abs(ours - want)).toBeLessThan(1e-6 * Math.abs(want));
    // and far from plain KD on the raw logits
    expect(
      Math.abs(
        ours - lskdByHand(s.toArray<number[][]>(), t.toArray<number[][]>(), y, T, alpha, false),
      ),
    ).toBeGreaterThan(1e-3);
  });

  it.skipIf(torchMissing !== null)(
    "loss and dL/ds equal the authors' formula run in PyTorch (float64)",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kdgrad-lskd-'));
      await nn.saveSafetensors(join(dir, 'in.safetensors'), {
        s,
        t,
        y: tensor(y, { dtype: 'int32' }),
      });
      runTorchScript('lskd_reference.py', [
        join(dir, 'in.safetensors'),
        join(dir, 'out.safetensors'),
        '2',
        '0.9',
      ]);
      const ref = (await nn.loadSafetensors(join(dir, 'out.safetensors'))).tensors;
      const sg = s.clone().detach();
      sg.requiresGrad = true;
      const loss = new LogitStandardizedDistillationLoss({ temperature: 2, alpha: 0.9 }).forward(
        sg,
        t,
        tensor(y, { dtype: 'int32' }),
      );
      loss.backward();
      expect(Math.abs(loss.item() - ref.loss!.item())).toBeLessThan(
        1e-6 * Math.abs(ref.loss!.item()),
      );
      const got = sg.grad!.toTypedArray();
      const want = ref.grad!.toTypedArray();
      const scale = Math.max(...Array.from(want, Math.abs));
      want.forEach((v, i) => expect(Math.abs(got[i]! - v)).toBeLessThan(1e-6 * scale));
    },
    60_000,
  );
});
