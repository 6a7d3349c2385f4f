// Plain-text formatting for reports: fixed-decimal numbers and GitHub-flavoured Markdown tables.

/** Fixed decimals, or an em dash for a missing value (null, undefined, NaN). */
export function fmtNumber(x: number | null | undefined, digits = 3): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '—';
}

/** "0.912 ± 0.013"; just the mean when there is no spread (n = 1). */
export function fmtMeanStd(mean: number | null | undefined, std: number | null | undefined, digits = 3): string {
  const m = fmtNumber(mean, digits);
  if (m === '—' || typeof std !== 'number' || !Number.isFinite(std)) return m;
  return `${m} ± ${std.toFixed(digits)}`;
}

/** Signed difference, "+0.012" / "-0.004"; empty for no value, so baseline rows stay blank. */
export function fmtDelta(x: number | null | undefined, digits = 3): string {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '';
  const s = x.toFixed(digits);
  // Avoid "-0.000" for differences that round to zero.
  return Number(s) === 0 ? (0).toFixed(digits) : x > 0 ? `+${s}` : s;
}

export type Align = 'left' | 'right';

/** A Markdown table; cells are escaped so a `|` in a name cannot break the layout. */
export function markdownTable(headers: string[], align: Align[], rows: string[][]): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const line = (cells: string[]) => `| ${cells.map(esc).join(' | ')} |`;
  const rule = `|${align.map((a) => (a === 'right' ? '---:' : ':---')).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}
