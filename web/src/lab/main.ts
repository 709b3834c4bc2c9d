// The KD lab page: controls and drawings on the main thread, training in a Web Worker
// (protocol.ts). Every 2-D knob and the CIFAR bench's T and α live in the URL.
import { Chart, stepLineSpec, type Row } from '../charts.js';
import { CLASS_NAMES } from '../../../src/data/cifar.js';
import { CLASSES_2D, DATASETS, GRID, type Metrics2D, type Settings2D } from './bench2d.js';
import {
  CIFAR_TEST,
  CIFAR_TRAIN,
  DEFAULTS_CIFAR,
  type CifarPoint,
  type SoftTargetRow,
} from './cifar.js';
import type { FromWorker, Regions, ToWorker } from './protocol.js';
import { parseQuery, RANGES, toQuery, type LabState } from './url.js';
import { readLive } from './reading.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const parsed = parseQuery(location.search);
const state: LabState = parsed.state;
if (parsed.problems.length)
  $('url-problems').textContent =
    `Ignored in the address (defaults used): ${parsed.problems.join('; ')}.`;

const worker = new Worker(
  URL.createObjectURL(new Blob([LAB_WORKER_SOURCE], { type: 'text/javascript' })),
);
const send = (m: ToWorker, transfer: Transferable[] = []) => worker.postMessage(m, transfer);

function saveUrl(): void {
  history.replaceState(null, '', `?${toQuery(state)}`);
}

// ---- 2-D bench ---------------------------------------------------------------------------------
const COLORS = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
];
let points: Extract<FromWorker, { type: 'ready2d' }>['points'] | null = null;
let running2d = false;
let history2d: Metrics2D[] = [];
const acc2d = new Chart(
  $('chart-acc2d'),
  stepLineSpec({
    title: 'accuracy (train: the labelled points)',
    yTitle: 'accuracy',
    series: ['from labels: train', 'from labels: test', 'distilled: train', 'distilled: test'],
    colors: ['#bbb', '#666', '#f4a3a3', '#d62728'],
    yDomain: [0, 1],
  }),
  'canvas',
);
const loss2d = new Chart(
  $('chart-loss2d'),
  stepLineSpec({
    title: 'cross-entropy',
    yTitle: 'loss',
    series: ['from labels: train', 'from labels: test', 'distilled: train', 'distilled: test'],
    colors: ['#bbb', '#666', '#f4a3a3', '#d62728'],
  }),
  'canvas',
);

function drawRegions(canvasId: string, r: Regions): void {
  const canvas = $<HTMLCanvasElement>(canvasId);
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(GRID, GRID);
  for (let k = 0; k < GRID * GRID; k++) {
    const [cr, cg, cb] = COLORS[r.cls[k]!]!;
    // confidence 1/C (undecided) is white, 1 is the class colour at 60%
    const C = CLASSES_2D[state.s2d.dataset];
    const w = Math.max(0, (r.conf[k]! - 1 / C) / (1 - 1 / C)) * 0.6;
    img.data.set([255 - w * (255 - cr!), 255 - w * (255 - cg!), 255 - w * (255 - cb!), 255], 4 * k);
  }
  const off = new OffscreenCanvas(GRID, GRID);
  off.getContext('2d')!.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
  if (!points) return;
  const px = (v: number) => ((v + 1) / 2) * canvas.width;
  const py = (v: number) => ((1 - v) / 2) * canvas.height;
  ctx.fillStyle = 'rgba(0,0,0,0.35)';
  for (let i = 0; i < points.transfer.length / 2; i++)
    ctx.fillRect(px(points.transfer[2 * i]!) - 1, py(points.transfer[2 * i + 1]!) - 1, 2, 2);
  for (let i = 0; i < points.labels.length; i++) {
    const [cr, cg, cb] = COLORS[points.labels[i]!]!;
    ctx.beginPath();
    ctx.arc(px(points.labelled[2 * i]!), py(points.labelled[2 * i + 1]!), 4, 0, 2 * Math.PI);
    ctx.fillStyle = `rgb(${cr},${cg},${cb})`;
    ctx.fill();
    ctx.strokeStyle = '#000';
    ctx.stroke();
  }
}

let chartsPending = false;
let chartsDrawn = 0;
/** Reports already on the curves; the rest are added at the next redraw. */
let charted = 0;
/** Redraws the curves at most every CHART_MS, however fast the worker reports. */
const CHART_MS = 400;

const rows2d = (ms: readonly Metrics2D[]) => {
  const acc: Row[] = [];
  const loss: Row[] = [];
  for (const m of ms) {
    acc.push({ step: m.step, series: 'from labels: train', value: m.scratch.trainAccuracy });
    acc.push({ step: m.step, series: 'from labels: test', value: m.scratch.testAccuracy });
    acc.push({ step: m.step, series: 'distilled: train', value: m.distilled.trainAccuracy });
    acc.push({ step: m.step, series: 'distilled: test', value: m.distilled.testAccuracy });
    loss.push({ step: m.step, series: 'from labels: train', value: m.scratch.trainLoss });
    loss.push({ step: m.step, series: 'from labels: test', value: m.scratch.testLoss });
    loss.push({ step: m.step, series: 'distilled: train', value: m.distilled.trainLoss });
    loss.push({ step: m.step, series: 'distilled: test', value: m.distilled.testLoss });
  }
  return { acc, loss };
};

function drawCharts2d(): void {
  if (chartsPending) return;
  chartsPending = true;
  const wait = Math.max(0, chartsDrawn + CHART_MS - performance.now());
  setTimeout(
    () =>
      requestAnimationFrame(() => {
        chartsPending = false;
        chartsDrawn = performance.now();
        // only the new reports are added; a thinned history is drawn anew
        const fresh = charted <= history2d.length ? history2d.slice(charted) : history2d;
        const { acc, loss } = rows2d(fresh);
        const whole = charted > history2d.length;
        charted = history2d.length;
        // one chart per frame: each redraw is a task of its own, so none holds the page long
        void (whole ? acc2d.update({ table: acc }) : acc2d.insert({ table: acc })).then(() =>
          requestAnimationFrame(
            () => void (whole ? loss2d.update({ table: loss }) : loss2d.insert({ table: loss })),
          ),
        );
      }),
    wait,
  );
}

function showMetrics2d(m: Metrics2D): void {
  history2d.push(m);
  // at most 200 points a curve: every other one dropped when it grows past that
  if (history2d.length > 200) {
    history2d = history2d.filter((_, i) => i % 2 === 0);
    charted = Infinity; // the next redraw replaces the curves
  }
  const pct = (v: number) => (100 * v).toFixed(1);
  $('step2d').textContent = String(m.step);
  $('acc-scratch').textContent = pct(m.scratch.testAccuracy);
  $('acc-distilled').textContent = pct(m.distilled.testAccuracy);
  $('soft-share').textContent = pct(m.softShare);
  $('reading2d').textContent = readLive(
    m.step,
    m.scratch.testAccuracy,
    m.distilled.testAccuracy,
    500,
    'test points',
  );
  // for tests and the curious: the students' test losses now and at the first report
  const losses = `${m.scratch.testLoss},${m.distilled.testLoss}`;
  document.body.dataset.loss2dFirst ??= losses;
  document.body.dataset.loss2d = losses;
  document.body.dataset.step2d = String(m.step);
  drawCharts2d();
}

function restart2d(): void {
  history2d = [];
  charted = Infinity;
  delete document.body.dataset.loss2dFirst;
  points = null;
  $('status2d').textContent = 'training the teacher…';
  $('reading-seeds').textContent = '';
  send({ type: 'init2d', settings: { ...state.s2d } });
  if (running2d) send({ type: 'run2d', running: true });
  saveUrl();
}

/** Builds the 2-D controls from the state; live knobs message the worker, the others restart. */
function controls2d(): void {
  const select = $<HTMLSelectElement>('dataset');
  select.innerHTML = DATASETS.map((d) => `<option value="${d}">${d}</option>`).join('');
  select.value = state.s2d.dataset;
  select.addEventListener('change', () => {
    state.s2d.dataset = select.value as Settings2D['dataset'];
    restart2d();
  });
  for (const key of Object.keys(RANGES) as (keyof typeof RANGES)[]) {
    const input = $<HTMLInputElement>(`k-${key}`);
    const out = $<HTMLOutputElement>(`k-${key}-out`);
    input.value = String(state.s2d[key]);
    state.s2d[key] = Number(input.value); // as the slider snapped it
    out.textContent = input.value;
    const live = key === 'T' || key === 'alpha' || key === 'lr';
    input.addEventListener(live ? 'input' : 'change', () => {
      state.s2d[key] = Number(input.value);
      out.textContent = input.value;
      if (live) {
        send({ type: 'knobs2d', knobs: { [key]: state.s2d[key] } });
        saveUrl();
      } else restart2d();
    });
    if (!live) input.addEventListener('input', () => (out.textContent = input.value));
  }
  $('run2d').addEventListener('click', () => {
    running2d = !running2d;
    $('run2d').textContent = running2d ? 'pause' : 'train';
    send({ type: 'run2d', running: running2d });
  });
  $('stepbtn2d').addEventListener('click', () => send({ type: 'step2d', steps: 10 }));
  $('reset2d').addEventListener('click', restart2d);
  $('seeds2d').addEventListener('click', () => {
    $('reading-seeds').textContent = 'training both students on 3 seeds (500 steps each)…';
    const seeds = [0, 1, 2].map((i) => state.s2d.seed + i);
    send({ type: 'seeds2d', settings: { ...state.s2d }, seeds, steps: 500 });
  });
}

// ---- CIFAR-10 bench ----------------------------------------------------------------------------
let runningCifar = false;
let cifarPoints: CifarPoint[] = [];
const accCifar = new Chart(
  $('chart-cifar'),
  stepLineSpec({
    title: `test accuracy (${CIFAR_TEST} test images)`,
    yTitle: 'accuracy',
    series: ['from labels', 'distilled'],
    colors: ['#888', '#d62728'],
  }),
  'canvas',
);

async function fetchSplit(file: string, records: number): Promise<ArrayBuffer> {
  const r = await fetch(`data/${file}?records=${records}`);
  if (!r.ok) throw new Error(`data/${file}: ${r.status} ${await r.text()}`);
  return r.arrayBuffer();
}

async function loadCifar(): Promise<void> {
  if (location.protocol === 'file:') {
    // a page opened from disk may not fetch files: the learner picks them
    $('status-cifar').textContent =
      'Opened from disk: pick a data_batch_*.bin and test_batch.bin below ' +
      '(npm run explorer serves them itself).';
    $('pick-cifar').hidden = false;
    return;
  }
  $('status-cifar').textContent = 'fetching the CIFAR-10 subset from this server…';
  try {
    const [train, test] = await Promise.all([
      fetchSplit('data_batch_1.bin', CIFAR_TRAIN),
      fetchSplit('test_batch.bin', CIFAR_TEST),
    ]);
    startCifar(train, test, 'this server');
  } catch (e) {
    $('status-cifar').textContent =
      `No data from a server (${(e as Error).message}). ` +
      'Pick a data_batch_*.bin and test_batch.bin below.';
    $('pick-cifar').hidden = false;
  }
}

function startCifar(train: ArrayBuffer, test: ArrayBuffer, from: string): void {
  $('status-cifar').textContent =
    `computing the teacher's logits for ${CIFAR_TRAIN} images (from ${from})…`;
  const slice = (b: ArrayBuffer, n: number) => b.slice(0, Math.min(b.byteLength, n * 3073));
  const [tr, te] = [slice(train, CIFAR_TRAIN), slice(test, CIFAR_TEST)];
  send(
    { type: 'initCifar', train: tr, test: te, settings: { ...DEFAULTS_CIFAR, ...state.cifar } },
    [tr, te],
  );
}

function controlsCifar(): void {
  $('load-cifar').addEventListener('click', () => void loadCifar());
  $('run-cifar').addEventListener('click', () => {
    runningCifar = !runningCifar;
    $('run-cifar').textContent = runningCifar ? 'pause' : 'train';
    send({ type: 'runCifar', running: runningCifar });
  });
  for (const key of ['T', 'alpha'] as const) {
    const input = $<HTMLInputElement>(`c-${key}`);
    const out = $<HTMLOutputElement>(`c-${key}-out`);
    input.value = String(state.cifar[key]);
    state.cifar[key] = Number(input.value);
    out.textContent = input.value;
    input.addEventListener('input', () => {
      state.cifar[key] = Number(input.value);
      out.textContent = input.value;
      send({ type: 'knobsCifar', knobs: { [key]: state.cifar[key] } });
      saveUrl();
    });
  }
  $('pick-go').addEventListener('click', () => void pickFiles());
}

/** The two files the learner picked (the page opened from disk, or no server data). */
async function pickFiles(): Promise<void> {
  const [a, b] = [
    $<HTMLInputElement>('pick-train').files?.[0],
    $<HTMLInputElement>('pick-test').files?.[0],
  ];
  if (!a || !b) {
    $('status-cifar').textContent = 'Pick both files: a training batch and test_batch.bin.';
    return;
  }
  startCifar(await a.arrayBuffer(), await b.arrayBuffer(), `${a.name} and ${b.name}`);
}

const top = (p: number[], k = 3) =>
  p
    .map((v, i) => [v, i] as const)
    .sort((x, y) => y[0] - x[0])
    .slice(0, k)
    .map(([v, i]) => `${CLASS_NAMES[i]} ${(100 * v).toFixed(0)}%`)
    .join(', ');

function showSamples(rows: SoftTargetRow[]): void {
  const tbody = $('samples').querySelector('tbody')!;
  tbody.innerHTML = rows
    .map(
      (r) =>
        `<tr><th scope="row">${r.image} (${CLASS_NAMES[r.label]})</th>` +
        `<td>${top(r.teacher)}</td><td>${top(r.scratch, 1)}</td>` +
        `<td>${top(r.distilled, 1)}</td></tr>`,
    )
    .join('');
}

function showCifar(m: Extract<FromWorker, { type: 'cifar' }>): void {
  $('step-cifar').textContent = String(m.step);
  $('ips-cifar').textContent = m.imagesPerSecond.toFixed(0);
  document.body.dataset.stepCifar = String(m.step);
  if (m.point) {
    cifarPoints.push(m.point);
    const p = m.point;
    $('acc-cifar-scratch').textContent = (100 * p.scratch).toFixed(1);
    $('acc-cifar-distilled').textContent = (100 * p.distilled).toFixed(1);
    $('reading-cifar').textContent = readLive(
      p.step,
      p.scratch,
      p.distilled,
      CIFAR_TEST,
      'test images',
    );
    void accCifar.update({
      table: cifarPoints.flatMap((q) => [
        { step: q.step, series: 'from labels', value: q.scratch },
        { step: q.step, series: 'distilled', value: q.distilled },
      ]),
    });
  }
  if (m.samples) showSamples(m.samples);
}

// ---- messages from the worker ------------------------------------------------------------------
worker.onmessage = (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  switch (m.type) {
    case 'ready2d':
      points = m.points;
      $('status2d').textContent =
        `teacher: ${(100 * m.teacherAccuracy).toFixed(1)}% on the 500 test points`;
      drawRegions('c-teacher', m.teacher);
      break;
    case 'metrics2d':
      showMetrics2d(m.metrics);
      if (m.regions) {
        drawRegions('c-scratch', m.regions.scratch);
        drawRegions('c-distilled', m.regions.distilled);
      }
      break;
    case 'seeds2d':
      $('reading-seeds').textContent = m.reading.text;
      document.body.dataset.seeds = m.reading.verdict;
      break;
    case 'readyCifar':
      cifarPoints = [];
      $('status-cifar').textContent =
        `teacher vgg-teacher: ${(100 * m.teacherAccuracy).toFixed(1)}% on ${m.test} test images; ` +
        `students train on ${m.train} images`;
      $<HTMLButtonElement>('run-cifar').disabled = false;
      break;
    case 'cifar':
      showCifar(m);
      break;
    case 'threads':
      $('threads').textContent = m.isolated
        ? `Kernels: ${m.status}.`
        : `Kernels: ${m.status} — this page is not cross-origin isolated (opened from disk or ` +
          'a server without COOP/COEP headers), so kdgrad runs on one thread.';
      break;
    case 'error':
      $('errors').textContent = `Error in the training worker: ${m.message}`;
      break;
  }
};

controls2d();
controlsCifar();
send({ type: 'threads' });
restart2d();
if (state.bench === 'cifar') $('cifar').scrollIntoView();
