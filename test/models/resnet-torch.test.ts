// The zoo's ResNets against real PyTorch (Debian's python3-torch): checkpoints load strictly both
// ways and give the same logits within float32 rounding.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Generator, buildModel, nn, noGrad, randn, type Tensor } from '../../src/index.js';
import { runTorchScript, torchMissing } from '../helpers/torch.js';

const maxAbsDiff = (a: Tensor, b: Tensor) => {
  const x = Array.from(a.toTypedArray() as Float32Array);
  const y = Array.from(b.toTypedArray() as Float32Array);
  expect(x.length).toBe(y.length);
  return x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i]!)), 0);
};
const scale = (a: Tensor) =>
  Array.from(a.toTypedArray() as Float32Array).reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe.skipIf(torchMissing !== null)('ResNets ↔ PyTorch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kdgrad-resnet-torch-'));
  const x = randn([4, 3, 32, 32], { generator: new Generator(11) });
  const input = join(dir, 'x.safetensors');

  it.each(['resnet8', 'resnet8x4', 'resnet18-w8'])(
    '%s: kdgrad weights (after a training step) load strictly in PyTorch; same logits',
    async (name) => {
      await nn.saveSafetensors(input, { x });
      const m = buildModel(name, { generator: new Generator(1) });
      // one train-mode forward moves the BatchNorm running statistics away from 0 / 1
      noGrad(() =>
        m.forward(
          randn([8, 3, 32, 32], { generator: new Generator(2) })
            .mul(2)
            .add(0.5),
        ),
      );
      m.eval();
      const ckpt = join(dir, `${name}.safetensors`);
      await nn.saveModule(m, ckpt);
      runTorchScript('resnet_interop.py', [
        'load',
        name,
        ckpt,
        input,
        join(dir, `${name}.out.safetensors`),
      ]);
      const back = (await nn.loadSafetensors(join(dir, `${name}.out.safetensors`))).tensors;
      const ours = noGrad(() => m.forward(x));
      expect(maxAbsDiff(ours, back.logits!)).toBeLessThan(1e-5 * Math.max(1, scale(ours)));
      // BatchNorm running statistics and counters arrive unchanged (and the counter is int64 there)
      const buffers = Object.entries(m.stateDict()).filter(([k]) => /running|num_batches/.test(k));
      expect(buffers.length).toBeGreaterThan(0);
      for (const [k, t] of buffers) {
        expect(back[`buffer.${k}`], k).toBeDefined();
        expect(maxAbsDiff(t, back[`buffer.${k}`]!), k).toBe(0);
      }
      expect(m.stateDict()['bn1.num_batches_tracked']!.item()).toBe(1);
    },
    120_000,
  );

  it.each(['resnet8', 'resnet20', 'resnet8x4', 'resnet18-w8'])(
    '%s: PyTorch weights and BN statistics load strictly in kdgrad; same logits',
    async (name) => {
      await nn.saveSafetensors(input, { x });
      const file = join(dir, `${name}.torch.safetensors`);
      runTorchScript('resnet_interop.py', ['make', name, '7', input, file]);
      const { tensors } = await nn.loadSafetensors(file);
      const theirs = tensors.__logits__!;
      delete tensors.__logits__;
      const m = buildModel(name, { generator: new Generator(3) });
      m.loadStateDict(tensors); // strict: every torchvision name present, none left over
      m.eval();
      expect(m.stateDict()['bn1.running_mean']!.abs().sum().item()).toBeGreaterThan(0);
      const ours = noGrad(() => m.forward(x));
      expect(maxAbsDiff(ours, theirs)).toBeLessThan(1e-5 * Math.max(1, scale(ours)));
    },
    120_000,
  );
});
