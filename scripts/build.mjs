// Builds dist/: an ESM bundle for Node, an ESM bundle and a minified IIFE (global `kdgrad`)
// for the browser, and .d.ts types. Usage: node scripts/build.mjs [outdir]
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const out = resolve(root, process.argv[2] ?? 'dist');
rmSync(out, { recursive: true, force: true });

const common = { entryPoints: [join(root, 'src/index.ts')], bundle: true, sourcemap: true, target: 'es2022', logLevel: 'warning' };
await build({ ...common, platform: 'node', format: 'esm', outfile: join(out, 'node/index.js') });
// node:* is only reached through dynamic imports in the file helpers (saveSafetensors, ...), never in the browser.
await build({ ...common, platform: 'browser', format: 'esm', external: ['node:*'], outfile: join(out, 'browser/kdgrad.js') });
await build({ ...common, platform: 'browser', format: 'iife', globalName: 'kdgrad', minify: true, external: ['node:*'], outfile: join(out, 'browser/kdgrad.min.js') });
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--declarationDir', join(out, 'types')], { stdio: 'inherit' });
console.log(`built ${out}: node/index.js, browser/kdgrad.js, browser/kdgrad.min.js, types/`);
