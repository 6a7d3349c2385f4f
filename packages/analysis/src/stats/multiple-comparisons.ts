// Multiple-comparison adjustment of p-values: Holm (family-wise error) and Benjamini–Hochberg
// (false discovery rate). NaN p-values are left as NaN and do not count towards m.
export type PAdjustMethod = 'holm' | 'bh' | 'none';

function finiteIndices(ps: readonly number[]): number[] {
  return ps.map((p, i) => [p, i] as const).filter(([p]) => Number.isFinite(p)).sort((a, b) => a[0] - b[0]).map(([, i]) => i);
}

/** Holm step-down adjusted p-values (same order as the input), as R's p.adjust(method = "holm"). */
export function holm(ps: readonly number[]): number[] {
  const out = ps.map(() => NaN);
  const idx = finiteIndices(ps);
  const m = idx.length;
  let running = 0;
  idx.forEach((i, k) => {
    running = Math.max(running, Math.min(1, (m - k) * ps[i]));
    out[i] = running;
  });
  return out;
}

/** Benjamini–Hochberg step-up adjusted p-values, as R's p.adjust(method = "BH"). */
export function benjaminiHochberg(ps: readonly number[]): number[] {
  const out = ps.map(() => NaN);
  const idx = finiteIndices(ps);
  const m = idx.length;
  let running = 1;
  for (let k = m - 1; k >= 0; k--) {
    const i = idx[k];
    running = Math.min(running, Math.min(1, (m / (k + 1)) * ps[i]));
    out[i] = running;
  }
  return out;
}

export function adjustPValues(ps: readonly number[], method: PAdjustMethod): number[] {
  return method === 'holm' ? holm(ps) : method === 'bh' ? benjaminiHochberg(ps) : ps.slice();
}
