// conv2d with a bias against real PyTorch (Debian's python3-torch): the bias is added in the
// forward kernel's epilogue, and its gradient is the output's gradient summed over batch and
// space; with relu: true, PyTorch's relu(conv2d(…)) (the ReLU in the same epilogue, its gate in
// the weight gradient's pass). Float32 shapes large enough for the wasm kernels, stride 1 with 8
// channels and width 16 among them (the forward and input gradient without im2col and col2im);
// results within float32 rounding.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { F, Generator, nn, randn } from '../../src/index.js';
import { relErr, runTorchScript, torchMissing } from '../helpers/torch.js';

describe.skipIf(torchMissing !== null)('conv2d with a bias ↔ PyTorch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kdgrad-conv-torch-'));
  it.each([
    { shape: [4, 3, 17, 19], O: 16, k: 3, stride: 1, padding: 1, relu: false },
    { shape: [2, 5, 20, 20], O: 24, k: 5, stride: 2, padding: 2, relu: false },
    { shape: [4, 8, 12, 16], O: 20, k: 5, stride: 1, padding: 2, relu: true },
    { shape: [3, 3, 10, 8], O: 6, k: 3, stride: 1, padding: 1, relu: true },
  ])('$shape, $O filters $k×$k, stride $stride, padding $padding, relu $relu', async (c) => {
    const g = new Generator(c.O);
    const x = randn(c.shape, { generator: g }).requiresGrad_();
    const w = randn([c.O, c.shape[1]!, c.k, c.k], { generator: g }).requiresGrad_();
    const b = randn([c.O], { generator: g }).requiresGrad_();
    const y = F.conv2d(x, w, b, { stride: c.stride, padding: c.padding, relu: c.relu });
    const gy = randn(y.shape, { generator: g });
    y.backward(gy);
    const input = join(dir, 'in.safetensors'),
      output = join(dir, 'out.safetensors');
    await nn.saveSafetensors(input, { x: x.detach(), w: w.detach(), b: b.detach(), gy });
    const args = [input, String(c.stride), String(c.padding), output, ...(c.relu ? ['relu'] : [])];
    runTorchScript('conv_bias.py', args);
    const want = (await nn.loadSafetensors(output)).tensors;
    // float32 sums of up to a few thousand terms: rounding stays far below 1e-5 of the scale
    expect(relErr(y, want.y!)).toBeLessThan(1e-5);
    expect(relErr(x.grad!, want.dx!)).toBeLessThan(1e-5);
    expect(relErr(w.grad!, want.dw!)).toBeLessThan(1e-5);
    expect(relErr(b.grad!, want.db!)).toBeLessThan(1e-5);
  });
});
