// `npm run bench:lab`: the KD lab's CIFAR-10 bench (two MLP students, 3072 → 256 → 10, batch 64,
// one of them distilled from the committed VGG teacher) trained for the same steps in Node and in
// headless Chromium's Web Worker, both on kdgrad's wasm kernels with the same thread count; prints
// training images per second per student in each and their ratio. Needs chromium and the CIFAR-10
// subset ($CIFAR10_DIR or ../shared/data/cifar-10-batches-bin).
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { getNumThreads, threadStatus, vggTeacher } from '../src/index.js';
import { parseCifarBatch } from '../src/data/cifar.js';
import { resolveCifarDir } from '../src/data/folder.js';
import { decodeSafetensors } from '../src/nn/safetensors.js';
import { CIFAR_TEST, CIFAR_TRAIN, CifarBench } from '../web/src/lab/cifar.js';
import { CHROMIUM, hasChromium, withBrowser } from '../test/helpers/browser.js';

const STEPS = Number(process.env.LAB_STEPS ?? 150);
const root = join(import.meta.dirname, '..');
const dir = await resolveCifarDir();

function nodeRun(): { ips: number; threads: string } {
  const read = (f: string, n: number) =>
    parseCifarBatch(readFileSync(join(dir, f)).subarray(0, n * 3073), f);
  const teacher = vggTeacher();
  const bytes = readFileSync(join(root, 'checkpoints/vgg-teacher.safetensors'));
  teacher.loadStateDict(decodeSafetensors(bytes).tensors);
  const b = new CifarBench(
    read('data_batch_1.bin', CIFAR_TRAIN),
    read('test_batch.bin', CIFAR_TEST),
    teacher,
  );
  for (let i = 0; i < STEPS; i++) b.trainStep();
  return { ips: b.imagesPerSecond(), threads: threadStatus() };
}

async function browserRun(): Promise<{ ips: number; threads: string }> {
  const { buildWeb, serve } = await import('../scripts/explorer.mjs');
  await buildWeb();
  const server = await serve(0, { dataDir: dir });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/lab.html`;
  try {
    return await withBrowser(async (browser) => {
      const page = await browser.newPage();
      await page.goto(url);
      await page.waitForFunction(
        () => (document.querySelector('#threads')?.textContent ?? '') !== '',
      );
      await page.click('#load-cifar');
      await page.waitForFunction(
        () => !(document.querySelector('#run-cifar') as HTMLButtonElement).disabled,
        null,
        { timeout: 300_000 },
      );
      await page.click('#run-cifar');
      await page.waitForFunction((n) => Number(document.body.dataset.stepCifar) >= n, STEPS, {
        timeout: 600_000,
        polling: 50,
      });
      await page.click('#run-cifar');
      const ips = Number(await page.textContent('#ips-cifar'));
      const threads = (await page.textContent('#threads'))!
        .replace(/^Kernels: /, '')
        .replace(/\.$/, '');
      return { ips, threads };
    });
  } finally {
    server.close();
  }
}

if (!hasChromium) {
  process.stderr.write(`bench:lab needs chromium at ${CHROMIUM} (apt-get install chromium)\n`);
  process.exit(1);
}
// alternated, best of ROUNDS each: a busy machine slows whichever runs during the load
const ROUNDS = Number(process.env.LAB_ROUNDS ?? 2);
const runs: { node: number[]; browser: number[] } = { node: [], browser: [] };
let node = { ips: 0, threads: '' };
let browser = { ips: 0, threads: '' };
for (let r = 0; r < ROUNDS; r++) {
  const n = nodeRun();
  const b = await browserRun();
  runs.node.push(n.ips);
  runs.browser.push(b.ips);
  if (n.ips > node.ips) node = n;
  if (b.ips > browser.ips) browser = b;
}
const ratio = browser.ips / node.ips;
const list = (v: number[]) => v.map((x) => x.toFixed(0)).join(', ');
process.stdout.write(
  [
    `KD lab, CIFAR-10 bench: ${STEPS} steps of two MLP students (batch 64), ` +
      `images per second per student, best of ${ROUNDS} alternated runs ` +
      `(Node ${list(runs.node)}; Chromium ${list(runs.browser)})`,
    '',
    '| where | kernels | images / s |',
    '| --- | --- | ---: |',
    `| Node ${process.versions.node} | ${node.threads} | ${node.ips.toFixed(0)} |`,
    `| Chromium (Web Worker) | ${browser.threads} | ${browser.ips.toFixed(0)} |`,
    '',
    `Chromium runs at ${ratio.toFixed(2)}× Node's speed in this run ` +
      `(${getNumThreads()} thread(s) in Node).`,
    '',
  ].join('\n'),
);
