// Studies lose no finished run: `sweep` and `compare` write each run as it ends, Ctrl-C writes the
// partial table, --resume finishes the study with the same results as an uninterrupted one, and a
// bad --out-dir or an empty --methods is refused before anything trains.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { hasSharedCifar, SHARED_CIFAR } from '../helpers/cifar.js';

const root = join(import.meta.dirname, '../..');
const bin = join(root, 'bin/kdgrad.mjs');
const dir = mkdtempSync(join(tmpdir(), 'kdgrad-study-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { ...process.env, CIFAR10_DIR: SHARED_CIFAR };
const kdgrad = (args: string[]) =>
  promisify(execFile)(process.execPath, [bin, ...args], { cwd: root, env, maxBuffer: 1 << 24 });

/** Runs the command and sends SIGINT once stderr shows `after` finished runs; resolves its exit. */
function interrupted(
  args: string[],
  after: RegExp,
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, env });
  let stderr = '';
  return new Promise((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (after.test(stderr) && !child.killed) child.kill('SIGINT');
    });
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

const accuracies = (file: string) =>
  (
    JSON.parse(readFileSync(file, 'utf8')) as { runs: { seed: number; testAccuracy: number }[] }
  ).runs.map((r) => [r.seed, r.testAccuracy]);

describe('studies', () => {
  it('refuse a bad --out-dir, an empty --methods and a bad temperature before any training', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    for (const cmd of ['sweep', 'compare']) {
      await expect(kdgrad([cmd, '--out-dir', file])).rejects.toMatchObject({
        stderr: expect.stringMatching(/--out-dir .*a-file is a file, not a folder/),
      });
      await expect(kdgrad([cmd, '--out-dir', '/dev/null/x'])).rejects.toMatchObject({
        stderr: expect.stringMatching(/--out-dir \/dev\/null\/x: cannot write there/),
      });
      await expect(kdgrad([cmd, '--out-dir', ''])).rejects.toMatchObject({
        stderr: expect.stringMatching(/--out-dir is empty/),
      });
    }
    for (const m of ['', ',']) {
      await expect(kdgrad(['compare', '--methods', m, '--out-dir', dir])).rejects.toMatchObject({
        stderr: expect.stringMatching(/--methods .* names no method; choose from scratch/),
      });
    }
    await expect(kdgrad(['sweep', '--loss', 'kd', '--dkd-beta', '3'])).rejects.toMatchObject({
      stderr: expect.stringMatching(/--dkd-beta does not apply to --loss kd/),
    });
    await expect(
      kdgrad(['sweep', '--temperatures', '1,0', '--out-dir', join(dir, 'temps')]),
    ).rejects.toMatchObject({
      stderr: expect.stringMatching(/--temperature must be in \[0\.05, 1000\], got 0/),
    });
  }, 60_000);

  it.runIf(hasSharedCifar)(
    'a sweep stopped by Ctrl-C writes its partial table and --resume ends with the uninterrupted results',
    async () => {
      const args = (out: string) => [
        'sweep',
        '--model',
        'mlp-student',
        '--temperatures',
        '1,2',
        '--seeds',
        '2',
        '--epochs',
        '1',
        '--train-limit',
        '1500',
        '--test-limit',
        '300',
        '--out-dir',
        out,
      ];
      const straight = join(dir, 'straight');
      await kdgrad(args(straight));
      const cut = join(dir, 'cut');
      const first = await interrupted(args(cut), /\[2\/6\]/);
      expect(first.code).toBe(130);
      expect(first.stderr).toMatch(
        /stopped after [2-5] of 6 runs; the partial table is in .*sweep\.md\. Continue with the same command and --resume/,
      );
      expect(readFileSync(join(cut, 'sweep.md'), 'utf8')).toMatch(
        /Stopped: [2-5] of 6 runs finished/,
      );
      // a fresh start would overwrite the finished runs: refused
      await expect(kdgrad(args(cut))).rejects.toMatchObject({
        stderr: expect.stringMatching(
          /holds an interrupted sweep \([2-5] of 6 runs finished.*continue it with --resume, or start over with --force/,
        ),
      });
      // resuming with other options is refused, each difference named
      await expect(kdgrad([...args(cut), '--resume', '--lr', '0.1'])).rejects.toMatchObject({
        stderr: expect.stringMatching(
          /--resume: .* with other options[\s\S]*lr: saved 0\.05, given 0\.1/,
        ),
      });
      const { stderr } = await kdgrad([...args(cut), '--resume']);
      expect(stderr).toMatch(/resuming: [2-5] of 6 runs already finished/);
      expect(accuracies(join(cut, 'sweep.json'))).toEqual(accuracies(join(straight, 'sweep.json')));
      expect(readFileSync(join(cut, 'sweep.md'), 'utf8')).not.toMatch(/Stopped/);
    },
    240_000,
  );

  it.runIf(hasSharedCifar)(
    'a comparison stopped by Ctrl-C resumes to the same table; one seed claims no significance',
    async () => {
      const args = (out: string, seeds = '2') => [
        'compare',
        '--model',
        'mlp-student',
        '--methods',
        'scratch,kd-T2',
        '--seeds',
        seeds,
        '--epochs',
        '1',
        '--train-limit',
        '1500',
        '--test-limit',
        '300',
        '--out-dir',
        out,
      ];
      const straight = join(dir, 'cmp-straight');
      await kdgrad(args(straight));
      const cut = join(dir, 'cmp-cut');
      const first = await interrupted(args(cut), /\[1\/4\]/);
      expect(first.code).toBe(130);
      expect(readFileSync(join(cut, 'compare.md'), 'utf8')).toMatch(
        /Stopped: [1-3] of 4 runs finished/,
      );
      await kdgrad([...args(cut), '--resume']);
      expect(accuracies(join(cut, 'compare.json'))).toEqual(
        accuracies(join(straight, 'compare.json')),
      );
      const one = join(dir, 'cmp-one');
      mkdirSync(one);
      const { stdout } = await kdgrad(args(one, '1'));
      expect(stdout).toMatch(/fewer than two finished seeds has no spread/);
      expect(stdout).not.toMatch(/\([+-]?[\d.]+σ\)/);
    },
    240_000,
  );
});
