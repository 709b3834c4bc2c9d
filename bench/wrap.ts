// Prose lines of the bench's markdown wrapped at 100 characters (table rows stay one line each):
// a list item continues on lines indented by two spaces.
export function wrapProse(line: string, width = 100): string {
  if (line.length <= width || line.startsWith('|')) return line;
  const indent = line.startsWith('- ') ? '  ' : '';
  const out: string[] = [];
  let cur = '';
  for (const word of line.split(' ')) {
    if (cur && cur.length + 1 + word.length > width) {
      out.push(cur);
      cur = indent + word;
    } else {
      cur = cur ? `${cur} ${word}` : word;
    }
  }
  out.push(cur);
  return out.join('\n');
}
