#!/usr/bin/env node
// The kdgrad command line: runs the built JavaScript in dist/cli (made by `npm ci` / `npm run build`).
let cli;
try {
  cli = await import('../dist/cli/main.js');
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('dist')) throw e;
  process.stderr.write(
    'kdgrad: dist/cli/main.js is missing; build it with `npm run build` (npm ci does it)\n',
  );
  process.exit(1);
}
await cli.main(process.argv);
