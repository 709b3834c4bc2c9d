// Every `ts` code block of README.md and docs/*.md type-checks and runs, importing 'kdgrad' as a
// user does (the built package), so no snippet can drift from the code.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
// inside the package, so `import ... from 'kdgrad'` resolves to the package itself
const dir = join(root, '.docs-snippets');
const cwd = mkdtempSync(join(tmpdir(), 'kdgrad-docs-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(cwd, { recursive: true, force: true });
});

export function tsBlocks(markdown: string): { line: number; code: string }[] {
  const out: { line: number; code: string }[] = [];
  const re = /^```ts\n([\s\S]*?)^```/gm;
  for (let m = re.exec(markdown); m; m = re.exec(markdown))
    out.push({ line: markdown.slice(0, m.index).split('\n').length, code: m[1]! });
  return out;
}

const files = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const snippets = files.flatMap((f) =>
  tsBlocks(readFileSync(join(root, f), 'utf8')).map((b) => ({
    ...b,
    source: f,
    file: join(dir, `${f.replace(/[/.]/g, '_')}_L${b.line}.ts`),
  })),
);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
// `export {}` makes each snippet a module (top-level await, no clashes between snippets)
for (const s of snippets) writeFileSync(s.file, `${s.code}\nexport {};\n`);

describe('docs snippets', () => {
  it('finds the snippets (README and docs/)', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(3);
    expect(snippets.some((s) => s.source === 'README.md')).toBe(true);
  });

  it('type-check', () => {
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: '../tsconfig.json',
        compilerOptions: { noUnusedLocals: false },
        include: ['*.ts'],
      }),
    );
    try {
      execFileSync(
        process.execPath,
        [
          join(root, 'node_modules/typescript/bin/tsc'),
          '--noEmit',
          '-p',
          join(dir, 'tsconfig.json'),
        ],
        { cwd: root, encoding: 'utf8', stdio: 'pipe' },
      );
    } catch (e) {
      const out = (e as { stdout?: string }).stdout ?? String(e);
      // name the markdown file and line of each failing snippet
      const named = snippets.reduce(
        (s, x) => s.replaceAll(relative(root, x.file), `${x.source}:${x.line} (snippet)`),
        out,
      );
      throw new Error(named, { cause: e });
    }
  }, 120_000);

  for (const s of snippets) {
    it(`${s.source}:${s.line} runs`, () => {
      execFileSync(join(root, 'node_modules/.bin/tsx'), [s.file], {
        cwd,
        encoding: 'utf8',
        stdio: 'pipe',
        timeout: 120_000,
      });
    }, 120_000);
  }
});
