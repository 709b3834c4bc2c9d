// `npm run build:web` writes web/dist/ (index.html + explorer.js, self-contained, works offline);
// `npm run explorer` builds it and serves it on 127.0.0.1 (PORT, default 8080; 0 picks a free port).
import { build } from 'esbuild';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
} from 'node:fs';
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
  // the KD lab: its worker (kdgrad and the committed teacher's weights) bundled as a string into
  // the page's script, so the worker starts from a blob URL even when the page is opened from disk
  const worker = await build({
    entryPoints: [join(root, 'web/src/lab/worker.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    loader: { '.safetensors': 'binary' },
    external: ['node:*', 'tar'],
    logLevel: 'warning',
  });
  await build({
    entryPoints: [join(root, 'web/src/lab/main.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    outfile: join(out, 'lab.js'),
    define: { LAB_WORKER_SOURCE: JSON.stringify(worker.outputFiles[0].text) },
    external: ['node:*', 'tar'],
    logLevel: 'warning',
  });
  copyFileSync(join(root, 'web/lab.html'), join(out, 'lab.html'));
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

/** The CIFAR-10 folder the command line would use ($CIFAR10_DIR, ./data/…, ../shared/data/…). */
async function cifarDir() {
  const { data } = await import('../dist/node/index.js');
  return data.resolveCifarDir();
}

const RECORD = 3073;
const SPLIT_FILES = /^(data_batch_[1-5]|test_batch)\.bin$/;

/**
 * The first `records` records of a CIFAR-10 split file as bytes, or an error [status, message]
 * that names what was wrong (the file name, the count, a missing folder).
 */
async function cifarRecords(name, records, dataDir) {
  if (!SPLIT_FILES.test(name))
    return [
      404,
      `data/${name}: only data_batch_1.bin … data_batch_5.bin and test_batch.bin are served`,
    ];
  const n = records === null ? 10000 : /^\d+$/.test(records) ? Number(records) : NaN;
  if (!(n >= 1 && n <= 10000))
    return [
      400,
      `data/${name}: records must be an integer from 1 to 10000, got ${JSON.stringify(records)}`,
    ];
  let dir;
  try {
    dir = dataDir ?? (await cifarDir());
  } catch (e) {
    return [404, e.message];
  }
  const file = join(dir, name);
  if (!existsSync(file)) return [404, `data/${name}: not in ${dir}`];
  const bytes = Buffer.alloc(Math.min(n * RECORD, statSync(file).size));
  const fd = openSync(file, 'r');
  try {
    readSync(fd, bytes, 0, bytes.length, 0);
  } finally {
    closeSync(fd);
  }
  return bytes;
}

/**
 * Serves web/dist on 127.0.0.1 (GET and HEAD), and the first records of the CIFAR-10 split files
 * under data/ for the lab (from `dataDir`, else the folder the CLI finds); refuses other methods
 * (405 with Allow), malformed paths (400) and foreign Host headers (421). Pages are cross-origin
 * isolated (COOP/COEP), so kdgrad can use worker threads in them.
 */
export function serve(port = 8080, opts = {}) {
  const server = createServer((req, res) => {
    const send = (status, body, type = 'text/plain; charset=utf-8', extra = {}) => {
      res.writeHead(status, {
        'content-type': type,
        'content-length': Buffer.byteLength(body),
        'x-content-type-options': 'nosniff',
        'content-security-policy': CSP,
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
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
    let url;
    try {
      url = new URL(req.url ?? '/', 'http://x');
      path = normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, '');
    } catch {
      return send(400, 'bad request: malformed URL encoding');
    }
    if (path.startsWith('/data/')) {
      void cifarRecords(path.slice(6), url.searchParams.get('records'), opts.dataDir).then((r) =>
        Array.isArray(r) ? send(r[0], r[1]) : send(200, r, 'application/octet-stream'),
      );
      return;
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
      const base = `http://127.0.0.1:${server.address().port}/`;
      console.log(`kdgrad explorer: ${base}  KD lab: ${base}lab.html  (Ctrl-C to stop)`);
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
