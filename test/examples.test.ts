// Every file in examples/ runs to completion, so none rots.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const files = readdirSync(join(root, 'examples')).filter((f) => /^\d\d-.*\.ts$/.test(f)).sort();

describe('examples', () => {
  it('exist', () => expect(files.length).toBeGreaterThan(0));
  for (const file of files) {
    it(`${file} runs`, () => {
      const out = execFileSync(tsx, [join('examples', file)], { cwd: root, encoding: 'utf8', env: { ...process.env, KDGRAD_EXAMPLE_QUICK: '1' }, timeout: 300_000 });
      expect(out.length).toBeGreaterThan(0);
      expect(out).not.toMatch(/\bNaN\b/);
    });
  }
});
