// The feature-distillation losses: their formulas, their gradients (gradcheck), the teacher
// detached, clear shape errors, and the same numbers as the reference code run in PyTorch.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  Generator,
  HintRegressor,
  hintRegressorFor,
  attentionMap,
  attentionTransferLoss,
  gradcheck,
  hiddenRepresentationLoss,
  hintLoss,
  loadSafetensors,
  randn,
  saveSafetensors,
  type Tensor,
} from '../../src/index.js';
import { runTorchScript, torchMissing } from '../helpers/torch.js';

const g = new Generator(5);
const s4 = randn([3, 4, 5, 5], { generator: g, dtype: 'float64' });
const t4 = randn([3, 6, 5, 5], { generator: g, dtype: 'float64' }).mul(2);
const s4t = randn([3, 4, 5, 5], { generator: g, dtype: 'float64' });

describe('feature distillation losses', () => {
  it('attention maps are the channel mean of A², unit length per sample', () => {
    const q = attentionMap(s4);
    expect(q.shape).toEqual([3, 25]);
    const norms = q.square().sum(1).sqrt().toArray<number[]>();
    for (const n of norms) expect(n).toBeCloseTo(1, 12);
    const x = s4.toArray<number[][][][]>();
    const raw = (b: number, i: number, j: number) =>
      x[b]!.reduce((a, ch) => a + ch[i]![j]! ** 2, 0) / 4;
    const row0 = Array.from({ length: 25 }, (_, k) => raw(0, Math.floor(k / 5), k % 5));
    const len = Math.hypot(...row0);
    expect(q.toArray<number[][]>()[0]![7]).toBeCloseTo(row0[7]! / len, 12);
  });

  it.each([
    ['attention transfer', (s: Tensor) => attentionTransferLoss(s, t4)],
    ['hint', (s: Tensor) => hintLoss(s, s4t)],
    ['hidden representation', (s: Tensor) => hiddenRepresentationLoss(s, s4t)],
  ])('%s: gradcheck w.r.t. the student features', (_, loss) => {
    expect(gradcheck(loss, [s4.clone().requiresGrad_()]).ok).toBe(true);
  });

  it('the teacher features get no gradient', () => {
    const t = t4.clone().requiresGrad_();
    const u = s4t.clone().requiresGrad_();
    const s = s4.clone().requiresGrad_();
    attentionTransferLoss(s, t).add(hintLoss(s, u)).add(hiddenRepresentationLoss(s, u)).backward();
    expect(t.grad).toBeNull();
    expect(u.grad).toBeNull();
    expect(s.grad).not.toBeNull();
  });

  it('shape mismatches say what must match', () => {
    expect(() => hintLoss(s4, t4)).toThrow(
      /hintLoss: student features \[3, 4, 5, 5\] and teacher features \[3, 6, 5, 5\] differ; the regressor must map/,
    );
    expect(() => attentionTransferLoss(s4, randn([3, 6, 4, 4]))).toThrow(
      /same batch and spatial size \(channels may differ\)/,
    );
    expect(() => attentionMap(randn([3, 4]))).toThrow(/expected features \[batch, channels/);
  });

  it('the FitNets regressor maps the student channels to the teacher channels', () => {
    const r = new HintRegressor(4, 6, { generator: g, dtype: 'float64' });
    const out = r.forward(s4);
    expect(out.shape).toEqual([3, 6, 5, 5]);
    expect(hintLoss(out, t4).item()).toBeGreaterThan(0);
  });

  it('a larger student map is regressed by a valid convolution; a smaller one is refused', () => {
    const r = hintRegressorFor([4, 5, 5], [6, 3, 2], { generator: g, dtype: 'float64' });
    expect(r.conv.weight.shape).toEqual([6, 4, 3, 4]);
    expect(r.forward(s4).shape).toEqual([3, 6, 3, 2]);
    expect(() => hintRegressorFor([4, 3, 3], [6, 5, 5])).toThrow(
      /hint: the regressor must map the student's \[4, 3, 3\] onto the teacher's \[6, 5, 5\], but a convolution cannot enlarge 3×3 to 5×5/,
    );
  });

  // derivations §15: attention maps and cosine similarity ignore the features' scale, so their
  // gradient is orthogonal to the features, sample by sample (Euler: d/dc L(c·A) = ⟨∇L, A⟩ = 0)
  it.each([
    ['attention transfer', (s: Tensor) => attentionTransferLoss(s, t4)],
    ['hidden representation', (s: Tensor) => hiddenRepresentationLoss(s, s4t)],
  ])('%s: the gradient is orthogonal to each sample’s features', (_, loss) => {
    const s = s4.clone().requiresGrad_();
    loss(s).backward();
    const dots = s.grad!.mul(s4).reshape([3, -1]).sum(1).toArray<number[]>();
    const sizes = s.grad!.square().reshape([3, -1]).sum(1).sqrt().toArray<number[]>();
    for (let b = 0; b < 3; b++) {
      expect(sizes[b]).toBeGreaterThan(1e-6);
      expect(Math.abs(dots[b]!)).toBeLessThan(1e-12);
    }
    // the hint has a scale: its gradient is not orthogonal
    const h = s4.clone().requiresGrad_();
    hintLoss(h, s4t).backward();
    expect(Math.abs(h.grad!.mul(s4).sum().item())).toBeGreaterThan(1e-3);
  });

  it.skipIf(torchMissing !== null)(
    'equal the reference code run in PyTorch (float64), loss and gradient',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kdgrad-features-'));
      const [inp, out] = [join(dir, 'in.safetensors'), join(dir, 'out.safetensors')];
      await saveSafetensors(inp, { s4, t4, s4t });
      runTorchScript('feature_losses.py', [inp, out]);
      const ref = (await loadSafetensors(out)).tensors;
      const cases: [string, (s: Tensor) => Tensor][] = [
        ['at', (s) => attentionTransferLoss(s, t4)],
        ['hint', (s) => hintLoss(s, s4t)],
        ['hidden', (s) => hiddenRepresentationLoss(s, s4t)],
      ];
      for (const [name, loss] of cases) {
        const s = s4.clone().requiresGrad_();
        const L = loss(s);
        L.backward();
        expect(L.item(), name).toBeCloseTo(ref[`${name}_loss`]!.toArray<number[]>()[0]!, 12);
        const want = ref[`${name}_grad`]!.toArray<number[][][][]>().flat(3);
        const got = s.grad!.toArray<number[][][][]>().flat(3);
        got.forEach((v, i) => expect(v, `${name} grad ${i}`).toBeCloseTo(want[i]!, 12));
      }
    },
    60_000,
  );
});
