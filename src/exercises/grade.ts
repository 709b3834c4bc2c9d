// Grades a folder of exercise files: each exercise's properties run against the learner's
// functions; the first that fails is reported with its input, expected and got values and a hint.
// An exercise's check uses the library as its reference, never an earlier exercise's answer.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CompileError, loadEngine, loadLearnerFile } from './load.js';
import { EXERCISES } from './registry.js';
import { PropertyFailure, type Exercise } from './types.js';

export type Status = 'passed' | 'not written' | 'failed' | 'missing';

export interface ExerciseResult {
  n: number;
  file: string;
  title: string;
  status: Status;
  /** Properties that held, in order, before the first failure (all of them when passed). */
  passed: string[];
  /** The failing property and why (absent when passed). */
  failure?: {
    property: string;
    message: string;
    input?: string;
    expected?: string;
    got?: string;
    hint?: string;
  };
  seconds: number;
}

const notWritten = (e: unknown) =>
  /exercise \d+ is not written yet/.test(String((e as Error)?.message ?? e));

export async function gradeExercise(ex: Exercise, dir: string): Promise<ExerciseResult> {
  const t0 = performance.now();
  const file = join(dir, ex.file);
  const base = { n: ex.n, file: ex.file, title: ex.title, passed: [] as string[] };
  const done = (r: Omit<ExerciseResult, 'seconds' | 'n' | 'file' | 'title'>) => ({
    ...base,
    ...r,
    seconds: (performance.now() - t0) / 1000,
  });
  if (!existsSync(file))
    return done({
      status: 'missing',
      passed: [],
      failure: {
        property: 'the file exists',
        message: `${file} does not exist: run kdgrad exercises init`,
      },
    });
  const k = await loadEngine();
  let m;
  try {
    m = await loadLearnerFile(file);
  } catch (e) {
    const message =
      e instanceof CompileError ? `your file does not compile: ${e.message}` : String(e);
    return done({
      status: notWritten(e) ? 'not written' : 'failed',
      passed: [],
      failure: { property: 'the file loads', message },
    });
  }
  const passed: string[] = [];
  for (const p of ex.properties) {
    try {
      await p.run(k, m);
      passed.push(p.name);
    } catch (e) {
      if (notWritten(e))
        return done({
          status: 'not written',
          passed,
          failure: { property: p.name, message: (e as Error).message },
        });
      if (e instanceof PropertyFailure) {
        const { input, expected, got, hint } = e;
        return done({
          status: 'failed',
          passed,
          failure: { property: p.name, message: e.message, input, expected, got, hint },
        });
      }
      return done({
        status: 'failed',
        passed,
        failure: { property: p.name, message: String((e as Error)?.stack ?? e) },
      });
    }
  }
  return done({ status: 'passed', passed });
}

/** Grades exercise `only` (1-based), or every one in order. */
export async function gradeFolder(dir: string, only?: number): Promise<ExerciseResult[]> {
  const chosen = only === undefined ? EXERCISES : EXERCISES.filter((e) => e.n === only);
  if (!chosen.length) throw new RangeError(`exercise must be 1-${EXERCISES.length}, got ${only}`);
  const out: ExerciseResult[] = [];
  for (const ex of chosen) out.push(await gradeExercise(ex, dir));
  return out;
}
