// The bench's browser peer: kdgrad's own workloads in headless Chromium (Debian's chromium through
// playwright-core), in a page served cross-origin isolated (COOP/COEP: shared memory, Web Workers,
// as many threads as the browser reports cores) and in one that is not (one thread). The
// isolated page's numbers fill the row; the other's are a note.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { bundleForPage, CHROMIUM, hasChromium, withBrowser } from '../test/helpers/browser.js';
import type { WorkloadResult } from './timing.js';

interface PageResult {
  matmulGflops: number;
  cnnImgPerSec: number;
  mlpImgPerSec: number;
  isolated: boolean;
  threads: string;
  kernels: string;
}

/** Serves the page (isolated or not) and runs the workloads in it. */
async function runPage(js: string, isolated: boolean): Promise<PageResult> {
  const headers = isolated
    ? {
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
      }
    : {};
  const html =
    '<!doctype html><meta charset="utf-8"><title>kdgrad bench</title>' +
    '<script type="module" src="/bench.js"></script>';
  const server = createServer((req, res) => {
    if (req.url === '/bench.js')
      res.writeHead(200, { 'content-type': 'text/javascript', ...headers }).end(js);
    else res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...headers }).end(html);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  try {
    return await withBrowser(async (browser) => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      await page.waitForFunction(
        () => typeof (globalThis as { runBench?: unknown }).runBench === 'function',
      );
      const r = (await page.evaluate(() =>
        (globalThis as unknown as { runBench: () => Promise<unknown> }).runBench(),
      )) as PageResult;
      if (errors.length) throw new Error(`the bench page failed: ${errors.join('; ')}`);
      return r;
    });
  } finally {
    server.close();
  }
}

export async function runBrowser(): Promise<WorkloadResult> {
  if (!hasChromium) throw new Error(`no chromium at ${CHROMIUM} (apt-get install chromium)`);
  const js = await bundleForPage(join(import.meta.dirname, 'browser-page.ts'));
  const on = await runPage(js, true);
  const off = await runPage(js, false);
  const version = await withBrowser((b) => Promise.resolve(b.version()));
  return {
    matmulGflops: on.matmulGflops,
    cnnImgPerSec: on.cnnImgPerSec,
    mlpImgPerSec: on.mlpImgPerSec,
    kdStepMicros: null,
    convFwdBwdMs: null,
    notes: [
      `chromium: kdgrad in headless Chromium ${version}, page cross-origin isolated ` +
        `(${on.isolated ? on.threads : 'isolation refused: ' + on.threads}; ${on.kernels}); ` +
        `the same page not isolated (${off.threads}): matmul ${off.matmulGflops.toFixed(2)} ` +
        `GFLOPS, CNN ${off.cnnImgPerSec.toFixed(1)} img/s, ` +
        `MLP ${off.mlpImgPerSec.toFixed(0)} img/s`,
    ],
  };
}
