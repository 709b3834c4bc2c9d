// Every file in examples/ runs to completion, so none rots.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasSharedCifar, SHARED_CIFAR } from './helpers/cifar.js';

const root = join(import.meta.dirname, '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const files = readdirSync(join(root, 'examples')).filter((f) => /^\d\d-.*\.ts$/.test(f)).sort();

describe('examples', () => {
  it('exist', () => expect(files.length).toBeGreaterThan(0));
  for (const file of files) {
    // Examples that read CIFAR-10 need the data folder (CI has ../shared beside the clone).
    const needsData = readFileSync(join(root, 'examples', file), 'utf8').includes('resolveCifarDir');
    it.runIf(!needsData || hasSharedCifar)(`${file} runs`, () => {
      const env = { ...process.env, KDGRAD_EXAMPLE_QUICK: '1', ...(hasSharedCifar ? { CIFAR10_DIR: SHARED_CIFAR } : {}) };
      const out = execFileSync(tsx, [join('examples', file)], { cwd: root, encoding: 'utf8', env, timeout: 300_000 });
      expect(out.length).toBeGreaterThan(0);
      expect(out).not.toMatch(/\bNaN\b/);
    });
  }
});
