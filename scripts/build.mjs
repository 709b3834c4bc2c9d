// Builds dist/: the engine as an ESM bundle for Node, an ESM bundle and a minified IIFE (global
// `kdgrad`) for the browser, the command line as built JavaScript (dist/cli/main.js, so
// `kdgrad` starts without compiling TypeScript), and .d.ts types. Runs on `npm ci` (prepare).
// Usage: node scripts/build.mjs [outdir] [--if-stale]   (--if-stale: skip when dist/ is newer
// than every source file)
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const ifStale = args.includes('--if-stale');
const out = resolve(root, args.find((a) => !a.startsWith('--')) ?? 'dist');
const stamp = join(out, '.built');

function newestSource() {
  let newest = statSync(join(root, 'package.json')).mtimeMs;
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  walk(join(root, 'src'));
  return newest;
}

if (ifStale && existsSync(stamp) && statSync(stamp).mtimeMs >= newestSource()) process.exit(0);

rmSync(out, { recursive: true, force: true });
const common = { bundle: true, sourcemap: true, target: 'es2022', logLevel: 'warning' };
// tar is imported only when downloadCifar10 unpacks: left as an import, never bundled
const engine = { ...common, entryPoints: [join(root, 'src/index.ts')], external: ['tar'] };
await build({ ...engine, platform: 'node', format: 'esm', outfile: join(out, 'node/index.js') });
// node:* is only reached through dynamic imports in the file helpers (saveSafetensors, ...), never in the browser.
await build({
  ...engine,
  platform: 'browser',
  format: 'esm',
  external: ['node:*', 'tar'],
  outfile: join(out, 'browser/kdgrad.js'),
});
await build({
  ...engine,
  platform: 'browser',
  format: 'iife',
  globalName: 'kdgrad',
  minify: true,
  external: ['node:*', 'tar'],
  outfile: join(out, 'browser/kdgrad.min.js'),
});
// The CLI keeps its npm dependencies (commander, cli-progress, tar, the lazily loaded vega) as imports.
await build({
  ...common,
  entryPoints: [join(root, 'src/cli/main.ts')],
  platform: 'node',
  format: 'esm',
  packages: 'external',
  outfile: join(out, 'cli/main.js'),
});
execFileSync(
  process.execPath,
  [
    join(root, 'node_modules/typescript/bin/tsc'),
    '-p',
    join(root, 'tsconfig.build.json'),
    '--declarationDir',
    join(out, 'types'),
  ],
  { stdio: 'inherit' },
);
writeFileSync(stamp, `${new Date().toISOString()}\n`);
console.log(
  `built ${out}: node/index.js, browser/kdgrad.js, browser/kdgrad.min.js, cli/main.js, types/`,
);
