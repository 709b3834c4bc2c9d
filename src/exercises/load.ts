// Loads a learner's exercise file: esbuild strips its types and bundles its own imports, and
// `import … from 'kdgrad'` is pointed at this package's built engine, the same module instance the
// checks use (so a Tensor made by the learner is a Tensor to the checks).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { K, LearnerModule } from './types.js';

/** The built engine: two folders up from src/exercises/ in a clone and from dist/cli/ when built. */
const ENGINE = new URL('../../dist/node/index.js', import.meta.url);

let engine: Promise<K> | undefined;
export const loadEngine = (): Promise<K> => (engine ??= import(ENGINE.href) as Promise<K>);

/** Thrown when a learner's file cannot be compiled: names the file, line and what is wrong. */
export class CompileError extends Error {
  override name = 'CompileError';
}

export async function loadLearnerFile(file: string): Promise<LearnerModule> {
  const { build } = await import('esbuild');
  let code: string;
  try {
    const out = await build({
      entryPoints: [file],
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      write: false,
      logLevel: 'silent',
      plugins: [
        {
          name: 'kdgrad-engine',
          setup(b) {
            b.onResolve({ filter: /^kdgrad$/ }, () => ({ path: ENGINE.href, external: true }));
          },
        },
      ],
    });
    code = out.outputFiles[0]!.text;
  } catch (e) {
    const errors = (e as { errors?: { text: string; location?: { file: string; line: number } }[] })
      .errors;
    const first = errors?.[0];
    const where = first?.location ? `${first.location.file}:${first.location.line}: ` : '';
    throw new CompileError(`${where}${first?.text ?? (e as Error).message}`, { cause: e });
  }
  const dir = await mkdtemp(join(tmpdir(), 'kdgrad-exercise-'));
  const mjs = join(dir, 'exercise.mjs');
  try {
    await writeFile(mjs, code);
    return (await import(pathToFileURL(mjs).href)) as LearnerModule;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
