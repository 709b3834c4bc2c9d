// `npm run build` produces working bundles for Node and the browser, and types.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const out = mkdtempSync(join(tmpdir(), 'kdgrad-build-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('build', () => {
  it('bundles for node and the browser, with .d.ts types', async () => {
    execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), out], {
      cwd: root,
      stdio: 'pipe',
    });
    expect(existsSync(join(out, 'types/index.d.ts'))).toBe(true);
    const lib = await import(pathToFileURL(join(out, 'node/index.js')).href);
    const x = lib.tensor([1, 2, 3], { requiresGrad: true });
    x.square().sum().backward();
    expect(x.grad.toArray()).toEqual([2, 4, 6]);
    const browser = readFileSync(join(out, 'browser/kdgrad.js'), 'utf8');
    expect(browser).not.toMatch(/from\s+["']node:/);
    expect(readFileSync(join(out, 'browser/kdgrad.min.js'), 'utf8')).toMatch(/var kdgrad=/);
    // where two copies of the library meet (the bundle and src/), the error says so
    const src = await import('../src/index.js');
    expect(() => src.F.conv2d(lib.randn([1, 1, 3, 3]), src.randn([1, 1, 2, 2]))).toThrow(
      /from another copy of kdgrad .* import everything from 'kdgrad'/,
    );
    expect(() => src.add(lib.tensor([1]), 1)).toThrow(/another copy of kdgrad/);
    expect(() => new src.nn.Sequential(new lib.nn.ReLU())).toThrow(
      /Sequential: argument 0 is not a Module: got a Module from another copy of kdgrad/,
    );
  }, 120_000);
});
