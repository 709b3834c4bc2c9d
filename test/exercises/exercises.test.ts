// The exercises are graded by their checks: the stubs fail with "not written yet", the reference
// solutions pass, and a planted mistake per exercise fails on the property that names it — so the
// checks grade the learner's code and catch the mistakes their hints describe.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { gradeExercise, gradeFolder } from '../../src/exercises/grade.js';
import { EXERCISES } from '../../src/exercises/registry.js';

const root = join(import.meta.dirname, '../..');
const STUBS = join(root, 'exercises');
const SOLUTIONS = join(STUBS, 'solutions');
const MISTAKES = join(import.meta.dirname, 'mistakes');
const tmp = mkdtempSync(join(tmpdir(), 'kdgrad-exercises-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The property each planted mistake must fail, and words its hint must contain. */
const PLANTED: Record<number, [RegExp, RegExp]> = {
  1: [/softmax stays finite/, /subtract each row’s max/],
  2: [/backward passes gradcheck/, /Σ g factor/],
  3: [/klDivBatchmean/, /without dividing by B/],
  4: [/softLoss/, /T² factor is missing/],
  5: [/teacher gets no gradient/, /detach/],
  6: [/dKLdT/, /summed over the batch/],
  7: [/temperatureAt/, /floor is missing/],
  8: [/dkdSplit/, /NCKD is the KL between the softmaxes over the non-target classes/],
  9: [/share of the rows predict c/, /sort those margins/],
  10: [/beats the label-only one/, /soft term must cover every point/],
};

describe('exercises', () => {
  it('there are ten, in order, each with a stub, a solution and a planted mistake', () => {
    expect(EXERCISES.map((e) => e.n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const e of EXERCISES) {
      for (const dir of [STUBS, SOLUTIONS, MISTAKES])
        expect(() => readFileSync(join(dir, e.file))).not.toThrow();
      expect(readFileSync(join(STUBS, e.file), 'utf8')).toMatch(/Task:[\s\S]*Hint:[\s\S]*Check:/);
    }
  });

  it('every stub fails with its "not written yet" message', async () => {
    const results = await gradeFolder(STUBS);
    for (const r of results) {
      expect(r.status, r.file).toBe('not written');
      expect(r.failure?.message, r.file).toMatch(new RegExp(`^exercise ${r.n} is not written yet`));
    }
  }, 120_000);

  it('every reference solution passes', async () => {
    const results = await gradeFolder(SOLUTIONS);
    for (const r of results)
      expect([r.file, r.status, r.failure?.message]).toEqual([r.file, 'passed', undefined]);
  }, 120_000);

  it('each planted mistake fails on the property that names it, with the hint for it', async () => {
    const results = await gradeFolder(MISTAKES);
    for (const r of results) {
      const [property, hint] = PLANTED[r.n]!;
      expect(r.status, r.file).toBe('failed');
      expect(r.failure?.property, r.file).toMatch(property);
      expect(r.failure?.hint, r.file).toMatch(hint);
      expect(r.failure?.input, r.file).toBeTruthy();
    }
  }, 120_000);

  it('an exercise is graded without any other being solved', async () => {
    for (const e of EXERCISES) {
      const dir = mkdtempSync(join(tmp, `only-${e.n}-`));
      for (const other of EXERCISES) copyFileSync(join(STUBS, other.file), join(dir, other.file));
      copyFileSync(join(SOLUTIONS, e.file), join(dir, e.file));
      expect((await gradeExercise(e, dir)).status, e.file).toBe('passed');
    }
  }, 120_000);

  it('a file that does not compile is named with its line', async () => {
    const dir = mkdtempSync(join(tmp, 'broken-'));
    writeFileSync(join(dir, EXERCISES[2]!.file), 'export function klDivBatchmean( {\n');
    const r = await gradeExercise(EXERCISES[2]!, dir);
    expect(r.status).toBe('failed');
    expect(r.failure?.message).toMatch(/does not compile: .*03-kl-batchmean\.ts:\d+: Expected/);
  });
});

describe('kdgrad exercises', () => {
  const bin = join(root, 'bin/kdgrad.mjs');
  const run = (args: string[]) =>
    promisify(execFile)(process.execPath, [bin, ...args], { cwd: tmp });

  it('init copies the stubs and never overwrites the learner’s work; check grades and exits 1 until all pass', async () => {
    const dir = join(tmp, 'mine');
    expect((await run(['exercises', 'init', dir])).stdout).toMatch(/copied 10 exercise file\(s\)/);
    const mine = 'export function softmax() {}\n// my work\n';
    writeFileSync(join(dir, '01-softmax.ts'), mine);
    const again = (await run(['exercises', 'init', dir])).stdout;
    expect(again).toMatch(/kept your 01-softmax\.ts/);
    expect(readFileSync(join(dir, '01-softmax.ts'), 'utf8')).toBe(mine);
    expect((await run(['exercises', 'list', '--dir', dir])).stdout).toMatch(
      /1\. .* \[edited \(check to grade it\)\][\s\S]*2\. .* \[not started\]/,
    );
    await expect(run(['exercises', 'check', '3', '--dir', dir])).rejects.toMatchObject({
      code: 1,
      stdout: expect.stringMatching(/exercise 3 is not written yet[\s\S]*0 of 1 passed/),
    });
    copyFileSync(join(SOLUTIONS, '03-kl-batchmean.ts'), join(dir, '03-kl-batchmean.ts'));
    const json = JSON.parse(
      (await run(['exercises', 'check', '3', '--dir', dir, '--json'])).stdout,
    ) as {
      status: string;
    }[];
    expect(json.map((r) => r.status)).toEqual(['passed']);
    await expect(run(['exercises', 'check', '11', '--dir', dir])).rejects.toMatchObject({
      stderr: expect.stringMatching(/<n> must be 1-10, got 11/),
    });
    await expect(run(['exercises', 'check', '--dir', join(tmp, 'nowhere')])).rejects.toMatchObject({
      stderr: expect.stringMatching(/nowhere does not exist: run npx kdgrad exercises init/),
    });
  }, 120_000);
});
