// Headless Debian chromium through playwright-core, for the browser tests (.ci/run installs it).
import { existsSync } from 'node:fs';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

/** Runs fn with a fresh headless browser, closed afterwards whatever happens. */
export async function withBrowser<T>(fn: (browser: Browser) => Promise<T>): Promise<T> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    return await fn(browser);
  } finally {
    await browser.close();
  }
}

/** One ES module a page can load: `entry` with kdgrad bundled in, for the browser. */
export async function bundleForPage(entry: string): Promise<string> {
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    external: ['node:*', 'tar'],
    logLevel: 'warning',
  });
  return out.outputFiles[0]!.text;
}
