// What `sweep`, `demo` and `compare` share so that no finished run is lost: the output folder
// checked before the first run, a journal of finished runs written as each run ends (resumed by
// --resume), and Ctrl-C / SIGTERM turned into "stop after this batch, write what is finished".
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** --out-dir must be a folder that exists (or can be made) and can be written; checked up front. */
export async function checkOutDir(dir: string): Promise<void> {
  if (!dir.trim()) throw new Error('--out-dir is empty: give the folder to write the report into');
  const st = await stat(dir).catch(() => null);
  if (st && !st.isDirectory()) throw new Error(`--out-dir ${dir} is a file, not a folder`);
  try {
    await mkdir(dir, { recursive: true });
    const probe = join(dir, `.kdgrad-write-check-${process.pid}`);
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new Error(`--out-dir ${dir}: cannot write there (${why})`, { cause: e });
  }
}

interface JournalFile<R> {
  study: string;
  settings: Record<string, unknown>;
  total: number;
  runs: R[];
}

export interface Journal<R> {
  /** The runs an earlier invocation finished (empty unless resuming). */
  done: R[];
  /** Adds a finished run and rewrites the journal (atomically) at once. */
  record(run: R): Promise<void>;
  path: string;
}

/**
 * Opens `<dir>/<study>.progress.json`. With `resume`, its settings must equal `settings` and its
 * finished runs are returned; without, an unfinished journal that holds finished runs is refused
 * unless `force` (a fresh study would overwrite them).
 */
export async function openJournal<R>(
  dir: string,
  study: string,
  settings: Record<string, unknown>,
  total: number,
  opts: { resume?: boolean; force?: boolean },
): Promise<Journal<R>> {
  const path = join(dir, `${study}.progress.json`);
  const text = await readFile(path, 'utf8').catch(() => null);
  let saved: JournalFile<R> | null = null;
  if (text !== null) {
    try {
      saved = JSON.parse(text) as JournalFile<R>;
    } catch (e) {
      throw new Error(`${path} is not a ${study} journal (${(e as Error).message})`, { cause: e });
    }
  }
  let done: R[] = [];
  if (opts.resume) {
    if (!saved) throw new Error(`--resume: no ${study} to continue in ${dir} (${path} not found)`);
    const differ = Object.keys({ ...settings, ...saved.settings }).filter(
      (k) => JSON.stringify(settings[k]) !== JSON.stringify(saved.settings[k]),
    );
    if (differ.length) {
      const lines = differ.map(
        (k) =>
          `${k}: saved ${JSON.stringify(saved.settings[k])}, given ${JSON.stringify(settings[k])}`,
      );
      throw new Error(
        `--resume: ${path} was written by a ${study} with other options; ` +
          'run the same command as before with --resume, or choose another --out-dir:\n  ' +
          lines.join('\n  '),
      );
    }
    done = saved.runs;
  } else if (saved && saved.runs.length > 0 && saved.runs.length < saved.total && !opts.force) {
    throw new Error(
      `--out-dir ${dir} holds an interrupted ${study} ` +
        `(${saved.runs.length} of ${saved.total} runs finished, ${path}): ` +
        'continue it with --resume, or start over with --force',
    );
  }
  const runs = [...done];
  const write = async () => {
    const tmp = `${path}.tmp-${process.pid}`;
    const file: JournalFile<R> = { study, settings, total, runs };
    await writeFile(tmp, `${JSON.stringify(file, null, 1)}\n`);
    await rename(tmp, path);
  };
  return {
    done,
    path,
    async record(run: R) {
      runs.push(run);
      await write();
    },
  };
}

/**
 * Ctrl-C and SIGTERM ask the study to stop after the current batch (a second Ctrl-C quits at
 * once). `stopped()` says whether one came; `exitCode` is 130 for SIGINT, 143 for SIGTERM.
 */
export function stopSignals(): { stopped(): boolean; exitCode: number; release(): void } {
  let signal: 'SIGINT' | 'SIGTERM' | null = null;
  const on = (s: 'SIGINT' | 'SIGTERM') => () => {
    if (signal) process.exit(s === 'SIGINT' ? 130 : 143);
    signal = s;
    process.stderr.write(
      '\nstopping: the finished runs are written after this batch (Ctrl-C again to quit at once)\n',
    );
  };
  const onInt = on('SIGINT');
  const onTerm = on('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    stopped: () => signal !== null,
    get exitCode() {
      return signal === 'SIGTERM' ? 143 : 130;
    },
    release() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}
