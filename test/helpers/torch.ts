// Real PyTorch (Debian's python3-torch, run as /usr/bin/python3) for interop tests. Tests that
// need it skip with a printed reason when it is missing; .ci/run installs it.
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { Tensor } from '../../src/index.js';

export const PYTHON = process.env.KDGRAD_TORCH_PYTHON ?? '/usr/bin/python3';
export const TORCH_SCRIPTS = resolve(import.meta.dirname, '../../scripts/torch');

function probe(): string | null {
  try {
    execFileSync(PYTHON, ['-c', 'import torch, numpy'], { stdio: 'pipe', timeout: 60_000 });
    return null;
  } catch (e) {
    return `${PYTHON} cannot import torch (apt-get install python3-torch): ${String((e as Error).message).split('\n')[0]}`;
  }
}

/** null when torch is usable, else why not (printed once by the caller's skip). */
export const torchMissing: string | null = probe();
if (torchMissing) console.warn(`skipping PyTorch interop tests: ${torchMissing}`);

/** Runs one of scripts/torch/*.py with arguments; throws with its stderr on failure. */
export function runTorchScript(script: string, args: string[]): string {
  return execFileSync(PYTHON, [join(TORCH_SCRIPTS, script), ...args], {
    cwd: TORCH_SCRIPTS,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 300_000,
  });
}

/** max |a − b| over max |b|: the error relative to the reference's scale. */
export function relErr(a: Tensor, b: Tensor): number {
  const x = a.toTypedArray();
  const y = b.toTypedArray();
  if (x.length !== y.length) throw new Error(`relErr: ${x.length} values against ${y.length}`);
  let err = 0,
    scale = 0;
  for (let i = 0; i < x.length; i++) {
    err = Math.max(err, Math.abs(x[i]! - y[i]!));
    scale = Math.max(scale, Math.abs(y[i]!));
  }
  return err / scale;
}
