// `npm run bench` with a bad peer list: one line naming it and the usage, no stack trace.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const bench = (arg: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench/run.ts'), arg], {
    cwd: root,
    encoding: 'utf8',
  });

describe('bench arguments', () => {
  it('an unknown or empty peer list is named with the usage, exit 2', () => {
    for (const [arg, why] of [
      ['nope', /bench: unknown peer "nope"/],
      ['', /bench: no peer named in ""/],
      [',', /bench: no peer named in ","/],
      ['tfjs-cpu', /kdgrad must be one of the peers/],
    ] as const) {
      const r = bench(arg);
      expect(r.status, arg).toBe(2);
      expect(r.stderr, arg).toMatch(why);
      expect(r.stderr, arg).toMatch(/usage: npm run bench \[-- peer,peer,\.\.\.\]/);
      expect(r.stderr, arg).not.toMatch(/\n\s+at /);
    }
    const help = bench('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/peers: kdgrad, pytorch, tfjs-cpu, tfjs-wasm, convnetjs/);
  }, 60_000);
});
