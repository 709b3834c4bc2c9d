// `npm run bench`: kdgrad and its JavaScript peers on the same workloads, side by side in one
// run (one child process per peer), printed as a table with ratios and written to bench/results.md,
// followed by the memory figures of bench/memory.ts.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM, hasChromium } from '../test/helpers/browser.js';
import { bestImgPerSec, disturbedProbe, speedTargets } from './targets.js';
import type { WorkloadResult } from './timing.js';
import { wrapProse } from './wrap.js';

const root = join(import.meta.dirname, '..');
// PyTorch joins when Debian's python3-torch is installed (apt-get install python3-torch)
const PYTHON = '/usr/bin/python3';
function torchMissing(): string | null {
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'pipe' });
    return null;
  } catch {
    return `PyTorch is not a peer in this run: ${PYTHON} cannot import torch (apt-get install python3-torch libopenblas0-pthread)`;
  }
}
const noTorch = torchMissing();
if (noTorch) process.stderr.write(`${noTorch}\n`);
// chromium: kdgrad itself in headless Chromium (bench/browser.ts), when Debian's chromium is there
const KNOWN = ['kdgrad', 'pytorch', 'tfjs-cpu', 'tfjs-wasm', 'convnetjs', 'jaxjs', 'chromium'];
const noChromium = hasChromium
  ? null
  : 'kdgrad in Chromium is not a peer in this run: ' +
    `no chromium at ${CHROMIUM} (apt-get install chromium)`;
if (noChromium) process.stderr.write(`${noChromium}\n`);
const USAGE = `usage: npm run bench [-- peer,peer,...]   peers: ${KNOWN.join(', ')} (default: all available)`;
const arg = process.argv[2];
if (arg === '--help' || arg === '-h') {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const peers =
  arg === undefined
    ? KNOWN.filter((p) => (p !== 'pytorch' || !noTorch) && (p !== 'chromium' || !noChromium))
    : arg
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean);
const unknown = peers.filter((p) => !KNOWN.includes(p));
if (peers.length === 0 || unknown.length || !peers.includes('kdgrad')) {
  const why = unknown.length
    ? `unknown peer ${unknown.map((p) => JSON.stringify(p)).join(', ')}`
    : peers.length === 0
      ? `no peer named in ${JSON.stringify(arg)}`
      : 'kdgrad must be one of the peers (every row is read against it)';
  process.stderr.write(`bench: ${why}\n${USAGE}\n`);
  process.exit(2);
}
if (peers.includes('chromium') && noChromium) {
  process.stderr.write(`bench: ${noChromium}\n`);
  process.exit(2);
}
if (peers.includes('pytorch') && noTorch) {
  process.stderr.write(`bench: ${noTorch}\n`);
  process.exit(2);
}
const results: Record<string, WorkloadResult> = {};
for (const peer of peers) {
  process.stderr.write(`running ${peer} ...\n`);
  const out =
    peer === 'pytorch'
      ? execFileSync(PYTHON, [join(root, 'bench/torch_peer.py')], {
          cwd: root,
          encoding: 'utf8',
          env: { ...process.env, THREADS: String(cpus().length), OMP_WAIT_POLICY: 'PASSIVE' },
        })
      : execFileSync(process.execPath, ['--import', 'tsx', join(root, 'bench/worker.ts'), peer], {
          cwd: root,
          encoding: 'utf8',
          maxBuffer: 1 << 24,
        });
  results[peer] = JSON.parse(out.trim().split('\n').at(-1)!) as WorkloadResult;
}

const rows: [string, keyof WorkloadResult, 'higher' | 'lower', (v: number) => string][] = [
  ['matmul 512×512, GFLOPS', 'matmulGflops', 'higher', (v) => v.toFixed(2)],
  [
    'CNN training (convnetjs demo net, batch 64), img/s',
    'cnnImgPerSec',
    'higher',
    (v) => v.toFixed(1),
  ],
  ['MLP 3072-256-128-10 training (batch 64), img/s', 'mlpImgPerSec', 'higher', (v) => v.toFixed(0)],
  ['KD loss step [64, 10] fwd+bwd, µs', 'kdStepMicros', 'lower', (v) => v.toFixed(0)],
  [
    'conv2d fwd+bwd (64×3×32×32, 16 filters 5×5, pad 2), ms',
    'convFwdBwdMs',
    'lower',
    (v) => v.toFixed(1),
  ],
];
const k = results.kdgrad;
const header = `| workload | ${peers.join(' | ')} |`;
const lines = [header, `| --- | ${peers.map(() => '---:').join(' | ')} |`];
for (const [label, key, better, fmt] of rows) {
  const cells = peers.map((p) => {
    const v = results[p]![key] as number | null;
    if (v === null || v === undefined) return '—';
    const base = k?.[key] as number | null | undefined;
    if (p === 'kdgrad' || base === null || base === undefined) return fmt(v);
    const ratio = better === 'higher' ? base / v : v / base;
    return `${fmt(v)} (kdgrad ×${ratio.toFixed(1)})`;
  });
  lines.push(`| ${label} | ${cells.join(' | ')} |`);
}
// one epoch of the teacher recipe on the CIFAR-10 folder, kdgrad and PyTorch, when data is there
const teacherRow: string[] = [];
let teacherTimes: { kdgrad: number; torch: number } | null = null;
let teacherImages: number | null = null;
let teacherMacsPerImage: number | null = null;
let teacherSeconds: number | null = null;
try {
  process.stderr.write('running the teacher epoch (kdgrad) ...\n');
  const epochArgs = ['--import', 'tsx', join(root, 'bench/teacher-epoch.ts')];
  const epochOut = execFileSync(process.execPath, epochArgs, { cwd: root, encoding: 'utf8' });
  type Epoch = { seconds: number; images: number; macsPerImage: number };
  const k = JSON.parse(epochOut.trim().split('\n').at(-1)!) as Epoch;
  teacherImages = k.images;
  teacherMacsPerImage = k.macsPerImage;
  teacherSeconds = k.seconds;
  let torchSeconds: number | null = null;
  if (!noTorch) {
    process.stderr.write('running the teacher epoch (pytorch) ...\n');
    const out = execFileSync(
      PYTHON,
      [
        join(root, 'scripts/torch/train.py'),
        '--model',
        'vgg-teacher',
        '--epochs',
        '1',
        '--threads',
        String(cpus().length),
      ],
      { cwd: root, encoding: 'utf8', env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' } },
    );
    torchSeconds = (JSON.parse(out.trim().split('\n')[0]!) as { trainSeconds: number })
      .trainSeconds;
    teacherTimes = { kdgrad: k.seconds, torch: torchSeconds };
  }
  const cells = peers.map((p) =>
    p === 'kdgrad'
      ? k.seconds.toFixed(1)
      : p === 'pytorch' && torchSeconds !== null
        ? `${torchSeconds.toFixed(1)} (kdgrad ×${(torchSeconds / k.seconds).toFixed(2)})`
        : '—',
  );
  teacherRow.push(
    `| vgg-teacher: one epoch of the teacher recipe (${k.images.toLocaleString('en-US')} images, crop + flip), s | ${cells.join(' | ')} |`,
  );
} catch (e) {
  teacherRow.push(`(teacher-epoch row skipped: ${String((e as Error).message).split('\n')[0]})`);
}
const notes = [...Object.values(results).flatMap((r) => r.notes), ...(noTorch ? [noTorch] : [])];
// the speed targets, read off this run's numbers
const peak = k?.simdPeak;
const targets: string[] = [];
if (peak && k?.matmulGflops) {
  notes.push(
    'WebAssembly SIMD peak of this machine (bench/probe.ts: twelve independent f32x4 ' +
      'multiply-add chains in registers): ' +
      `plain multiply and add ${peak.oneThread.toFixed(1)} GFLOPS on one thread, ` +
      `${peak.allThreads.toFixed(1)} on ${peak.threads}; ` +
      (peak.fused
        ? `fused multiply-add (relaxed SIMD) ${peak.fused.oneThread.toFixed(1)} on one thread, ` +
          `${peak.fused.allThreads.toFixed(1)} on ${peak.threads}; `
        : `fused multiply-add not measured: ${peak.fusedNote}; `) +
      `workloads are read against the higher, ${peak.limit.toFixed(1)} GFLOPS`,
  );
  const disturbed = disturbedProbe(peak);
  if (disturbed)
    notes.push(`the shares of the best possible below are inconclusive in this run: ${disturbed}`);
}
const t = results.pytorch;
if (k) {
  const js = Object.fromEntries(
    // kdgrad in Chromium is kdgrad, not a JavaScript peer to be ahead of
    Object.entries(results).filter(([p]) => !['kdgrad', 'pytorch', 'chromium'].includes(p)),
  );
  const teacher =
    teacherImages !== null && teacherMacsPerImage !== null && teacherSeconds !== null
      ? {
          kdgrad: teacherSeconds,
          torch: teacherTimes?.torch ?? null,
          images: teacherImages,
          macsPerImage: teacherMacsPerImage,
        }
      : null;
  for (const r of speedTargets({ kdgrad: k, pytorch: t, js, teacher, peak })) {
    targets.push(
      `| ${r.what} | ${r.value} | ${r.met === null ? '—' : r.met === 'inconclusive' ? r.met : r.met ? 'met' : 'not met'} |`,
    );
  }
}
// how close each workload could come at best: its multiply-adds alone, run at the probe's peak
// on all threads (no other work, no waiting) — what a WebAssembly SIMD engine cannot beat here
const bounds: string[] = [];
if (peak && k?.stepMacsPerImage) {
  const best = (macsPerImage: number) => bestImgPerSec(peak.limit, macsPerImage);
  const line = (
    what: string,
    macs: number,
    have: number | null,
    torch: number | null | undefined,
  ) => {
    const b = best(macs);
    const vs = torch ? `, ${(b / torch).toFixed(2)}× PyTorch's ${torch.toFixed(0)}` : '';
    const now = have
      ? `; this run ${have.toFixed(0)} img/s, ${((100 * have) / b).toFixed(0)}% of it`
      : '';
    bounds.push(`| ${what} | ${(macs / 1e6).toFixed(2)} M | ${b.toFixed(0)} img/s${vs}${now} |`);
  };
  line('CNN training (convnetjs net)', k.stepMacsPerImage.cnn, k.cnnImgPerSec, t?.cnnImgPerSec);
  line('MLP 3072-256-128-10 training', k.stepMacsPerImage.mlp, k.mlpImgPerSec, t?.mlpImgPerSec);
  if (teacherTimes && teacherMacsPerImage) {
    const images = teacherImages ?? 0;
    const seconds = (2 * teacherMacsPerImage * images) / (peak.limit * 1e9);
    const vsTorch = (seconds / teacherTimes.torch).toFixed(2);
    const macs = `${(teacherMacsPerImage / 1e6).toFixed(2)} M`;
    bounds.push(
      `| vgg-teacher epoch (${images.toLocaleString('en-US')} images) | ${macs} ` +
        `| ${seconds.toFixed(1)} s, ${vsTorch}× PyTorch's time; this run ${teacherTimes.kdgrad.toFixed(1)} s |`,
    );
  }
}

// memory: in a process of its own too (bench/memory.ts)
process.stderr.write('running memory ...\n');
const memOut = execFileSync(process.execPath, ['--import', 'tsx', join(root, 'bench/memory.ts')], {
  cwd: root,
  encoding: 'utf8',
  maxBuffer: 1 << 24,
});
const memory = JSON.parse(memOut.trim().split('\n').at(-1)!) as string[];
const md = [
  `Benchmark on ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}; medians after warm-up. "kdgrad ×N": how many times better kdgrad is (N < 1: worse).`,
  '',
  ...lines,
  ...teacherRow,
  '',
  ...notes.map((n) => `- ${n}`),
  '',
  ...(targets.length
    ? ['| speed target | this run | |', '| --- | ---: | --- |', ...targets, '']
    : []),
  ...(bounds.length
    ? [
        `| at the SIMD peak (${peak!.limit.toFixed(1)} GFLOPS) ` +
          '| multiply-adds per image | best possible |',
        '| --- | ---: | --- |',
        ...bounds,
        '',
      ]
    : []),
  ...memory,
]
  .map((l) => wrapProse(l))
  .join('\n');
writeFileSync(join(root, 'bench/results.md'), `${md}\n`);
process.stdout.write(`${md}\n`);
