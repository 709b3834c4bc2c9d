// `kdgrad exercises`: the learner copies the exercise files into a folder of theirs (init), sees
// where each stands (list) and has them graded (check) by property tests and gradient checks that
// run their code, never the library's own answers.
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { gradeFolder, type ExerciseResult } from '../../exercises/grade.js';
import { EXERCISES } from '../../exercises/registry.js';
import { positiveInt, printJson } from '../common.js';
import { packageFile } from '../paths.js';

const DEFAULT_DIR = 'kd-exercises';
/** The stubs shipped with the package (exercises/*.ts; the solutions are beside them). */
const STUBS = packageFile('exercises');

/** The stub of an exercise as shipped, to tell an untouched file from the learner's work. */
const stubOf = (file: string) => readFileSync(join(STUBS, file), 'utf8');

async function init(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const present = new Set(await readdir(dir));
  const copied: string[] = [];
  const kept: string[] = [];
  for (const ex of EXERCISES) {
    if (present.has(ex.file)) kept.push(ex.file);
    else {
      // COPYFILE_EXCL: a file that appeared meanwhile is never overwritten
      await copyFile(join(STUBS, ex.file), join(dir, ex.file), 1);
      copied.push(ex.file);
    }
  }
  const lines = [
    copied.length
      ? `copied ${copied.length} exercise file(s) into ${dir}`
      : `nothing copied: ${dir} already holds every exercise file`,
  ];
  if (kept.length) lines.push(`kept your ${kept.join(', ')} (never overwritten)`);
  lines.push(
    `start with ${join(dir, EXERCISES[0]!.file)}; grade with: npx kdgrad exercises check --dir ${dir}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

const MARK: Record<ExerciseResult['status'], string> = {
  passed: 'passed',
  'not written': 'not written yet',
  failed: 'FAILED',
  missing: 'missing',
};

function printResult(r: ExerciseResult): void {
  const ex = EXERCISES.find((e) => e.n === r.n)!;
  process.stdout.write(`${r.n}. ${r.title} (${r.file}): ${MARK[r.status]}\n`);
  for (const p of r.passed) process.stdout.write(`   ok    ${p}\n`);
  const f = r.failure;
  if (!f) return;
  if (r.status === 'not written' || r.status === 'missing') {
    process.stdout.write(`   ${f.message}\n`);
    return;
  }
  process.stdout.write(`   fails ${f.property}\n`);
  if (f.input !== undefined) {
    process.stdout.write(`     on:       ${f.input}\n`);
    process.stdout.write(`     expected: ${f.expected}\n`);
    process.stdout.write(`     got:      ${f.got}\n`);
    process.stdout.write(`     hint:     ${f.hint}\n`);
  } else process.stdout.write(`     ${f.message}\n`);
  process.stdout.write(`     derivation: docs/${ex.derivation}\n`);
}

export function registerExercises(program: Command): void {
  const cmd = program
    .command('exercises')
    .description(
      'write softmax, the KD loss, dL/dT, DKD and a distillation loop yourself; property tests grade them',
    );
  cmd
    .command('init')
    .description(`copy the exercise files into a folder of yours (default ./${DEFAULT_DIR})`)
    .argument('[dir]', 'the folder', DEFAULT_DIR)
    .action(async (dir: string) => init(dir));
  cmd
    .command('list')
    .description('each exercise, what it teaches, and where yours stands')
    .option('--dir <dir>', 'your exercise folder', DEFAULT_DIR)
    .action((o: { dir: string }) => {
      for (const ex of EXERCISES) {
        const file = join(o.dir, ex.file);
        const state = !existsSync(file)
          ? 'missing'
          : readFileSync(file, 'utf8') === stubOf(ex.file)
            ? 'not started'
            : 'edited (check to grade it)';
        process.stdout.write(`${ex.n}. ${ex.title} [${state}]\n   ${ex.teaches}\n`);
      }
    });
  cmd
    .command('check')
    .description('grade your exercise files (all, or exercise n); exit code 1 until all pass')
    .argument('[n]', `one exercise, 1-${EXERCISES.length}`, positiveInt('<n>'))
    .option('--dir <dir>', 'your exercise folder', DEFAULT_DIR)
    .option('--json', 'print the results as JSON')
    .action(async (n: number | undefined, o: { dir: string; json?: boolean }) => {
      if (n !== undefined && n > EXERCISES.length)
        throw new RangeError(`<n> must be 1-${EXERCISES.length}, got ${n}`);
      if (!existsSync(o.dir))
        throw new Error(
          `--dir ${resolve(o.dir)} does not exist: run npx kdgrad exercises init ${o.dir}`,
        );
      const results = await gradeFolder(o.dir, n);
      if (o.json) printJson(results);
      else {
        results.forEach(printResult);
        const ok = results.filter((r) => r.status === 'passed').length;
        process.stdout.write(`\n${ok} of ${results.length} passed\n`);
      }
      if (results.some((r) => r.status !== 'passed')) process.exitCode = 1;
    });
}
