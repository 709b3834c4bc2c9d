// Without WebAssembly (KDGRAD_NO_WASM=1) the TypeScript kernels give the same results; a bad
// KDGRAD_THREADS is named. Each case runs in a child process, since both are read at start-up.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Generator, randn, type WasmStatus } from '../../src/index.js';

const root = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'kdgrad-fallback-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SCRIPT = `
import { F, Generator, nn, optim, randn, threadStatus } from ${JSON.stringify(join(root, 'src/index.ts'))};
import { wasmStatus } from ${JSON.stringify(join(root, 'src/tensor/backend/index.ts'))};
const g = new Generator(9);
const a = randn([40, 70], { generator: g });
const b = randn([70, 30], { generator: g });
const x = randn([3, 4, 9, 9], { generator: g }).requiresGrad_();
const w = randn([5, 4, 3, 3], { generator: g }).requiresGrad_();
F.conv2d(x, w, null, { padding: 1 }).square().sum().backward();
// the passes that must agree bit for bit (elementwise, batch norm, SGD): sizes that take the
// wasm kernels (16,384 values and more), inputs not made by a GEMM
const v = randn([8, 16, 17, 15], { generator: g }).requiresGrad_();
const gamma = randn([16], { generator: g }).requiresGrad_();
const beta = randn([16], { generator: g }).requiresGrad_();
const shift = randn([16, 1, 1], { generator: g });
const r = randn([8, 16, 17, 15], { generator: g });
const y = F.batchNorm(v, null, null, { training: true, weight: gamma, bias: beta });
y.add(shift).relu().mul(r).sum().backward();
const p = new nn.Parameter(randn([20000], { generator: g }));
const opt = new optim.SGD([p], { lr: 0.1, momentum: 0.9, weightDecay: 5e-4, nesterov: true });
for (let i = 0; i < 3; i++) { p.grad = randn([20000], { generator: g }); opt.step(); }
const exact = [y, v.grad, gamma.grad, beta.grad, p].map((t) => Array.from(t.toTypedArray()));
console.log(JSON.stringify({ status: wasmStatus(), threads: threadStatus(), mm: Array.from(a.matmul(b).toTypedArray()), gx: Array.from(x.grad.toTypedArray()), gw: Array.from(w.grad.toTypedArray()), exact }));
`;

interface Probe {
  status: WasmStatus;
  threads: string;
  mm: number[];
  gx: number[];
  gw: number[];
  exact: number[][];
}

function run(env: Record<string, string>): Probe {
  const file = join(dir, 'probe.ts');
  writeFileSync(file, SCRIPT);
  const out = execFileSync(process.execPath, ['--import', 'tsx', file], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 26,
  });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

describe('fallbacks', () => {
  it('KDGRAD_NO_WASM=1 runs the TypeScript kernels, says why, and agrees with the wasm results', () => {
    const plain = run({ KDGRAD_NO_WASM: '1', KDGRAD_THREADS: '2' });
    const fast = run({ KDGRAD_THREADS: '1' });
    const fast2 = run({ KDGRAD_THREADS: '2' });
    expect(plain.status).toEqual({
      enabled: false,
      kernels: 'typescript',
      fusedMultiplyAdd: false,
      reason: 'disabled by KDGRAD_NO_WASM=1',
    });
    expect(fast.status.enabled).toBe(true);
    for (const key of ['mm', 'gx', 'gw'] as const) {
      plain[key].forEach((v, i) =>
        expect(Math.abs(v - fast[key][i]!)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(v))),
      );
    }
    // batch norm, bias, relu and their gradients, and SGD: the wasm kernels give the TypeScript
    // loops' bits, on one thread and on two
    expect(fast.exact).toEqual(plain.exact);
    expect(fast2.exact).toEqual(plain.exact);
    // and the same numbers as float64 in this process
    const g = new Generator(9);
    const a = randn([40, 70], { generator: g });
    const b = randn([70, 30], { generator: g });
    const want = a.double().matmul(b.double()).toTypedArray();
    want.forEach((v, i) =>
      expect(Math.abs(plain.mm[i]! - v)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(v))),
    );
  }, 60_000);

  it('KDGRAD_NO_FMA=1 loads the plain-SIMD build, says why, and agrees with the relaxed one', () => {
    const fused = run({ KDGRAD_THREADS: '1' });
    const plain = run({ KDGRAD_NO_FMA: '1', KDGRAD_THREADS: '2' });
    expect(plain.status).toEqual({
      enabled: true,
      kernels: 'simd',
      fusedMultiplyAdd: false,
      reason:
        'WebAssembly SIMD kernels loaded (no fused multiply-add: disabled by KDGRAD_NO_FMA=1)',
    });
    expect(fused.status.kernels).toBe('relaxed-simd');
    for (const key of ['mm', 'gx', 'gw'] as const) {
      plain[key].forEach((v, i) =>
        expect(Math.abs(v - fused[key][i]!)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(v))),
      );
    }
    // what does not multiply-add (batch norm, bias, ReLU, SGD) has the same bits in both builds
    expect(plain.exact).toEqual(fused.exact);
  }, 60_000);

  it('a bad KDGRAD_THREADS is an error that names the value', () => {
    expect(() => run({ KDGRAD_THREADS: 'many' })).toThrow(
      /KDGRAD_THREADS must be an integer >= 1, got "many"/,
    );
  }, 60_000);
});
