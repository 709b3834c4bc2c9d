// The loss's computation graph drawn as a graph: dagre lays out the nodes (tensors) and edges
// (input → output) from the bottom (inputs) to the top (the loss); each node shows its name, op,
// value or shape and the size of its gradient. T and T² are highlighted.
import { Graph, layout } from '@dagrejs/dagre';

// What the page uses of dagre's graph (its graphlib dependency ships without type declarations).
interface Point {
  x: number;
  y: number;
}
interface LayoutGraph {
  setGraph(label: object): void;
  setDefaultEdgeLabel(label: () => object): void;
  setNode(id: string, label: { width: number; height: number }): void;
  setEdge(from: string, to: string): void;
  node(id: string): Point & { width: number; height: number };
  edges(): { v: string; w: string }[];
  edge(e: { v: string; w: string }): { points?: Point[] };
  graph(): { width?: number; height?: number };
}
const newGraph = Graph as unknown as new () => LayoutGraph;
const runLayout = layout as unknown as (g: LayoutGraph) => void;
import type { GraphNode } from './state.js';

const CHAR = 6.2; // px per character at the 11 px font
const LINE = 14;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function lines(n: GraphNode, fmt: (v: number) => string): string[] {
  const what = n.value !== null ? `= ${fmt(n.value)}` : `[${n.shape.join(', ')}]`;
  const head = n.name === n.op ? n.op : `${n.name} (${n.op})`;
  return [`${head} ${what}`, n.grad === null ? 'no grad' : `|grad| = ${fmt(n.grad)}`];
}

/** An SVG of the graph (its own size; the page scales it to the panel). */
export function graphSvg(
  nodes: readonly GraphNode[],
  edges: readonly (readonly [string, string])[],
  fmt: (v: number) => string,
): string {
  const g = new newGraph();
  g.setGraph({ rankdir: 'BT', nodesep: 14, ranksep: 26, marginx: 6, marginy: 6 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) {
    const text = lines(n, fmt);
    const width = 12 + CHAR * Math.max(...text.map((t) => [...t].length));
    g.setNode(n.id, { width, height: 8 + LINE * text.length });
  }
  for (const [from, to] of edges) g.setEdge(from, to);
  runLayout(g);
  const { width = 0, height = 0 } = g.graph();
  const parts: string[] = [];
  for (const e of g.edges()) {
    const pts = g.edge(e).points ?? [];
    const d = pts.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
    parts.push(`<path class="edge" d="${d}" marker-end="url(#arrow)"/>`);
  }
  for (const n of nodes) {
    const box = g.node(n.id);
    const [x, y] = [box.x - box.width / 2, box.y - box.height / 2];
    const cls = n.highlight ? 'node hl' : n.op === 'leaf' ? 'node leaf' : 'node';
    const text = lines(n, fmt)
      .map((t, i) => `<text x="${x + 6}" y="${y + 15 + i * LINE}">${esc(t)}</text>`)
      .join('');
    parts.push(
      `<g class="${cls}" data-name="${esc(n.name)}"><rect x="${x}" y="${y}" width="${box.width}" height="${box.height}" rx="4"/>${text}</g>`,
    );
  }
  return (
    `<svg id="graph-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${Math.ceil(width)} ${Math.ceil(height)}" width="${Math.ceil(width)}" role="img" aria-label="computation graph of the loss">` +
    '<defs><marker id="arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#888"/></marker></defs>' +
    parts.join('') +
    '</svg>'
  );
}
