// conv2d with a bias against real PyTorch (Debian's python3-torch): the bias is added in the
// forward kernel's epilogue, and its gradient is the output's gradient summed over batch and
// space. Float32 shapes large enough for the wasm kernels; results within float32 rounding.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { F, Generator, nn, randn } from '../../src/index.js';
import { relErr, runTorchScript, torchMissing } from '../helpers/torch.js';

describe.skipIf(torchMissing !== null)('conv2d with a bias ↔ PyTorch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kdgrad-conv-torch-'));
  it.each([
    { shape: [4, 3, 17, 19], O: 16, k: 3, stride: 1, padding: 1 },
    { shape: [2, 5, 20, 20], O: 24, k: 5, stride: 2, padding: 2 },
  ])('$shape, $O filters $k×$k, stride $stride, padding $padding', async (c) => {
    const g = new Generator(c.O);
    const x = randn(c.shape, { generator: g }).requiresGrad_();
    const w = randn([c.O, c.shape[1]!, c.k, c.k], { generator: g }).requiresGrad_();
    const b = randn([c.O], { generator: g }).requiresGrad_();
    const y = F.conv2d(x, w, b, { stride: c.stride, padding: c.padding });
    const gy = randn(y.shape, { generator: g });
    y.backward(gy);
    const input = join(dir, 'in.safetensors'),
      output = join(dir, 'out.safetensors');
    await nn.saveSafetensors(input, { x: x.detach(), w: w.detach(), b: b.detach(), gy });
    runTorchScript('conv_bias.py', [input, String(c.stride), String(c.padding), output]);
    const want = (await nn.loadSafetensors(output)).tensors;
    // float32 sums of up to a few thousand terms: rounding stays far below 1e-5 of the scale
    expect(relErr(y, want.y!)).toBeLessThan(1e-5);
    expect(relErr(x.grad!, want.dx!)).toBeLessThan(1e-5);
    expect(relErr(w.grad!, want.dw!)).toBeLessThan(1e-5);
    expect(relErr(b.grad!, want.db!)).toBeLessThan(1e-5);
  });
});
