// What a lesson of `kdgrad learn` is: a computation on what the context gives it (logits of a
// teacher and a student on test images, several teachers, the training split), which returns its
// numbers with a conclusion drawn from them, and a report that shows them. One renderer prints any
// report as markdown or plain text; --json prints the numbers. Adding a lesson: one file with its
// Lesson entry, one line in registry.ts.
import type { Tensor } from '../autograd/tensor.js';
import type { CifarSet } from '../data/cifar.js';
import type { Normalization } from '../data/transforms.js';
import type { ZooModel } from '../models/zoo.js';
import type { Fields } from '../train/fields.js';

/** A network the context loaded, with how to name it in a report. */
export interface LoadedNetwork {
  /** Zoo name, or a description for a fresh one. */
  name: string;
  /** Where its weights came from ('' for a fresh network). */
  path: string;
  model: ZooModel;
}

/** What a lesson may ask for; each piece is loaded on first use. */
export interface LessonContext {
  /** The test images the lesson uses (indices into the test split) and their labels. */
  images: Int32Array;
  labels: Int32Array;
  /** The images are the whole test split. */
  allImages: boolean;
  data: { train: CifarSet; test: CifarSet; norm: Normalization };
  classNames(): Promise<string[]>;
  teacher(): Promise<LoadedNetwork>;
  student(): Promise<LoadedNetwork>;
  /** Two or more teachers (the several-teachers list). */
  teachers(): Promise<LoadedNetwork[]>;
  /** A network's logits on `images`. */
  logits(net: LoadedNetwork): Tensor;
  /** The lesson's own options, parsed and checked against its fields. */
  options: Record<string, unknown>;
  /** A line of progress (stderr in the CLI). */
  progress(line: string): void;
}

export interface LessonTable {
  columns: string[];
  /** Per column: 'left' or 'right' (numbers). */
  align: ('left' | 'right')[];
  rows: string[][];
}

/** A lesson's numbers as shown: a title, tables and text in order, the conclusion last. */
export interface LessonReport {
  title: string;
  blocks: (LessonTable | string)[];
  conclusion: string;
}

export interface Lesson<R = unknown> {
  /** One line for the CLI's help. */
  summary: string;
  /** By default the lesson uses every test image, or a seeded sample of 256. */
  images: 'all' | 'sample';
  /** Options of its own (flags in the CLI), with their defaults. */
  options?: { fields: Fields; defaults: Record<string, unknown> };
  /** Checks its options before any data is read (throws ConfigError). */
  check?(options: Record<string, unknown>): void;
  run(ctx: LessonContext): Promise<R>;
  report(result: R, ctx: LessonContext): Promise<LessonReport>;
}

/** A lesson entry with its result type checked against its report. */
export const lesson = <R>(l: Lesson<R>): Lesson<R> => l;

/** A number in a lesson's table: 4 decimals in [1e-3, 1e4), otherwise 4 significant digits. */
export const fmt = (v: number): string =>
  Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toFixed(4) : v.toExponential(3);

/** A fraction as a percentage with `digits` decimals (no % sign). */
export const pct = (v: number, digits = 2): string => (100 * v).toFixed(digits);

/** `<name> (<path>)`, or the name alone for a fresh network. */
export const named = (n: LoadedNetwork): string => (n.path ? `${n.name} (${n.path})` : n.name);

/** "teacher vgg-teacher (path); 256 test images" — the line most lessons open with. */
export async function teacherLine(ctx: LessonContext): Promise<string> {
  return `teacher ${named(await ctx.teacher())}; ${ctx.images.length} test images`;
}

const isTable = (b: LessonTable | string): b is LessonTable => typeof b !== 'string';

function markdownTable(t: LessonTable): string {
  const rule = t.align.map((a) => (a === 'right' ? '---:' : '---'));
  return [t.columns, rule, ...t.rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function plainTable(t: LessonTable): string {
  const widths = t.columns.map((c, j) =>
    Math.max([...c].length, ...t.rows.map((r) => [...(r[j] ?? '')].length)),
  );
  const pad = (s: string, j: number) => {
    const gap = ' '.repeat(widths[j]! - [...s].length);
    return t.align[j] === 'right' ? gap + s : s + gap;
  };
  const line = (cells: string[]) => cells.map(pad).join('  ').replace(/\s+$/, '');
  return [line(t.columns), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line)].join(
    '\n',
  );
}

/** Breaks text at spaces so that no line passes `width` characters (a longer word stays whole). */
export function wrap(text: string, width = 100): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/ +/)) {
    if (line && [...line].length + 1 + [...word].length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

/** A report as markdown (the tables as GitHub tables) or as plain text (aligned, wrapped). */
export function renderReport(r: LessonReport, format: 'markdown' | 'plain'): string {
  const text = format === 'plain' ? wrap : (s: string) => s;
  const table = format === 'plain' ? plainTable : markdownTable;
  const parts = [text(r.title), ...r.blocks.map((b) => (isTable(b) ? table(b) : text(b)))];
  return `${[...parts, text(r.conclusion)].join('\n\n')}\n`;
}
