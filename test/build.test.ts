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
    execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), out], { cwd: root, stdio: 'pipe' });
    expect(existsSync(join(out, 'types/index.d.ts'))).toBe(true);
    const lib = await import(pathToFileURL(join(out, 'node/index.js')).href);
    const x = lib.tensor([1, 2, 3], { requiresGrad: true });
    x.square().sum().backward();
    expect(x.grad.toArray()).toEqual([2, 4, 6]);
    const browser = readFileSync(join(out, 'browser/kdgrad.js'), 'utf8');
    expect(browser).not.toMatch(/from\s+["']node:/);
    expect(readFileSync(join(out, 'browser/kdgrad.min.js'), 'utf8')).toMatch(/var kdgrad=/);
  }, 120_000);
});
