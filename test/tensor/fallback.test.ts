// Without WebAssembly (KDGRAD_NO_WASM=1) the TypeScript kernels give the same results; a bad
// KDGRAD_THREADS is named. Each case runs in a child process, since both are read at start-up.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Generator, randn } from '../../src/index.js';

const root = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'kdgrad-fallback-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SCRIPT = `
import { F, Generator, randn, threadStatus } from ${JSON.stringify(join(root, 'src/index.ts'))};
import { wasmStatus } from ${JSON.stringify(join(root, 'src/tensor/kernels/wasm.ts'))};
const g = new Generator(9);
const a = randn([40, 70], { generator: g });
const b = randn([70, 30], { generator: g });
const x = randn([3, 4, 9, 9], { generator: g }).requiresGrad_();
const w = randn([5, 4, 3, 3], { generator: g }).requiresGrad_();
F.conv2d(x, w, null, { padding: 1 }).square().sum().backward();
console.log(JSON.stringify({ status: wasmStatus(), threads: threadStatus(), mm: Array.from(a.matmul(b).toTypedArray()), gx: Array.from(x.grad.toTypedArray()), gw: Array.from(w.grad.toTypedArray()) }));
`;

function run(env: Record<string, string>): { status: { enabled: boolean; reason: string }; threads: string; mm: number[]; gx: number[]; gw: number[] } {
  const file = join(dir, 'probe.ts');
  writeFileSync(file, SCRIPT);
  const out = execFileSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

describe('fallbacks', () => {
  it('KDGRAD_NO_WASM=1 runs the TypeScript kernels, says why, and agrees with the wasm results', () => {
    const plain = run({ KDGRAD_NO_WASM: '1', KDGRAD_THREADS: '2' });
    const fast = run({ KDGRAD_THREADS: '1' });
    expect(plain.status).toEqual({ enabled: false, reason: 'disabled by KDGRAD_NO_WASM=1' });
    expect(fast.status.enabled).toBe(true);
    for (const key of ['mm', 'gx', 'gw'] as const) {
      plain[key].forEach((v, i) => expect(Math.abs(v - fast[key][i]!)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(v))));
    }
    // and the same numbers as float64 in this process
    const g = new Generator(9);
    const a = randn([40, 70], { generator: g });
    const b = randn([70, 30], { generator: g });
    const want = a.double().matmul(b.double()).toTypedArray();
    want.forEach((v, i) => expect(Math.abs(plain.mm[i]! - v)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(v))));
  }, 60_000);

  it('a bad KDGRAD_THREADS is an error that names the value', () => {
    expect(() => run({ KDGRAD_THREADS: 'many' })).toThrow(/KDGRAD_THREADS must be an integer >= 1, got "many"/);
  }, 60_000);
});
