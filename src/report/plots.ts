// SVG plots of a sweep, rendered in Node by vega-lite + vega (no browser, no canvas).
import type { SweepResult } from '../train/sweep.js';

async function render(spec: Record<string, unknown>): Promise<string> {
  // only the commands that draw load the plotting stack (the engine never imports it)
  let vl: typeof import('vega-lite');
  let vega: typeof import('vega');
  try {
    [vl, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  } catch (e) {
    throw new Error(
      `plots need the packages vega and vega-lite (npm install vega vega-lite): ${(e as Error).message}`,
      { cause: e },
    );
  }
  const compiled = vl.compile({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    ...spec,
  } as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  return view.toSVG();
}

/** Test accuracy against T: every seed's KD student, the mean per T, and rules for scratch and the teacher. */
export async function accuracyVsTemperatureSvg(r: SweepResult): Promise<string> {
  const points = r.runs
    .filter((x) => x.kind === 'kd' && x.status === 'done')
    .map((x) => ({ T: x.temperature, accuracy: 100 * x.testAccuracy!, seed: String(x.seed) }));
  const means = r.rows
    .filter((x) => x.temperature !== null && x.accuracyMean !== null)
    .map((x) => ({ T: x.temperature, accuracy: 100 * x.accuracyMean! }));
  const scratch = r.rows[1]!;
  // the teacher is far above the students; it goes in the subtitle so the axis shows the students' differences
  const rules =
    scratch.accuracyMean !== null
      ? [{ what: `${r.student} from scratch (mean)`, accuracy: 100 * scratch.accuracyMean }]
      : [];
  return render({
    title: {
      text: `Test accuracy vs temperature (${r.student}, ${r.seeds.length} seeds)`,
      subtitle: `teacher (${r.teacher.model}): ${(100 * r.teacher.accuracy).toFixed(2)}%`,
    },
    width: 420,
    height: 280,
    layer: [
      {
        data: { values: rules },
        mark: { type: 'rule', strokeDash: [6, 4] },
        encoding: {
          y: { field: 'accuracy', type: 'quantitative' },
          color: {
            field: 'what',
            type: 'nominal',
            title: null,
            legend: { orient: 'bottom', labelLimit: 400 },
          },
        },
      },
      {
        data: { values: points },
        mark: { type: 'point', filled: true, opacity: 0.6 },
        encoding: {
          x: { field: 'T', type: 'quantitative', scale: { type: 'log' }, title: 'temperature T' },
          y: {
            field: 'accuracy',
            type: 'quantitative',
            title: 'test accuracy (%)',
            scale: { zero: false },
          },
        },
      },
      {
        data: { values: means },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'T', type: 'quantitative' },
          y: { field: 'accuracy', type: 'quantitative' },
        },
      },
    ],
  });
}

/** Test accuracy per epoch, averaged over seeds, one line per run kind (scratch, KD at each T). */
export async function trainingCurvesSvg(r: SweepResult): Promise<string> {
  const groups = new Map<string, Map<number, number[]>>();
  for (const run of r.runs) {
    const key = run.kind === 'scratch' ? 'from scratch' : `KD T=${run.temperature}`;
    const g = groups.get(key) ?? new Map<number, number[]>();
    for (const h of run.history) g.set(h.epoch, [...(g.get(h.epoch) ?? []), 100 * h.testAccuracy]);
    groups.set(key, g);
  }
  const values = [...groups].flatMap(([run, g]) =>
    [...g].map(([epoch, accs]) => ({
      run,
      epoch,
      accuracy: accs.reduce((a, b) => a + b, 0) / accs.length,
    })),
  );
  return render({
    title: `Training curves (${r.student}, mean over seeds)`,
    width: 420,
    height: 280,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative' },
      y: {
        field: 'accuracy',
        type: 'quantitative',
        title: 'test accuracy (%)',
        scale: { zero: false },
      },
      color: { field: 'run', type: 'nominal', legend: { orient: 'bottom', labelLimit: 400 } },
    },
  });
}

/** Test accuracy per method: each seed's run as a point, the mean with a ±1 std error bar. */
export async function compareSvg(r: import('../train/compare.js').CompareResult): Promise<string> {
  const points = r.runs
    .filter((x) => x.status === 'done')
    .map((x) => ({ method: x.method, accuracy: 100 * x.testAccuracy!, seed: String(x.seed) }));
  const bars = r.rows
    .filter((x) => x.accuracyMean !== null)
    .map((x) => ({
      method: x.method,
      mean: 100 * x.accuracyMean!,
      lo: 100 * (x.accuracyMean! - (x.accuracyStd ?? 0)),
      hi: 100 * (x.accuracyMean! + (x.accuracyStd ?? 0)),
    }));
  const order = r.rows.map((x) => x.method);
  const y = { field: 'method', type: 'nominal', sort: order, title: null };
  return render({
    title: {
      text: `Test accuracy by method (${r.student}, ${r.seeds.length} seeds, ${r.config.epochs} epochs)`,
      subtitle: r.teachers
        .map((t, i) => `teacher ${i + 1}: ${t.model} ${(100 * t.accuracy).toFixed(2)}%`)
        .join('; '),
    },
    width: 420,
    height: 24 * order.length,
    layer: [
      {
        data: { values: bars },
        mark: { type: 'rule' },
        encoding: {
          y,
          x: {
            field: 'lo',
            type: 'quantitative',
            title: 'test accuracy (%)',
            scale: { zero: false },
          },
          x2: { field: 'hi' },
        },
      },
      {
        data: { values: bars },
        mark: { type: 'tick', thickness: 2 },
        encoding: { y, x: { field: 'mean', type: 'quantitative' } },
      },
      {
        data: { values: points },
        mark: { type: 'point', opacity: 0.6 },
        encoding: { y, x: { field: 'accuracy', type: 'quantitative' } },
      },
      {
        data: { values: bars },
        mark: { type: 'text', align: 'left', dx: 6, baseline: 'middle' },
        encoding: {
          y,
          x: { field: 'hi', type: 'quantitative' },
          text: { field: 'mean', type: 'quantitative', format: '.2f' },
        },
      },
    ],
  });
}
