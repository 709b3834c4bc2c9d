// The KD lab end to end in headless chromium: both benches train in the page's Web Worker (loss
// falls, accuracy above chance), T and α take effect live, the 3-seed check reads "ahead" on a
// setting with few labels, the URL holds the state, the page stays responsive and fits 390 and
// 1280 px (screenshots in report/). The CIFAR-10 bench needs the shared subset.
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, withBrowser } from '../helpers/browser.js';
import { hasSharedCifar, SHARED_CIFAR } from '../helpers/cifar.js';

const root = join(import.meta.dirname, '../..');

/** A page that records console errors, page errors and requests to other origins. */
async function open(page: Page, url: string) {
  const errors: string[] = [];
  const foreign: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('request', (r) => {
    const origin = url.startsWith('file:') ? 'file:' : url.slice(0, url.indexOf('/', 8));
    if (!r.url().startsWith(origin) && !r.url().startsWith('blob:') && !r.url().startsWith('data:'))
      foreign.push(r.url());
  });
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.step2d !== undefined, null, {
    timeout: 60_000,
  });
  return { errors, foreign };
}

const step2d = (page: Page) => page.evaluate(() => Number(document.body.dataset.step2d));

describe.runIf(hasChromium)('KD lab in headless chromium', () => {
  let server: Server;
  let base = '';
  beforeAll(async () => {
    const { buildWeb, serve } = await import('../../scripts/explorer.mjs');
    await buildWeb();
    server = await serve(0, hasSharedCifar ? { dataDir: SHARED_CIFAR } : {});
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }, 120_000);
  afterAll(() => server?.close());

  it('2-D: both students learn in the worker, T and α act live, the page stays responsive, pause stops', async () => {
    await withBrowser(async (browser) => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const { errors, foreign } = await open(page, `${base}lab.html`);
      expect(await page.textContent('#threads')).toMatch(/2 threads/); // cross-origin isolated
      await page.evaluate(() => {
        const w = window as unknown as { longest: number };
        w.longest = 0;
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) w.longest = Math.max(w.longest, e.duration);
        }).observe({ type: 'longtask', buffered: false });
      });
      await page.click('#run2d');
      await page.waitForFunction(() => Number(document.body.dataset.step2d) >= 300, null, {
        timeout: 120_000,
      });
      const [first, last] = await page.evaluate(() =>
        [document.body.dataset.loss2dFirst!, document.body.dataset.loss2d!].map((s) =>
          s.split(',').map(Number),
        ),
      );
      expect(last![0]).toBeLessThan(first![0]!);
      expect(last![1]).toBeLessThan(first![1]!);
      for (const id of ['#acc-scratch', '#acc-distilled'])
        expect(Number(await page.textContent(id))).toBeGreaterThan(60); // chance: 33%
      expect(await page.textContent('#reading2d')).toMatch(
        /^At step \d+ the distilled student is (ahead of|behind|level with) its twin/,
      );
      // α to 0 while training: the soft share of the distilled gradient drops to 0
      await page.$eval('#k-alpha', (el) => {
        (el as HTMLInputElement).value = '0';
        el.dispatchEvent(new Event('input', { bubbles: true }));
      });
      await page.waitForFunction(
        () => document.querySelector('#soft-share')?.textContent === '0.0',
        null,
        {
          timeout: 30_000,
        },
      );
      expect(page.url()).toMatch(/[?&]alpha=0(&|$)/);
      // the main thread only draws: no task blocks it for long while the worker trains
      const longest = await page.evaluate(() => (window as unknown as { longest: number }).longest);
      expect(longest).toBeLessThan(200);
      await page.click('#run2d'); // pause
      await page.waitForTimeout(300);
      const paused = await step2d(page);
      await page.waitForTimeout(700);
      expect(await step2d(page)).toBe(paused);
      await page.click('#stepbtn2d');
      await page.waitForFunction((s) => Number(document.body.dataset.step2d) === s + 10, paused);
      expect(errors).toEqual([]);
      expect(foreign).toEqual([]);
    });
  }, 180_000);

  it('2-D: with few labels on the checkerboard, the 3-seed check reads "ahead"; the URL sets every knob', async () => {
    await withBrowser(async (browser) => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const query = 'dataset=checkerboard&labelled=30&transfer=300&T=4&alpha=0.9&width=16&seed=0';
      const { errors } = await open(page, `${base}lab.html?${query}`);
      expect(await page.$eval('#dataset', (el) => (el as HTMLSelectElement).value)).toBe(
        'checkerboard',
      );
      expect(await page.$eval('#k-labelled', (el) => (el as HTMLInputElement).value)).toBe('30');
      await page.click('#seeds2d');
      await page.waitForFunction(() => document.body.dataset.seeds !== undefined, null, {
        timeout: 120_000,
      });
      expect(await page.evaluate(() => document.body.dataset.seeds)).toBe('ahead');
      expect(await page.textContent('#reading-seeds')).toMatch(
        /^After 500 steps the distilled student is ahead by \d+\.\d points on the test points, over 3 seeds \(0, 1, 2\)/,
      );
      // a bad value is named and replaced by its default
      const bad = await browser.newPage();
      await bad.goto(`${base}lab.html?T=0&dataset=circles`);
      await bad.waitForFunction(() => document.body.dataset.step2d !== undefined, null, {
        timeout: 60_000,
      });
      expect(await bad.textContent('#url-problems')).toMatch(
        /dataset=circles \(must be one of moons, spirals, checkerboard\); T=0 \(must be a number in \[0\.5, 20\]\)/,
      );
      expect(bad.url()).toMatch(/[?&]T=4(&|$)/);
      expect(errors).toEqual([]);
    });
  }, 180_000);

  it.runIf(hasSharedCifar)(
    'CIFAR-10: both MLP students train on the served subset; T changes the soft targets live',
    async () => {
      await withBrowser(async (browser) => {
        const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
        const { errors } = await open(page, `${base}lab.html`);
        await page.click('#load-cifar');
        await page.waitForFunction(
          () => !(document.querySelector('#run-cifar') as HTMLButtonElement).disabled,
          null,
          { timeout: 120_000 },
        );
        expect(await page.textContent('#status-cifar')).toMatch(
          /teacher vgg-teacher: \d+\.\d% on 500 test images; students train on 2000 images/,
        );
        await page.click('#run-cifar');
        await page.waitForFunction(() => Number(document.body.dataset.stepCifar) >= 60, null, {
          timeout: 120_000,
        });
        // T up while it trains: at the next evaluation the teacher's top class holds less mass
        const topShare = () =>
          page.$$eval('#samples tbody tr td:first-of-type', (cells) =>
            cells.map((c) => Number(/(\d+)%/.exec(c.textContent ?? '')![1])),
          );
        const atT4 = await topShare();
        await page.$eval('#c-T', (el) => {
          (el as HTMLInputElement).value = '16';
          el.dispatchEvent(new Event('input', { bubbles: true }));
        });
        const seen = await page.evaluate(() => Number(document.body.dataset.stepCifar));
        await page.waitForFunction((s) => Number(document.body.dataset.stepCifar) >= s + 21, seen, {
          timeout: 120_000,
        });
        const atT16 = await topShare();
        atT4.forEach((v, i) => expect(atT16[i]).toBeLessThan(v));
        expect(page.url()).toMatch(/[?&]cT=16(&|$)/);
        await page.click('#run-cifar');
        for (const id of ['#acc-cifar-scratch', '#acc-cifar-distilled'])
          expect(Number(await page.textContent(id))).toBeGreaterThan(20); // chance: 10%
        expect(Number(await page.textContent('#ips-cifar'))).toBeGreaterThan(0);
        expect(await page.$$eval('#samples tbody tr', (r) => r.length)).toBe(4);
        expect(await page.textContent('#reading-cifar')).toMatch(
          /^At step \d+ the distilled student/,
        );
        expect(errors).toEqual([]);
      });
    },
    240_000,
  );

  it('opened from disk: the 2-D bench trains on one thread, and the CIFAR bench takes picked files', async () => {
    await withBrowser(async (browser) => {
      const page = await browser.newPage();
      const { errors } = await open(page, pathToFileURL(join(root, 'web/dist/lab.html')).href);
      expect(await page.textContent('#threads')).toMatch(/not cross-origin isolated/);
      await page.click('#stepbtn2d');
      await page.waitForFunction(() => Number(document.body.dataset.step2d) >= 10);
      await page.click('#load-cifar');
      await page.waitForSelector('#pick-cifar:not([hidden])');
      expect(await page.textContent('#status-cifar')).toMatch(/^Opened from disk: pick/);
      if (hasSharedCifar) {
        await page.setInputFiles('#pick-train', join(SHARED_CIFAR, 'data_batch_1.bin'));
        await page.setInputFiles('#pick-test', join(SHARED_CIFAR, 'test_batch.bin'));
        await page.click('#pick-go');
        await page.waitForFunction(
          () => !(document.querySelector('#run-cifar') as HTMLButtonElement).disabled,
          null,
          { timeout: 120_000 },
        );
        expect(await page.textContent('#status-cifar')).toMatch(/students train on 2000 images/);
      }
      expect(errors).toEqual([]);
    });
  }, 180_000);

  it.each([1280, 390])(
    'at %i px: no horizontal overflow; screenshot in report/',
    async (width) => {
      await withBrowser(async (browser) => {
        const page = await browser.newPage({ viewport: { width, height: 900 } });
        await open(page, `${base}lab.html`);
        await page.click('#run2d');
        await page.waitForFunction(() => Number(document.body.dataset.step2d) >= 150, null, {
          timeout: 120_000,
        });
        await page.click('#run2d');
        const overflow = await page.evaluate(() => ({
          page: document.documentElement.scrollWidth - window.innerWidth,
          panels: Array.from(
            document.querySelectorAll('section'),
            (s) => s.scrollWidth - s.clientWidth,
          ),
        }));
        expect(overflow.page, 'page wider than the window').toBeLessThanOrEqual(0);
        for (const [i, extra] of overflow.panels.entries())
          expect(extra, `panel ${i + 1} overflows`).toBeLessThanOrEqual(1);
        mkdirSync(join(root, 'report'), { recursive: true });
        await page.screenshot({ path: join(root, 'report', `lab-${width}.png`), fullPage: true });
      });
    },
    180_000,
  );
});
