// The memory half of `npm run bench`: (1) how many typed arrays a warm training step allocates
// (memoryStats(), over 5 steps after 3 warm-up steps, each step inside tidy()); (2) the peak RSS
// of the CIFAR teacher's training, `kdgrad train --model vgg-teacher` (the teacher recipe, one
// epoch), and of one epoch of `kdgrad distill`, each read from the child's own
// process.resourceUsage() when it exits.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DistillationLoss,
  F,
  Generator,
  memoryStats,
  nn,
  optim,
  randn,
  resetMemoryStats,
  tidy,
  type Tensor,
} from '../src/index.js';
import { buildModel } from '../src/models/zoo.js';
import { convnetjsNet } from './workloads.js';

const g = new Generator(1);

function freshArraysPerStep(
  model: nn.Module & { forward(x: Tensor): Tensor },
  x: Tensor,
  y: number[],
): number {
  const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const step = () =>
    tidy(() => {
      opt.zeroGrad({ setToNone: false });
      F.crossEntropy(model.forward(x), y).backward();
      opt.step();
    });
  for (let i = 0; i < 3; i++) step();
  resetMemoryStats();
  for (let i = 0; i < 5; i++) step();
  return memoryStats().freshArrays / 5;
}

export function memoryLines(root: string): string[] {
  const y = Array.from({ length: 64 }, (_, i) => i % 10);
  const images = randn([64, 3, 32, 32], { generator: g });
  const convnetjs = convnetjsNet(g);
  const s = randn([64, 10], { generator: g }).requiresGrad_();
  const t = randn([64, 10], { generator: g });
  const kd = new DistillationLoss({ temperature: 4, alpha: 0.9 });
  for (let i = 0; i < 3; i++)
    tidy(() => {
      s.zeroGrad({ setToNone: false });
      kd.forward(s, t, y).backward();
    });
  resetMemoryStats();
  for (let i = 0; i < 5; i++)
    tidy(() => {
      s.zeroGrad({ setToNone: false });
      kd.forward(s, t, y).backward();
    });
  const kdFresh = memoryStats().freshArrays / 5;
  const rows = [
    ['CNN training step (convnetjs demo net)', freshArraysPerStep(convnetjs, images, y)],
    [
      'MLP 3072-256-128-10 training step',
      freshArraysPerStep(
        new nn.MLP([3072, 256, 128, 10], { generator: g }),
        randn([64, 3072], { generator: g }),
        y,
      ),
    ],
    [
      'vgg-teacher training step (BatchNorm in train mode)',
      freshArraysPerStep(buildModel('vgg-teacher', { generator: g }), images, y),
    ],
    ['KD loss step [64, 10]', kdFresh],
  ] as const;

  // peak RSS of command-line runs: one epoch of the teacher recipe, one epoch of distillation
  // (which first computes the committed teacher's logits for every training image)
  const dir = mkdtempSync(join(tmpdir(), 'kdgrad-rss-'));
  const reporter = join(dir, 'rss.cjs');
  writeFileSync(
    reporter,
    "process.on('exit', () => require('node:fs').writeSync(2, `\\nmaxRSS ${process.resourceUsage().maxRSS}\\n`));\n",
  );
  let runs = 0;
  const peak = (args: string[]) => {
    // each run writes a file of its own: --out never overwrites another run's checkpoint
    const out = join(dir, `run-${runs++}.safetensors`);
    const run = spawnSync(
      process.execPath,
      ['--require', reporter, join(root, 'bin/kdgrad.mjs'), ...args, '--json', '--out', out],
      { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 },
    );
    const kb = Number(/maxRSS (\d+)/.exec(run.stderr)?.[1]);
    const result =
      run.status === 0
        ? (JSON.parse(run.stdout) as { history: { seconds: number; imagesPerSecond: number }[] })
        : null;
    return {
      cell:
        Number.isFinite(kb) && result
          ? `${(kb / 1024).toFixed(0)} MiB`
          : `failed (exit ${run.status}): ${run.stderr.slice(-300)}`,
      epoch: result?.history[0],
    };
  };
  const teacherRun = peak(['train', '--model', 'vgg-teacher', '--epochs', '1']);
  const distillRun = peak([
    'distill',
    '--teacher',
    join(root, 'checkpoints/vgg-teacher.safetensors'),
    '--model',
    'mlp-student',
    '--epochs',
    '1',
    '--no-augment',
  ]);
  rmSync(dir, { recursive: true, force: true });
  const epoch = teacherRun.epoch;
  return [
    '| memory | kdgrad |',
    '| --- | ---: |',
    ...rows.map(([label, n]) => `| new typed arrays per warm ${label} | ${n} |`),
    `| peak RSS, \`kdgrad train --model vgg-teacher --epochs 1\` (CIFAR subset, teacher recipe) | ${teacherRun.cell} |`,
    `| peak RSS, \`kdgrad distill --model mlp-student --epochs 1 --no-augment\` (teacher logits cached first) | ${distillRun.cell} |`,
    '',
    `- memory: steps inside tidy() with zeroGrad({ setToNone: false }); counts from memoryStats() over 5 steps after 3 warm-up steps${epoch ? `; the teacher epoch took ${epoch.seconds.toFixed(1)} s (${epoch.imagesPerSecond.toFixed(0)} img/s)` : ''}`,
  ];
}

if (process.argv[1]?.endsWith('memory.ts'))
  process.stdout.write(`${JSON.stringify(memoryLines(join(import.meta.dirname, '..')))}\n`);
