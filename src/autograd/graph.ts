// Graph export for any tensor: an indented text tree and Graphviz DOT, with op names, shapes
// and gradient norms (after backward; call retainGraphGrads(root) first to keep the
// intermediate gradients). Walks are iterative, so deep graphs are fine.
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from './tensor.js';

/** Every tensor reachable from root (root first), following gradFn inputs. */
export function graphTensors(root: Tensor): Tensor[] {
  const seen = new Set<Tensor>([root]);
  const order: Tensor[] = [];
  const stack = [root];
  while (stack.length) {
    const t = stack.pop()!;
    order.push(t);
    for (const input of t.gradFn?.inputs ?? []) {
      if (!seen.has(input)) {
        seen.add(input);
        stack.push(input);
      }
    }
  }
  return order;
}

/** Calls retainGrad() on every intermediate tensor of the graph, so export can show all gradient norms. */
export function retainGraphGrads(root: Tensor): void {
  for (const t of graphTensors(root)) if (t.requiresGrad && !t.isLeaf) t.retainGrad();
}

function l2(t: Tensor): number {
  let s = 0;
  for (const v of t.toTypedArray()) s += v * v;
  return Math.sqrt(s);
}

function describe(t: Tensor): string {
  const what = t.gradFn ? t.gradFn.op : t.requiresGrad ? 'leaf' : 'const';
  const name = t.label ? `${t.label} = ` : '';
  const value = t.numel() === 1 ? ` value=${fmt(t.storage.data[t.storage.offset]!)}` : '';
  const grad = t.grad ? ` |grad|=${fmt(l2(t.grad))}` : '';
  return `${name}${what} ${formatShape(t.shape)}${value}${grad}`;
}

function fmt(v: number): string {
  return Number.isInteger(v)
    ? String(v)
    : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4
      ? v.toFixed(4)
      : v.toExponential(3);
}

/**
 * Indented text tree, root at the top; a tensor reached twice is printed once and then
 * referred to as "(#id, see above)".
 */
export function toTree(root: Tensor, opts: { maxDepth?: number } = {}): string {
  const maxDepth = opts.maxDepth ?? Infinity;
  const lines: string[] = [];
  const printed = new Set<Tensor>();
  const stack: { t: Tensor; depth: number }[] = [{ t: root, depth: 0 }];
  while (stack.length) {
    const { t, depth } = stack.pop()!;
    const indent = '  '.repeat(depth);
    if (printed.has(t)) {
      lines.push(`${indent}(#${t.id}, see above)`);
      continue;
    }
    printed.add(t);
    lines.push(`${indent}#${t.id} ${describe(t)}`);
    const inputs = t.gradFn?.inputs ?? [];
    if (depth + 1 > maxDepth && inputs.length) {
      lines.push(`${indent}  ...`);
      continue;
    }
    for (let i = inputs.length - 1; i >= 0; i--) stack.push({ t: inputs[i]!, depth: depth + 1 });
  }
  return lines.join('\n');
}

const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/**
 * Graphviz DOT: tensors as boxes (leaves filled), ops as ellipses, edges input -> op -> output.
 * `highlight` labels (e.g. ['T', 'T²']) are drawn in colour. Render with `dot -Tsvg`.
 */
export function toDot(
  root: Tensor,
  opts: { title?: string; highlight?: readonly string[] } = {},
): string {
  const highlight = new Set(opts.highlight ?? []);
  const out = ['digraph kdgrad {', '  rankdir=BT;', '  node [fontname="Helvetica", fontsize=10];'];
  if (opts.title) out.push(`  label=${quote(opts.title)}; labelloc=t;`);
  for (const t of graphTensors(root)) {
    const style = highlight.has(t.label ?? '')
      ? ', style=filled, fillcolor="#ffd27f"'
      : t.isLeaf && t.requiresGrad
        ? ', style=filled, fillcolor="#cfe8ff"'
        : '';
    out.push(`  t${t.id} [shape=box, label=${quote(describe(t))}${style}];`);
    if (t.gradFn) {
      out.push(`  op${t.id} [shape=ellipse, label=${quote(t.gradFn.op)}];`);
      out.push(`  op${t.id} -> t${t.id};`);
      t.gradFn.inputs.forEach((input) => {
        const g = input.grad ? ` [label=${quote(`|g|=${fmt(l2(input.grad))}`)}]` : '';
        out.push(`  t${input.id} -> op${t.id}${g};`);
      });
    }
  }
  out.push('}');
  return out.join('\n');
}
