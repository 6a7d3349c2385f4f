// "Did you mean …" for unknown names: Levenshtein distance over the valid names.

export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The valid names closest to `name` (case- and punctuation-insensitive), best first. */
export function closestNames(name: string, valid: readonly string[], max = 3): string[] {
  const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9/]/g, '');
  const n = norm(name);
  const scored = valid
    .map((v) => ({ v, d: editDistance(n, norm(v)) }))
    .filter(({ v, d }) => d <= Math.max(2, Math.ceil(norm(v).length / 3)) || norm(v).includes(n) || n.includes(norm(v)));
  scored.sort((a, b) => a.d - b.d || a.v.localeCompare(b.v));
  return scored.slice(0, max).map((s) => s.v);
}

/** `unknown backbone "resnet-50"; did you mean "resnet50"? Valid: a, b, c`. */
export function unknownNameMessage(kind: string, name: string, valid: readonly string[]): string {
  const near = closestNames(name, valid);
  const hint = near.length ? `; did you mean ${near.map((s) => `"${s}"`).join(' or ')}?` : '.';
  return `unknown ${kind} "${name}"${hint} Valid ${kind} names: ${[...valid].sort().join(', ')}`;
}
