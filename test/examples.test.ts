// Every file in examples/ runs to completion, so none rots.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasSharedCifar, SHARED_CIFAR } from './helpers/cifar.js';

const root = join(import.meta.dirname, '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const files = readdirSync(join(root, 'examples'))
  .filter((f) => /^\d\d-.*\.ts$/.test(f))
  .sort();
const num = (m: RegExpMatchArray | null, i: number) => Number(m?.[i]);

// The claims the lessons' examples print, checked on the numbers they print beside them.
const claims: Record<string, (out: string) => void> = {
  '04-kd-gradients.ts': (out) => {
    const m = out.match(
      /shrinks ×([\d.]+) \(T² ratio ([\d.]+)\),\s+the T²-scaled one changes ×([\d.]+)/,
    );
    expect(m, 'the T² conclusion').not.toBeNull();
    expect(Math.abs(num(m, 1) / num(m, 2) - 1)).toBeLessThan(0.05); // unscaled gradient ∝ 1/T²
    expect(Math.abs(num(m, 3) - 1)).toBeLessThan(0.05); // scaled one stays put
    // the share range it reads is the table's, from the T it names on
    const r = out.match(/stays between ([\d.]+)% and ([\d.]+)% from T = ([\d.]+) on/);
    expect(r, 'the soft-share reading').not.toBeNull();
    const shares = [...out.matchAll(/^\s*([\d.]+) \|(?:[^|]*\|){3}\s*([\d.]+)% \|/gm)]
      .map((x) => [Number(x[1]), Number(x[2])] as const)
      .filter(([T]) => T >= num(r, 3))
      .map(([, share]) => share);
    expect(shares.length).toBeGreaterThan(1);
    expect(Math.min(...shares)).toBe(num(r, 1));
    expect(Math.max(...shares)).toBe(num(r, 2));
  },
  '05-multi-teacher.ts': (out) => {
    const m = out.match(/cat ([\d.]+) = \(([\d.]+) \+ ([\d.]+)\) \/ 2/);
    expect(m, 'the probability-average claim').not.toBeNull();
    expect(Math.abs(num(m, 1) - (num(m, 2) + num(m, 3)) / 2)).toBeLessThanOrEqual(0.001);
    const f = out.match(/fox ([\d.]+) against ([\d.]+)/);
    expect(num(f, 1)).toBeGreaterThan(num(f, 2));
  },
  '06-adaptive-temperature.ts': (out) => {
    expect(out).toMatch(/^\s+1 \|\s+0\.950 /m); // T0 · 0.95 after one epoch
    expect(out).toMatch(
      /T drops below 1 at epoch 1 with the article's defaults and at epoch 14 for T0 = 4/,
    );
    expect(out).toMatch(/with minTemp: 1 it stays at or above 1 for 100 epochs/);
  },
};

describe('examples', () => {
  it('exist', () => expect(files.length).toBeGreaterThan(0));
  for (const file of files) {
    // Examples that read CIFAR-10 need the data folder (CI has ../shared beside the clone).
    const needsData = readFileSync(join(root, 'examples', file), 'utf8').includes(
      'resolveCifarDir',
    );
    it.runIf(!needsData || hasSharedCifar)(`${file} runs`, () => {
      const env = {
        ...process.env,
        KDGRAD_EXAMPLE_QUICK: '1',
        ...(hasSharedCifar ? { CIFAR10_DIR: SHARED_CIFAR } : {}),
      };
      const out = execFileSync(tsx, [join('examples', file)], {
        cwd: root,
        encoding: 'utf8',
        env,
        timeout: 300_000,
      });
      expect(out.length).toBeGreaterThan(0);
      expect(out).not.toMatch(/\bNaN\b/);
      claims[file]?.(out);
    });
  }
});
