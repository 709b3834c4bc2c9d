// Minimal SVG drawing for the explorer (bars and lines); the numbers come from state.ts.
const NS = 'http://www.w3.org/2000/svg';

function svg(width: number, height: number, label: string): SVGSVGElement {
  const el = document.createElementNS(NS, 'svg');
  el.setAttribute('viewBox', `0 0 ${width} ${height}`);
  el.setAttribute('width', String(width));
  el.setAttribute('height', String(height));
  el.setAttribute('role', 'img');
  el.setAttribute('aria-label', label);
  return el;
}

function add(parent: Element, tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  parent.appendChild(el);
  return el;
}

/** One legend line: items placed one after the other by their text length. */
function legend(el: Element, items: { text: string; color: string }[], x0: number): void {
  let x = x0;
  for (const it of items) {
    add(el, 'text', { x, y: 10, 'font-size': 10, fill: it.color }, it.text);
    x += it.text.length * 5.6 + 14;
  }
}

/** Grouped bars: one group per category, one bar per series; symmetric around 0 when values go negative. */
export function barChart(label: string, categories: readonly string[], series: { name: string; color: string; values: readonly number[] }[], opts: { width?: number; height?: number } = {}): SVGSVGElement {
  const W = opts.width ?? 420;
  const H = opts.height ?? 170;
  const el = svg(W, H, label);
  const all = series.flatMap((s) => s.values);
  const max = Math.max(1e-12, ...all.map(Math.abs));
  const signed = all.some((v) => v < 0);
  const top = 14;
  const bottom = H - 20;
  const zero = signed ? (top + bottom) / 2 : bottom;
  const scale = signed ? (bottom - top) / 2 / max : (bottom - top) / max;
  const gw = (W - 20) / categories.length;
  const bw = (gw - 8) / series.length;
  add(el, 'line', { x1: 10, x2: W - 10, y1: zero, y2: zero, stroke: '#888' });
  categories.forEach((c, i) => {
    series.forEach((s, k) => {
      const v = s.values[i] ?? 0;
      const h = Math.abs(v) * scale;
      add(el, 'rect', { x: 14 + i * gw + k * bw, y: v >= 0 ? zero - h : zero, width: Math.max(1, bw - 2), height: h, fill: s.color }).appendChild(document.createElementNS(NS, 'title')).textContent = `${s.name} ${c}: ${v.toPrecision(4)}`;
    });
    add(el, 'text', { x: 10 + i * gw + gw / 2, y: H - 5, 'text-anchor': 'middle', 'font-size': 9 }, c.slice(0, 5));
  });
  legend(el, series.map((s) => ({ text: `■ ${s.name}`, color: s.color })), 12);
  return el;
}

/** Lines against a log-scaled x axis, with an optional dashed horizontal rule and a vertical marker. */
export function lineChart(label: string, x: readonly number[], series: { name: string; color: string; values: readonly number[] }[], opts: { rule?: { name: string; value: number }; marker?: number; width?: number; height?: number } = {}): SVGSVGElement {
  const W = opts.width ?? 420;
  const H = opts.height ?? 170;
  const el = svg(W, H, label);
  const ys = [...series.flatMap((s) => s.values), ...(opts.rule ? [opts.rule.value] : [])].filter(Number.isFinite);
  const lo = Math.min(0, ...ys);
  const hi = Math.max(1e-12, ...ys);
  const lx = (v: number) => 30 + ((Math.log(v) - Math.log(x[0]!)) / (Math.log(x.at(-1)!) - Math.log(x[0]!))) * (W - 40);
  const ly = (v: number) => H - 20 - ((v - lo) / (hi - lo)) * (H - 40);
  add(el, 'line', { x1: 30, x2: W - 10, y1: ly(0), y2: ly(0), stroke: '#888' });
  for (const t of [0.1, 1, 10]) if (t >= x[0]! && t <= x.at(-1)!) add(el, 'text', { x: lx(t), y: H - 5, 'font-size': 10, 'text-anchor': 'middle' }, `T=${t}`);
  series.forEach((s) => {
    const d = s.values.map((v, i) => `${i ? 'L' : 'M'}${lx(x[i]!).toFixed(1)},${ly(Number.isFinite(v) ? v : 0).toFixed(1)}`).join('');
    add(el, 'path', { d, fill: 'none', stroke: s.color, 'stroke-width': 2 });
  });
  legend(el, series.map((s) => ({ text: `— ${s.name}`, color: s.color })), 34);
  if (opts.rule) {
    add(el, 'line', { x1: 30, x2: W - 10, y1: ly(opts.rule.value), y2: ly(opts.rule.value), stroke: '#555', 'stroke-dasharray': '5 4' });
    add(el, 'text', { x: W - 12, y: ly(opts.rule.value) - 4, 'font-size': 10, 'text-anchor': 'end' }, opts.rule.name);
  }
  if (opts.marker !== undefined) add(el, 'line', { x1: lx(opts.marker), x2: lx(opts.marker), y1: 16, y2: H - 20, stroke: '#d33', 'stroke-dasharray': '2 3' });
  return el;
}
