// Threads in a browser: a cross-origin isolated page (COOP/COEP headers) in headless chromium
// runs the kernels on 2 threads (Web Workers on a shared wasm memory) with the same results as 1.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForPage, hasChromium, withBrowser } from '../helpers/browser.js';

describe.runIf(hasChromium)('threads in a cross-origin isolated page', () => {
  let server: Server;
  let url = '';
  beforeAll(async () => {
    const js = await bundleForPage(join(import.meta.dirname, 'threads-page.ts'));
    const html =
      '<!doctype html><meta charset="utf-8"><title>kdgrad threads</title><script type="module" src="/threads.js"></script>';
    server = createServer((req, res) => {
      const isolation = {
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
      };
      if (req.url === '/threads.js')
        res.writeHead(200, { 'content-type': 'text/javascript', ...isolation }).end(js);
      else
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...isolation }).end(html);
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }, 60_000);
  afterAll(() => server?.close());

  it('2 Web Workers give the same bits as one thread', async () => {
    await withBrowser(async (browser) => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(url);
      await page.waitForFunction(
        () => typeof (globalThis as { runThreads?: unknown }).runThreads === 'function',
      );
      const r = await page.evaluate(() =>
        (globalThis as unknown as { runThreads: () => Promise<unknown> }).runThreads(),
      );
      expect(r).toEqual({
        isolated: true,
        ready: 2,
        status: '2 threads (Web Workers on shared wasm memory)',
        same: true,
        n: 65 * 90,
      });
      expect(errors).toEqual([]);
    });
  }, 60_000);
});
