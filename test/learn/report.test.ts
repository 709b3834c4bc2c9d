// The lesson registry and the one renderer every lesson's report goes through.
import { describe, expect, it } from 'vitest';
import { LESSONS, TOPICS, renderReport, type LessonReport } from '../../src/learn/index.js';
import { wrap } from '../../src/learn/lesson.js';

const report: LessonReport = {
  title: 'A title',
  blocks: [
    {
      columns: ['T', 'name', 'value'],
      align: ['right', 'left', 'right'],
      rows: [
        ['1', 'a', '0.5000'],
        ['16', 'bcd', '12.0000'],
      ],
    },
    'Between the tables:',
    { columns: ['x'], align: ['left'], rows: [['y']] },
  ],
  conclusion: 'The conclusion.',
};

describe('lessons as data', () => {
  it('every topic has a lesson with a summary, an image choice, a run and a report', () => {
    expect(TOPICS).toEqual([
      't-squared',
      'logit-matching',
      'dark-knowledge',
      'omitted-class',
      'several-teachers',
      'learned-t',
      'feature-gradients',
    ]);
    for (const t of TOPICS) {
      const l = LESSONS[t];
      expect(l.summary.length, t).toBeGreaterThan(10);
      expect(['all', 'sample'], t).toContain(l.images);
      expect(typeof l.run, t).toBe('function');
      expect(typeof l.report, t).toBe('function');
      // a lesson's own options each have a default the CLI can show
      for (const k of Object.keys(l.options?.fields ?? {}))
        expect(l.options!.defaults[k], `${t}.${k}`).toBeDefined();
    }
  });

  it('markdown: the title, GitHub tables with their alignment, text and the conclusion, blank lines between', () => {
    expect(renderReport(report, 'markdown')).toBe(
      [
        'A title',
        '',
        '| T | name | value |',
        '| ---: | --- | ---: |',
        '| 1 | a | 0.5000 |',
        '| 16 | bcd | 12.0000 |',
        '',
        'Between the tables:',
        '',
        '| x |',
        '| --- |',
        '| y |',
        '',
        'The conclusion.',
        '',
      ].join('\n'),
    );
  });

  it('plain: columns padded to their widest cell, numbers right-aligned, no trailing spaces', () => {
    const out = renderReport(report, 'plain').split('\n');
    expect(out.slice(2, 6)).toEqual([
      ' T  name    value',
      '--  ----  -------',
      ' 1  a      0.5000',
      '16  bcd   12.0000',
    ]);
    for (const line of out) expect(line).toBe(line.trimEnd());
  });

  it('plain text wraps at 100 characters at spaces, keeping a longer word whole', () => {
    const words = Array.from({ length: 60 }, (_, i) => `w${i}`).join(' ');
    const lines = wrap(words).split('\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(100);
    expect(lines.join(' ')).toBe(words);
    expect(wrap('x'.repeat(120))).toBe('x'.repeat(120));
  });
});
