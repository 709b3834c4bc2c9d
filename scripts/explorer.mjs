// `npm run build:web` writes web/dist/ (index.html + explorer.js, self-contained, works offline);
// `npm run explorer` builds it and serves it on 127.0.0.1 (PORT, default 8080; 0 picks a free port).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const out = join(root, 'web/dist');

export async function buildWeb() {
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [join(root, 'web/src/main.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    outfile: join(out, 'explorer.js'),
    external: ['node:*', 'tar'],
    logLevel: 'warning',
  });
  copyFileSync(join(root, 'web/index.html'), join(out, 'index.html'));
  return out;
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.map': 'application/json',
  '.png': 'image/png',
};

// Same-origin only: the page's own script and wasm, workers from blobs (threads), inline styles.
const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/**
 * One shared copy of each served file (re-read when it changes): many slow readers of the 4.5 MB
 * source map then hold references to one buffer instead of a copy each.
 */
const files = new Map();
function contents(file) {
  const { mtimeMs, size } = statSync(file);
  const hit = files.get(file);
  if (hit && hit.mtimeMs === mtimeMs && hit.size === size) return hit.body;
  const body = readFileSync(file);
  files.set(file, { mtimeMs, size, body });
  return body;
}

/**
 * Serves web/dist on 127.0.0.1 (GET and HEAD); refuses other methods (405 with Allow), malformed
 * paths (400) and foreign Host headers (421).
 */
export function serve(port = 8080) {
  const server = createServer((req, res) => {
    const send = (status, body, type = 'text/plain; charset=utf-8', extra = {}) => {
      res.writeHead(status, {
        'content-type': type,
        'content-length': Buffer.byteLength(body),
        'x-content-type-options': 'nosniff',
        'content-security-policy': CSP,
        'referrer-policy': 'no-referrer',
        ...extra,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    // DNS rebinding: a page on another name that resolves to 127.0.0.1 must not read this server
    const { port: bound } = server.address();
    const host = (req.headers.host ?? '').toLowerCase();
    if (host !== `127.0.0.1:${bound}` && host !== `localhost:${bound}`)
      return send(421, `misdirected request: this server answers for 127.0.0.1:${bound} only`);
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(
        405,
        `method ${req.method} not allowed: this server only serves files`,
        undefined,
        {
          allow: 'GET, HEAD',
        },
      );
    let path;
    try {
      path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(
        /^(\.\.[/\\])+/,
        '',
      );
    } catch {
      return send(400, 'bad request: malformed URL encoding');
    }
    const file = join(out, path === '/' ? 'index.html' : path);
    if (!file.startsWith(out) || !existsSync(file) || !statSync(file).isFile())
      return send(404, 'not found');
    send(200, contents(file), TYPES[extname(file)] ?? 'application/octet-stream');
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', fail);
      ok(server);
    });
  });
}

/** PORT as a port number (0 picks a free one), or an error naming the value. */
export function parsePort(value) {
  if (value === undefined || value === '') return 8080;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= 0 && n <= 65535))
    throw new Error(`PORT must be a number from 0 to 65535, got ${JSON.stringify(value)}`);
  return n;
}

if (process.argv[1] === import.meta.filename) {
  await buildWeb();
  if (process.argv.includes('--serve')) {
    try {
      const server = await serve(parsePort(process.env.PORT));
      console.log(`kdgrad explorer: http://127.0.0.1:${server.address().port}/  (Ctrl-C to stop)`);
    } catch (e) {
      const why =
        e.code === 'EADDRINUSE'
          ? `port ${e.port} is in use (set PORT to another port, or PORT=0 for a free one)`
          : e.message;
      console.error(`kdgrad explorer: ${why}`);
      process.exit(1);
    }
  } else {
    console.log(`wrote ${out} (open index.html from any static server or file host)`);
  }
}
