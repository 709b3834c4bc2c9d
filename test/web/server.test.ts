// The explorer's static server against careless and hostile requests.
import { execFile } from 'node:child_process';
import { request, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb, parsePort, serve } from '../../scripts/explorer.mjs';
import { data } from '../../src/index.js';
import { learnableSet } from '../helpers/fixtures.js';

let server: Server;
let port = 0;
beforeAll(async () => {
  await buildWeb();
  server = await serve(0);
  port = (server.address() as AddressInfo).port;
}, 60_000);
afterAll(() => server?.close());

/** A raw GET (fetch would normalise the path and the Host header). */
function get(
  path: string,
  host = `127.0.0.1:${port}`,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A raw request with any method; resolves status, headers and the body's length. */
function call(
  method: string,
  path = '/',
): Promise<{ status: number; headers: Record<string, unknown>; length: number }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method, headers: { host: `127.0.0.1:${port}` } },
      (res) => {
        let length = 0;
        res.on('data', (d: Buffer) => {
          length += d.length;
        });
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, length }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('explorer server', () => {
  it('serves GET and HEAD only: other methods get 405 with Allow', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const r = await call(method);
      expect(r.status, method).toBe(405);
      expect(r.headers.allow, method).toBe('GET, HEAD');
    }
    const head = await call('HEAD');
    expect(head.status).toBe(200);
    expect(head.length).toBe(0);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
  });

  it('many paused readers of the source map share one copy of it', async () => {
    const sockets: import('node:http').ClientRequest[] = [];
    await call('GET', '/explorer.js.map'); // the first read fills the cache
    const before = process.memoryUsage().arrayBuffers;
    await Promise.all(
      Array.from(
        { length: 40 },
        () =>
          new Promise<void>((resolve) => {
            const req = request(
              {
                host: '127.0.0.1',
                port,
                path: '/explorer.js.map',
                headers: { host: `127.0.0.1:${port}` },
              },
              (res) => {
                res.pause(); // a reader that never reads
                resolve();
              },
            );
            sockets.push(req);
            req.end();
          }),
      ),
    );
    const grown = process.memoryUsage().arrayBuffers - before;
    for (const s of sockets) s.destroy();
    // a copy per reader would be 40 × 4.5 MB = 180 MB
    expect(grown).toBeLessThan(40e6);
  });

  it('answers malformed percent-encoding with 400 and keeps serving', async () => {
    expect((await get('/%')).status).toBe(400);
    expect((await get('/%E0%A4%A')).status).toBe(400);
    expect((await get('/')).status).toBe(200);
  });

  it('sends nosniff and a same-origin Content-Security-Policy', async () => {
    const r = await get('/');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(String(r.headers['content-security-policy'])).toMatch(/default-src 'self'/);
    expect(r.body).toMatch(/<script defer src="explorer.js">/);
  });

  it('refuses a foreign Host (DNS rebinding) and paths outside web/dist', async () => {
    expect((await get('/', 'evil.example:80')).status).toBe(421);
    expect((await get('/', `localhost:${port}`)).status).toBe(200);
    expect((await get('/../package.json')).status).toBe(404);
    expect((await get('/%2e%2e/package.json')).status).toBe(404);
  });

  it('PORT in use or not a number: one line, no stack trace', async () => {
    expect(() => parsePort('abc')).toThrow(/PORT must be a number from 0 to 65535, got "abc"/);
    expect(parsePort(undefined)).toBe(8080);
    const root = join(import.meta.dirname, '../..');
    const run = promisify(execFile);
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const used = (busy.address() as AddressInfo).port;
    try {
      for (const [PORT, want] of [
        [String(used), new RegExp(`port ${used} is in use`)],
        ['abc', /PORT must be a number/],
      ] as const) {
        const err = await run(process.execPath, [join(root, 'scripts/explorer.mjs'), '--serve'], {
          cwd: root,
          env: { ...process.env, PORT },
        }).then(
          () => null,
          (e: { stderr: string; code: number }) => e,
        );
        expect(err?.code).toBe(1);
        expect(err?.stderr.trim().split('\n')).toHaveLength(1);
        expect(err?.stderr).toMatch(want);
      }
    } finally {
      busy.close();
    }
  }, 60_000);

  it('serves the first records of a CIFAR-10 split for the lab, and names bad requests', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kdgrad-lab-data-'));
    const set = learnableSet(5, 1);
    writeFileSync(join(dir, 'test_batch.bin'), data.encodeCifarBatch(set));
    const lab = await serve(0, { dataDir: dir });
    const labPort = (lab.address() as AddressInfo).port;
    try {
      const at = (path: string) => fetch(`http://127.0.0.1:${labPort}${path}`);
      const r = await at('/data/test_batch.bin?records=2');
      expect(r.status).toBe(200);
      expect(r.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      const bytes = new Uint8Array(await r.arrayBuffer());
      expect(bytes.length).toBe(2 * 3073);
      expect(Array.from(data.parseCifarBatch(bytes).labels)).toEqual(
        Array.from(set.labels.slice(0, 2)),
      );
      // more records than the file holds: the whole file
      expect((await (await at('/data/test_batch.bin?records=50')).arrayBuffer()).byteLength).toBe(
        5 * 3073,
      );
      for (const [path, status, message] of [
        [
          '/data/test_batch.bin?records=0',
          400,
          /records must be an integer from 1 to 10000, got "0"/,
        ],
        ['/data/test_batch.bin?records=2x', 400, /got "2x"/],
        [
          '/data/secrets.txt',
          404,
          /only data_batch_1\.bin … data_batch_5\.bin and test_batch\.bin are served/,
        ],
        ['/data/data_batch_1.bin', 404, /data\/data_batch_1\.bin: not in /],
      ] as const) {
        const res = await at(path);
        expect(res.status, path).toBe(status);
        expect(await res.text(), path).toMatch(message);
      }
    } finally {
      lab.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
