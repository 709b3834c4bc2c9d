// BatchNorm + ReLU fused (F.batchNorm's relu option, what Sequential runs for the two layers)
// against real PyTorch's relu(batch_norm(x)): output, the gradients of x, γ and β, and the
// running statistics, in train and eval mode. Float32 shapes large enough for the wasm kernels;
// results within float32 rounding.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { F, Generator, nn, randn } from '../../src/index.js';
import { relErr, runTorchScript, torchMissing } from '../helpers/torch.js';

describe.skipIf(torchMissing !== null)('batchNorm with a fused ReLU ↔ PyTorch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kdgrad-bn-relu-torch-'));
  it.each([
    { shape: [8, 6, 19, 20], training: true },
    { shape: [8, 6, 19, 20], training: false },
    { shape: [3, 4, 5, 5], training: true },
  ])('$shape, training $training', async ({ shape, training }) => {
    const g = new Generator(shape[0]! + (training ? 1 : 0));
    const C = shape[1]!;
    const x = randn(shape, { generator: g }).requiresGrad_();
    const w = randn([C], { generator: g }).requiresGrad_();
    const b = randn([C], { generator: g }).requiresGrad_();
    const rm = randn([C], { generator: g });
    const rv = randn([C], { generator: g }).abs().add(0.5);
    const gy = randn(shape, { generator: g });
    const input = join(dir, 'in.safetensors'),
      output = join(dir, 'out.safetensors');
    await nn.saveSafetensors(input, {
      x: x.detach(),
      w: w.detach(),
      b: b.detach(),
      running_mean: rm,
      running_var: rv,
      gy,
    });
    const y = F.batchNorm(x, rm, rv, { weight: w, bias: b, training, relu: true });
    expect(y.gradFn?.op).toBe('batchNormRelu');
    y.backward(gy);
    runTorchScript('bn_relu.py', [input, training ? '1' : '0', output]);
    const want = (await nn.loadSafetensors(output)).tensors;
    expect(relErr(y, want.y!)).toBeLessThan(1e-5);
    expect(relErr(x.grad!, want.dx!)).toBeLessThan(1e-5);
    expect(relErr(w.grad!, want.dw!)).toBeLessThan(1e-5);
    expect(relErr(b.grad!, want.db!)).toBeLessThan(1e-5);
    expect(relErr(rm, want.running_mean!)).toBeLessThan(1e-5);
    expect(relErr(rv, want.running_var!)).toBeLessThan(1e-5);
  });
});
