// A self-contained HTML page from the report's Markdown: the small subset that the report writes
// (headings, paragraphs, bullet lists, tables, images), with figures inlined and no external URL.
const CSS = `
body { font: 15px/1.5 Helvetica, Arial, "DejaVu Sans", sans-serif; color: #222; max-width: 1100px; margin: 2em auto; padding: 0 1.5em; background: #fff; }
h1 { font-size: 1.7em; margin-bottom: .3em; } h2 { font-size: 1.3em; margin-top: 1.8em; border-bottom: 1px solid #ddd; padding-bottom: .2em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 14px; } th, td { padding: .35em .8em; border-bottom: 1px solid #e3e3e3; }
th { background: #f4f4f4; text-align: left; } td.r, th.r { text-align: right; font-variant-numeric: tabular-nums; }
code { background: #f4f4f4; padding: 0 .25em; border-radius: 3px; } figure { margin: 1.5em 0; } figure svg, figure img { max-width: 100%; height: auto; }
`;

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Inline Markdown: `code`, **bold**, *emphasis* (on escaped text). */
function inline(s: string): string {
  return escapeHtml(s)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[^*])\*([^*\s][^*]*)\*/g, '$1<em>$2</em>');
}

function splitRow(line: string): string[] {
  const cells: string[] = [];
  let cur = '';
  const body = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '\\' && body[i + 1] === '|') {
      cur += '|';
      i++;
    } else if (body[i] === '|') {
      cells.push(cur.trim());
      cur = '';
    } else cur += body[i];
  }
  cells.push(cur.trim());
  return cells;
}

/**
 * Converts the report's Markdown to a complete HTML document. `figures` maps an image path used
 * in `![alt](path)` to its SVG markup, which is inlined; an image without an entry is dropped
 * (with its alt text kept), so the page never points at an external file.
 */
export function reportHtml(markdown: string, opts: { title: string; figures: ReadonlyMap<string, string> }): string {
  const lines = markdown.split('\n');
  const html: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const img = /^!\[([^\]]*)\]\(([^)]+)\)\s*$/.exec(line);
    if (!line.trim()) continue;
    if (img) {
      const svg = opts.figures.get(img[2]);
      const body = svg ? svg.replace(/^<\?xml[^>]*>\s*/, '') : `<p>${escapeHtml(img[1])}</p>`;
      html.push(`<figure role="img" aria-label="${escapeHtml(img[1])}">${body}</figure>`);
    } else if (/^#{1,6} /.test(line)) {
      const level = /^#+/.exec(line)![0].length;
      html.push(`<h${level}>${inline(line.slice(level + 1))}</h${level}>`);
    } else if (line.startsWith('|')) {
      const rows: string[] = [];
      while (i < lines.length && lines[i].startsWith('|')) rows.push(lines[i++]);
      i--;
      const head = splitRow(rows[0]);
      const right = splitRow(rows[1]).map((c) => c.endsWith(':'));
      const cls = (k: number) => (right[k] ? ' class="r"' : '');
      html.push(
        '<table>',
        `<thead><tr>${head.map((c, k) => `<th${cls(k)}>${inline(c)}</th>`).join('')}</tr></thead>`,
        '<tbody>',
        ...rows.slice(2).map((r) => `<tr>${splitRow(r).map((c, k) => `<td${cls(k)}>${inline(c)}</td>`).join('')}</tr>`),
        '</tbody></table>',
      );
    } else if (line.startsWith('- ')) {
      const items: string[] = [];
      while (i < lines.length && lines[i].startsWith('- ')) items.push(lines[i++].slice(2));
      i--;
      html.push('<ul>', ...items.map((t) => `<li>${inline(t)}</li>`), '</ul>');
    } else {
      html.push(`<p>${inline(line)}</p>`);
    }
  }
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(opts.title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    ...html,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
