// `npm run compare:torch`: the same recipe trained in kdgrad and in PyTorch (Debian's
// python3-torch), several seeds each, one table: test accuracy mean ± std for both, the
// difference in σ, and seconds per training epoch for both (measured in this run).
//   npm run compare:torch -- [--models mlp-student,cnn-student] [--seeds 3] [--epochs 30]
//                            [--crop-fill black|mean]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const USAGE =
  'usage: npm run compare:torch -- [--models mlp-student,cnn-student] [--seeds 3] [--epochs 30] [--crop-fill black|mean]';
/** A user error: one line and the usage, exit 2 (no stack trace). */
const fail = (message) => {
  console.error(`compare:torch: ${message}\n${USAGE}`);
  process.exit(2);
};
let values;
try {
  ({ values } = parseArgs({
    options: {
      models: { type: 'string', default: 'mlp-student,cnn-student' },
      seeds: { type: 'string', default: '3' },
      epochs: { type: 'string', default: '30' },
      'crop-fill': { type: 'string', default: 'black' },
    },
  }));
} catch (e) {
  fail(e.message);
}
const fill = values['crop-fill'];
if (fill !== 'black' && fill !== 'mean') fail(`--crop-fill must be black or mean, got ${fill}`);
const positive = (name) => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1)
    fail(`--${name} must be a positive integer, got ${values[name]}`);
  return n;
};
const seeds = Array.from({ length: positive('seeds') }, (_, i) => i);
const epochs = positive('epochs');
const PYTHON = '/usr/bin/python3';
try {
  execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'pipe' });
} catch {
  console.error(
    `compare:torch needs PyTorch: ${PYTHON} cannot import torch (apt-get install python3-torch)`,
  );
  process.exit(1);
}
const stats = (xs) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    mean: m,
    std: xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) : 0,
  };
};
const dir = mkdtempSync(join(tmpdir(), 'kdgrad-vs-torch-'));
const rows = [];
try {
  for (const model of values.models.split(',')) {
    const ours = seeds.map((seed) => {
      process.stderr.write(`kdgrad ${model} seed ${seed} ...\n`);
      const out = execFileSync(
        process.execPath,
        [
          join(root, 'bin/kdgrad.mjs'),
          'train',
          '--model',
          model,
          '--epochs',
          String(epochs),
          '--seed',
          String(seed),
          '--crop-fill',
          fill === 'black' ? '0' : 'mean',
          '--out',
          join(dir, `${model}-${seed}.safetensors`),
          '--json',
        ],
        { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 },
      );
      const r = JSON.parse(out);
      return {
        acc: r.testAccuracy,
        secondsPerEpoch: r.history.reduce((a, h) => a + h.seconds, 0) / r.history.length,
      };
    });
    process.stderr.write(`pytorch ${model} seeds ${seeds.join(',')} ...\n`);
    const lines = execFileSync(
      PYTHON,
      [
        join(root, 'scripts/torch/train.py'),
        '--model',
        model,
        '--epochs',
        String(epochs),
        '--seeds',
        seeds.join(','),
        '--threads',
        '2',
        '--crop-fill',
        fill,
      ],
      { cwd: root, encoding: 'utf8', env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' } },
    )
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const epochLines = lines.filter((l) => l.epoch !== undefined);
    const theirs = lines.at(-1).runs.map((r) => ({
      acc: r.testAccuracy,
      secondsPerEpoch: stats(epochLines.filter((l) => l.seed === r.seed).map((l) => l.trainSeconds))
        .mean,
    }));
    const a = stats(ours.map((r) => r.acc));
    const b = stats(theirs.map((r) => r.acc));
    const sd = Math.sqrt(a.std ** 2 + b.std ** 2);
    rows.push(
      `| ${model} | ${(100 * a.mean).toFixed(2)} ± ${(100 * a.std).toFixed(2)} | ${(100 * b.mean).toFixed(2)} ± ${(100 * b.std).toFixed(2)} | ${(100 * (a.mean - b.mean)).toFixed(2)} (${sd > 0 ? ((a.mean - b.mean) / sd).toFixed(1) : '—'}σ) | ${stats(ours.map((r) => r.secondsPerEpoch)).mean.toFixed(1)} | ${stats(theirs.map((r) => r.secondsPerEpoch)).mean.toFixed(1)} |`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  `Same recipe in kdgrad and PyTorch: ${epochs} epochs, ${seeds.length} seeds (0-${seeds.length - 1}), batch 64, SGD Nesterov one-cycle (peak lr 0.05), weight decay 5e-4, random crop (${fill} padding) + flip.\n`,
);
console.log(
  '| model | kdgrad test accuracy % | PyTorch test accuracy % | difference (points, σ) | kdgrad s / epoch | PyTorch s / epoch |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) console.log(r);
