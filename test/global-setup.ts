// Tests that run the command line (bin/kdgrad.mjs) or the examples (`import ... from 'kdgrad'`)
// use the built dist/: rebuild it first when a source file is newer.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default function setup(): void {
  const root = join(import.meta.dirname, '..');
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), '--if-stale'], {
    cwd: root,
    stdio: 'inherit',
  });
}
