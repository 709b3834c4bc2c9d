// The explorer's charts: vega-lite specs compiled once, drawn by vega as SVG. Each update only
// replaces a chart's data and re-runs its view. Expressions go through vega-interpreter, so the
// page needs no 'unsafe-eval' under the server's Content-Security-Policy.
import { changeset, parse, View } from 'vega';
import { expressionInterpreter } from 'vega-interpreter';
import { compile, type TopLevelSpec } from 'vega-lite';

export type Row = Record<string, string | number>;

/** One chart in `container`: build once, then update(data) as often as the state changes. */
export class Chart {
  private view: View;

  constructor(
    private readonly container: HTMLElement,
    spec: TopLevelSpec,
    /** 'canvas' for charts redrawn many times a second (the lab's curves): cheaper than SVG. */
    private readonly renderer: 'svg' | 'canvas' = 'svg',
  ) {
    this.view = Chart.make(container, spec, renderer);
  }

  private static make(
    container: HTMLElement,
    spec: TopLevelSpec,
    renderer: 'svg' | 'canvas',
  ): View {
    const runtime = parse(compile(spec).spec, undefined, { ast: true });
    return new View(runtime, {
      expr: expressionInterpreter,
      renderer,
      container,
      hover: true,
    });
  }

  /** Rebuilds the chart from another spec (e.g. a log scale), keeping the container. */
  respec(spec: TopLevelSpec): void {
    this.view.finalize();
    this.container.replaceChildren();
    this.view = Chart.make(this.container, spec, this.renderer);
  }

  /** Adds rows to the named data sets and redraws (cheaper than replacing them all). */
  async insert(data: Record<string, Row[]>): Promise<void> {
    for (const [name, rows] of Object.entries(data))
      this.view.change(name, changeset().insert(rows));
    await this.view.runAsync();
  }

  /** Replaces the named data sets and redraws; resolves when the SVG is updated. */
  async update(data: Record<string, Row[]>): Promise<void> {
    for (const [name, rows] of Object.entries(data)) this.view.data(name, rows);
    await this.view.runAsync();
  }
}

// Each chart takes its panel's width (re-laid out on resize), so its text keeps its size on a phone
// instead of shrinking with a scaled-down SVG; the y axes take a fixed width so the T axes of the
// line charts line up one above the other.
const WIDTH = 'container' as const;
const AUTOSIZE = { type: 'fit-x', contains: 'padding' } as const;
const Y_AXIS = { minExtent: 48, maxExtent: 48 } as const;
const font = { labelFontSize: 11, titleFontSize: 11 };
const legend = {
  orient: 'top',
  direction: 'horizontal',
  title: null,
  labelFontSize: 11,
  labelLimit: 320,
  columns: 2,
} as const;

/**
 * Grouped bars: one group per class, one bar per series (rows {class, series, value}). For
 * probabilities the y axis is fixed to [0, 1] — or, on a log scale, [1e-6, 1] — so moving a
 * control changes the bars, not the axis.
 */
export function barSpec(o: {
  title: string;
  yTitle: string;
  classes: readonly string[];
  series: readonly string[];
  colors: readonly string[];
  probability?: boolean;
  log?: boolean;
}): TopLevelSpec {
  const scale = o.probability
    ? o.log
      ? { type: 'log' as const, domain: [1e-6, 1], clamp: true }
      : { domain: [0, 1] }
    : { zero: true, nice: true };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: o.title, fontSize: 12 },
    width: WIDTH,
    autosize: AUTOSIZE,
    height: 150,
    data: { name: 'table' },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: {
        field: 'class',
        type: 'nominal',
        sort: [...o.classes],
        title: null,
        axis: { labelAngle: -40, ...font },
      },
      xOffset: { field: 'series', type: 'nominal', sort: [...o.series] },
      y: {
        field: 'value',
        type: 'quantitative',
        title: o.yTitle,
        scale,
        axis: { ...font, format: o.log ? '.0e' : '.2~g', tickCount: o.log ? 7 : 5 },
      },
      color: {
        field: 'series',
        type: 'nominal',
        sort: [...o.series],
        legend,
        scale: { domain: [...o.series], range: [...o.colors] },
      },
    },
    config: { view: { stroke: null }, axisY: Y_AXIS },
  };
}

/**
 * Lines against T on a log axis from 0.1 to 100 (rows {T, series, value}), a dashed line for
 * each constant (rows {series, value}: named in the legend, so no label sits on a curve) and a
 * vertical rule at the current T (rows {T}).
 */
export function lineSpec(o: {
  title: string;
  yTitle: string;
  series: readonly string[];
  colors: readonly string[];
  rules?: readonly string[];
  /** A log y axis (for quantities spanning decades, as a gradient's size against T). */
  logY?: boolean;
}): TopLevelSpec {
  const all = [...o.series, ...(o.rules ?? [])];
  const color = {
    field: 'series',
    type: 'nominal',
    sort: all,
    scale: { domain: all, range: [...o.colors] },
    legend,
  } as const;
  const x = {
    field: 'T',
    type: 'quantitative',
    title: 'temperature T (log scale)',
    scale: { type: 'log', domain: [0.1, 100] },
    axis: { ...font, values: [0.1, 0.3, 1, 3, 10, 30, 100], format: '~g' },
  } as const;
  const y = {
    field: 'value',
    type: 'quantitative',
    title: o.yTitle,
    ...(o.logY ? { scale: { type: 'log' } } : {}),
    axis: { ...font, format: o.logY ? '.0e' : '.3~g' },
  } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: o.title, fontSize: 12 },
    width: WIDTH,
    autosize: AUTOSIZE,
    height: 150,
    layer: [
      {
        data: { name: 'table' },
        mark: { type: 'line', tooltip: true, point: { size: 12 } },
        encoding: { x, y, color },
      },
      ...(o.rules?.length
        ? [
            {
              data: { name: 'rules' },
              mark: { type: 'rule', strokeDash: [5, 4], tooltip: true },
              encoding: { y, color },
            },
          ]
        : []),
      {
        data: { name: 'marker' },
        mark: { type: 'rule', color: '#d33', strokeDash: [2, 3] },
        encoding: { x: { field: 'T', type: 'quantitative' } },
      },
    ],
    config: { view: { stroke: null }, axisY: Y_AXIS },
  } as TopLevelSpec;
}

/** Lines against training steps (rows {step, series, value}), for the lab's learning curves. */
export function stepLineSpec(o: {
  title: string;
  yTitle: string;
  series: readonly string[];
  colors: readonly string[];
  /** A fixed y range (accuracies in [0, 1]); otherwise fitted to the data. */
  yDomain?: [number, number];
}): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: o.title, fontSize: 12 },
    width: WIDTH,
    autosize: AUTOSIZE,
    height: 140,
    data: { name: 'table' },
    mark: { type: 'line', tooltip: true },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step', axis: font },
      y: {
        field: 'value',
        type: 'quantitative',
        title: o.yTitle,
        ...(o.yDomain ? { scale: { domain: o.yDomain } } : {}),
        axis: { ...font, format: '.2~f' },
      },
      color: {
        field: 'series',
        type: 'nominal',
        sort: [...o.series],
        scale: { domain: [...o.series], range: [...o.colors] },
        legend,
      },
    },
    config: { view: { stroke: null }, axisY: Y_AXIS },
  };
}
