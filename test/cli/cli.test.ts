// The command line as a user meets it: --help of every subcommand, a short training run on the
// shared CIFAR-10 subset, and a run killed mid-epoch that --resume continues exactly.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { hasSharedCifar, SHARED_CIFAR } from '../helpers/cifar.js';

const root = join(import.meta.dirname, '../..');
const bin = join(root, 'bin/kdgrad.mjs');
const dir = mkdtempSync(join(tmpdir(), 'kdgrad-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = promisify(execFile);
const kdgrad = (args: string[]) => run(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, CIFAR10_DIR: SHARED_CIFAR }, maxBuffer: 1 << 24 });
const small = ['--train-limit', '320', '--test-limit', '200', '--batch-size', '64'];

describe('kdgrad CLI', () => {
  const commands = ['train', 'distill', 'models', 'eval', 'inspect', 'sweep', 'demo'];
  it.each(commands)('%s --help describes its options', async (cmd) => {
    const { stdout } = await kdgrad([cmd, '--help']);
    expect(stdout).toMatch(new RegExp(`Usage: kdgrad ${cmd}`));
    if (['train', 'distill', 'inspect'].includes(cmd)) expect(stdout).toMatch(/--seed <n>/);
    if (cmd !== 'models') expect(stdout).toMatch(/--data <dir>/);
  });

  it('rejects bad options with the option and the value', async () => {
    await expect(kdgrad(['train', '--epochs', 'two'])).rejects.toMatchObject({ stderr: expect.stringMatching(/--epochs must be an integer, got "two"/) });
    await expect(kdgrad(['train', '--optimizer', 'rmsprop'])).rejects.toMatchObject({ stderr: expect.stringMatching(/--optimizer must be one of sgd, adam, adamw/) });
    await expect(kdgrad(['train', '--model', 'resnet', '--train-limit', '64', '--out', join(dir, 'x.safetensors')])).rejects.toMatchObject({ stderr: expect.stringMatching(/unknown model "resnet"/) });
  });

  it('says where it looked and how to get data when there is none', async () => {
    await expect(run(process.execPath, [bin, 'train', '--data', join(dir, 'nothing-here')], { cwd: root })).rejects.toMatchObject({ stderr: expect.stringMatching(/No CIFAR-10 data found at --data .*nothing-here[\s\S]*kdgrad download/) });
  });

  it('models lists the zoo with parameter counts', async () => {
    const { stdout } = await kdgrad(['models', '--json']);
    const rows = JSON.parse(stdout) as { name: string; parameters: number }[];
    expect(rows.find((r) => r.name === 'vgg-teacher')!.parameters).toBe(82_778);
  });

  it.runIf(hasSharedCifar)('trains one short epoch on the shared subset', async () => {
    const out = join(dir, 'short.safetensors');
    const { stdout } = await kdgrad(['train', '--model', 'cnn-student', '--epochs', '1', ...small, '--out', out, '--json']);
    const result = JSON.parse(stdout);
    expect(result.status).toBe('done');
    expect(result.history).toHaveLength(1);
    expect(result.history[0].testAccuracy).toBeGreaterThan(0.1);
    expect(readFileSync(out).length).toBeGreaterThan(1000);
  }, 120_000);

  it.runIf(hasSharedCifar)('distill, eval, inspect and demo run end to end on a small slice', async () => {
    const teacher = join(dir, 'teacher.safetensors');
    await kdgrad(['train', '--model', 'cnn-student', '--epochs', '1', ...small, '--out', teacher, '--json']);
    const student = join(dir, 'student.safetensors');
    const distilled = JSON.parse((await kdgrad(['distill', '--teacher', teacher, '--model', 'mlp-student', '--temperature', '2', '--epochs', '1', ...small, '--out', student, '--json'])).stdout);
    expect(distilled.history[0].softLoss).toBeGreaterThan(0);
    expect(distilled.history[0].temperature).toBe(2);
    const ev = JSON.parse((await kdgrad(['eval', '--checkpoint', student, '--json'])).stdout);
    expect(ev.confusion).toHaveLength(10);
    expect(ev.count).toBe(10_000);
    const { stdout: table } = await kdgrad(['inspect', '--teacher', teacher, '--student', student, '--temperatures', '1,4', '--batch-size', '16']);
    expect(table).toMatch(/\| 4 \| [-0-9.e+]+ \|/);
    const outDir = join(dir, 'report');
    const { stdout } = await kdgrad(['demo', '--teacher', teacher, '--epochs', '1', '--seeds', '2', '--temperatures', '1,2', '--train-limit', '256', '--test-limit', '200', '--out-dir', outDir]);
    expect(stdout).toMatch(/teacher \(cnn-student\)/);
    for (const f of ['sweep.md', 'sweep.json', 'accuracy-vs-T.svg', 'training-curves.svg']) expect(readFileSync(join(outDir, f)).length).toBeGreaterThan(100);
    expect(readFileSync(join(outDir, 'sweep.md'), 'utf8')).toMatch(/## Gradient report/);
  }, 240_000);

  it.runIf(hasSharedCifar)('a NaN/Inf loss stops training with a message and exit code 3', async () => {
    const out = join(dir, 'diverge.safetensors');
    await expect(kdgrad(['train', '--model', 'mlp-student', '--lr', '1e12', '--lr-schedule', 'constant', '--no-augment', '--epochs', '2', ...small, '--out', out]))
      .rejects.toMatchObject({ code: 3, stderr: expect.stringMatching(/loss is (NaN|Infinity) at epoch 1, batch \d+: training diverged[\s\S]*No checkpoint was written/) });
  }, 60_000);

  it.runIf(hasSharedCifar)('a run killed mid-epoch resumes exactly (same weights as an uninterrupted run)', async () => {
    const args = (out: string) => ['train', '--model', 'cnn-student', '--epochs', '2', ...small, '--out', out, '--seed', '3'];
    const straight = join(dir, 'straight.safetensors');
    await kdgrad([...args(straight), '--json']);
    // kill with SIGINT once the first epoch has been reported
    const killed = join(dir, 'killed.safetensors');
    const child = spawn(process.execPath, [bin, ...args(killed)], { cwd: root, env: { ...process.env, CIFAR10_DIR: SHARED_CIFAR } });
    let stderr = '';
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/epoch 1\/2 \|/.test(stderr) && !child.killed) child.kill('SIGINT');
      });
      child.on('exit', (c) => resolve(c));
    });
    expect(stderr).toMatch(/saving a checkpoint after this batch/);
    expect(code).toBe(130);
    await kdgrad([...args(killed), '--resume', '--json']);
    expect(readFileSync(killed).equals(readFileSync(straight))).toBe(true);
    // and a run stopped after a given number of batches, mid-epoch
    const partial = join(dir, 'partial.safetensors');
    await kdgrad([...args(partial), '--stop-after', '3']).catch((e) => expect(e.code).toBe(130));
    await kdgrad([...args(partial), '--resume']);
    expect(readFileSync(partial).equals(readFileSync(straight))).toBe(true);
  }, 240_000);
});
