// `npm run build:web` writes web/dist/ (index.html + explorer.js, self-contained, works offline);
// `npm run explorer` builds it and serves it on 127.0.0.1 (PORT, default 8080; 0 picks a free port).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const out = join(root, 'web/dist');

export async function buildWeb() {
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [join(root, 'web/src/main.ts')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
    minify: true, sourcemap: true, outfile: join(out, 'explorer.js'), external: ['node:*'], logLevel: 'warning',
  });
  copyFileSync(join(root, 'web/index.html'), join(out, 'index.html'));
  return out;
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.map': 'application/json', '.png': 'image/png' };

export function serve(port = 8080) {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = join(out, path === '/' ? 'index.html' : path);
    if (!file.startsWith(out) || !existsSync(file)) { res.writeHead(404); res.end('not found'); return; }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(port, '127.0.0.1', () => ok(server)));
}

if (process.argv[1] === import.meta.filename) {
  await buildWeb();
  if (process.argv.includes('--serve')) {
    const server = await serve(Number(process.env.PORT ?? 8080));
    console.log(`kdgrad explorer: http://127.0.0.1:${server.address().port}/  (Ctrl-C to stop)`);
  } else {
    console.log(`wrote ${out} (open index.html from any static server or file host)`);
  }
}
