// The package as a user installs it: `npm pack`, then the tarball installed into an empty project
// (offline, from npm's cache) and used there — the engine from Node ESM, the CLI through npx.
import { execFile, execFileSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { data } from '../src/index.js';
import { learnableSet } from './helpers/fixtures.js';

const root = join(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'kdgrad-pack-'));
const project = join(work, 'project');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = promisify(execFile);
let tarball = '';
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(() => {
  // npm pack runs the package's own lifecycle (prepare builds dist/)
  const out = execFileSync(npm, ['pack', '--json', '--pack-destination', work], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // stdout also holds what the build printed: the JSON report is the part from the first '['
  tarball = join(
    work,
    (JSON.parse(out.slice(out.search(/^\[/m))) as { filename: string }[])[0]!.filename,
  );
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'user-project',
      private: true,
      type: 'module',
      dependencies: { kdgrad: `file:${tarball}` },
    }),
  );
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify(userLock(), null, 2));
  execFileSync(npm, ['ci', '--offline', '--no-audit', '--no-fund'], {
    cwd: project,
    stdio: 'pipe',
  });
}, 300_000);

type LockEntry = {
  dev?: boolean;
  optional?: boolean;
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  bin?: Record<string, string>;
};

/**
 * The user project's lockfile: kdgrad from the tarball, and kdgrad's runtime dependencies exactly
 * as our own lockfile pins them (name, version, integrity), so `npm ci --offline` installs them
 * from npm's cache — the same packages a registry install would pick today.
 */
function userLock(): object {
  const ours = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const me = ours.packages['']!;
  const packages: Record<string, object> = {
    '': { name: 'user-project', dependencies: { kdgrad: `file:${tarball}` } },
    'node_modules/kdgrad': {
      version: me.version,
      resolved: `file:${tarball}`,
      license: 'MIT',
      dependencies: me.dependencies,
      optionalDependencies: me.optionalDependencies,
      bin: me.bin,
      engines: { node: '>=20' },
    },
  };
  for (const [path, entry] of Object.entries(ours.packages))
    if (path && !entry.dev) packages[path] = entry;
  return { name: 'user-project', lockfileVersion: 3, requires: true, packages };
}

describe('the packed tarball, installed', () => {
  it('holds the built engine, CLI and types, and no TypeScript sources', () => {
    const listing = JSON.parse(
      execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], {
        cwd: root,
        encoding: 'utf8',
      }),
    ) as { files: { path: string }[] }[];
    const files = listing[0]!.files.map((f) => f.path);
    for (const f of [
      'dist/node/index.js',
      'dist/cli/main.js',
      'dist/types/index.d.ts',
      'dist/browser/kdgrad.min.js',
      'bin/kdgrad.mjs',
      'checkpoints/vgg-teacher.safetensors',
    ])
      expect(files).toContain(f);
    expect(files.filter((f) => f.startsWith('src/'))).toEqual([]);
  });

  it('imports the engine from Node ESM and runs a KD loss and its backward, loading no npm package', () => {
    // a resolve hook records every bare specifier the import graph asks for
    writeFileSync(
      join(project, 'hooks.mjs'),
      [
        'export async function resolve(spec, ctx, next) {',
        "  if (!spec.startsWith('node:') && !spec.startsWith('.') && !spec.startsWith('/') && !spec.startsWith('file:')) process.stderr.write(`bare:${spec}\\n`);",
        '  return next(spec, ctx);',
        '}',
      ].join('\n'),
    );
    writeFileSync(
      join(project, 'register.mjs'),
      "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n",
    );
    writeFileSync(
      join(project, 'engine.mjs'),
      [
        "import { DistillationLoss, tensor } from 'kdgrad';",
        'const s = tensor([[1, 2, 0.5], [0, -1, 3]], { requiresGrad: true });',
        'const t = tensor([[2, 1, 0], [0.5, 0, 2]]);',
        'const loss = new DistillationLoss({ temperature: 4, alpha: 0.9 }).forward(s, t, tensor([1, 2], { dtype: "int32" }));',
        'loss.backward();',
        'console.log(JSON.stringify({ loss: loss.item(), grad: s.grad.toArray() }));',
      ].join('\n'),
    );
    const r = execFileSync(process.execPath, ['--import', './register.mjs', 'engine.mjs'], {
      cwd: project,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const { loss, grad } = JSON.parse(r) as { loss: number; grad: number[][] };
    expect(Number.isFinite(loss)).toBe(true);
    expect(grad.flat().every(Number.isFinite)).toBe(true);
    // the same run, its stderr: only 'kdgrad' itself is a bare import
    const child = execFileSync(
      'sh',
      ['-c', `"${process.execPath}" --import ./register.mjs engine.mjs 2>&1 >/dev/null`],
      { cwd: project, encoding: 'utf8' },
    );
    const bare = [
      ...new Set(
        child
          .split('\n')
          .filter((l) => l.startsWith('bare:'))
          .map((l) => l.slice(5)),
      ),
    ];
    expect(bare).toEqual(['kdgrad']);
    // vega and tar are never in the engine's static graph
    const engine = readFileSync(join(project, 'node_modules/kdgrad/dist/node/index.js'), 'utf8');
    expect(engine).not.toMatch(/from\s*["'](vega|vega-lite|commander|cli-progress|tsx)["']/);
  });

  it('runs `npx kdgrad --version` and `kdgrad eval` on the committed teacher', async () => {
    const version = (
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }
    ).version;
    const v = await run(npm, ['exec', '--offline', '--', 'kdgrad', '--version'], { cwd: project });
    expect(v.stdout.trim()).toBe(version);
    const dir = join(work, 'cifar');
    mkdirSync(dir);
    writeFileSync(join(dir, 'data_batch_1.bin'), data.encodeCifarBatch(learnableSet(50, 1)));
    writeFileSync(join(dir, 'test_batch.bin'), data.encodeCifarBatch(learnableSet(40, 2)));
    const bin = join(project, 'node_modules/.bin/kdgrad');
    const ev = await run(
      bin,
      [
        'eval',
        '--checkpoint',
        'node_modules/kdgrad/checkpoints/vgg-teacher.safetensors',
        '--data',
        dir,
        '--json',
      ],
      { cwd: project },
    );
    const r = JSON.parse(ev.stdout) as { model: string; count: number; accuracy: number };
    expect(r.model).toBe('vgg-teacher');
    expect(r.count).toBe(40);
    expect(r.accuracy).toBeGreaterThanOrEqual(0);
  }, 120_000);

  it('runs the exercises from the installed package: init copies the stubs, check grades them', async () => {
    const bin = join(project, 'node_modules/.bin/kdgrad');
    await run(bin, ['exercises', 'init', 'ex'], { cwd: project });
    const ex = join(project, 'ex');
    copyFileSync(
      join(project, 'node_modules/kdgrad/exercises/solutions/03-kl-batchmean.ts'),
      join(ex, '03-kl-batchmean.ts'),
    );
    const graded = (await run(bin, ['exercises', 'check', '3', '--dir', ex, '--json'], {
      cwd: project,
    })) as { stdout: string };
    expect((JSON.parse(graded.stdout) as { status: string }[])[0]!.status).toBe('passed');
    await expect(
      run(bin, ['exercises', 'check', '1', '--dir', ex], { cwd: project }),
    ).rejects.toMatchObject({ stdout: expect.stringMatching(/exercise 1 is not written yet/) });
  }, 120_000);

  it('installs the CLI dependencies but not tsx', () => {
    const installed = readdirSync(join(project, 'node_modules'));
    expect(installed).toEqual(
      expect.arrayContaining([
        'kdgrad',
        'commander',
        'cli-progress',
        'tar',
        'esbuild',
        'fast-check',
      ]),
    );
    expect(installed).not.toContain('tsx');
    expect(installed).not.toContain('typescript');
  });
});
