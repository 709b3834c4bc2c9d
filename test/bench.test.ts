// `npm run bench` and `npm run compare:torch` with bad arguments: one line naming what was wrong
// and the usage, no stack trace.
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
    expect(help.stdout).toMatch(
      /peers: kdgrad, pytorch, tfjs-cpu, tfjs-wasm, convnetjs, jaxjs, chromium/,
    );
  }, 60_000);

  it('compare:torch names an unknown option or a bad value with the usage, exit 2', () => {
    for (const [args, why] of [
      [['--nope'], /compare:torch: Unknown option '--nope'/],
      [['--seeds', 'x'], /--seeds must be a positive integer, got x/],
      [['--crop-fill', 'red'], /--crop-fill must be black or mean, got red/],
    ] as const) {
      const r = spawnSync(process.execPath, [join(root, 'scripts/compare-torch.mjs'), ...args], {
        cwd: root,
        encoding: 'utf8',
      });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(why);
      expect(r.stderr).toMatch(/usage: npm run compare:torch/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
