// The Pareto front of points with two objectives, a cost (x) and a score (y), each lower- or
// higher-is-better: which points no other point beats on both, and for the rest, which does.

export type Better = 'lower' | 'higher';

/** Which way each axis improves: `{ x: 'lower', y: 'higher' }` for accuracy against cost. */
export interface ParetoDirections {
  x: Better;
  y: Better;
}

export interface ParetoPoint {
  /** Null, NaN or ±Infinity: not compared (`missing`). */
  x: number | null;
  y: number | null;
}

/**
 * A point's place: on the front; dominated, with `by` the index of a front point that dominates
 * it (the one best on x, then best on y, then first given); or left out for a missing coordinate.
 */
export type ParetoMark = { status: 'front' } | { status: 'dominated'; by: number } | { status: 'missing' };

const finite = (v: number | null): v is number => typeof v === 'number' && Number.isFinite(v);

/** How much better `a` is than `b` on one axis (> 0: better). */
const gain = (a: number, b: number, better: Better) => (better === 'lower' ? b - a : a - b);

/**
 * True when `a` dominates `b`: at least as good on both axes and strictly better on one. Two
 * points with identical x and y do not dominate each other.
 */
export function dominates(a: { x: number; y: number }, b: { x: number; y: number }, dir: ParetoDirections): boolean {
  const dx = gain(a.x, b.x, dir.x);
  const dy = gain(a.y, b.y, dir.y);
  return dx >= 0 && dy >= 0 && (dx > 0 || dy > 0);
}

/**
 * Marks every point as on the front, dominated (and by which front point) or missing. Ties:
 * points with identical x and y are all on the front (or all dominated); a point with the same x
 * and a worse y (or the same y and a worse x) is dominated. O(n²), for tens of points.
 */
export function paretoFront(points: readonly ParetoPoint[], dir: ParetoDirections): ParetoMark[] {
  const usable = points.map((p, i) => ({ i, x: p.x, y: p.y })).filter((p): p is { i: number; x: number; y: number } => finite(p.x) && finite(p.y));
  const front = usable.filter((p) => !usable.some((q) => dominates(q, p, dir)));
  // Front points best on x first, so a dominated point names the cheapest point that beats it.
  front.sort((a, b) => gain(b.x, a.x, dir.x) || gain(b.y, a.y, dir.y) || a.i - b.i);
  const onFront = new Set(front.map((p) => p.i));
  const marks: ParetoMark[] = points.map(() => ({ status: 'missing' }));
  for (const p of usable) {
    if (onFront.has(p.i)) marks[p.i] = { status: 'front' };
    // Dominance is transitive, so some point of the front dominates every point off it.
    else marks[p.i] = { status: 'dominated', by: front.find((q) => dominates(q, p, dir))!.i };
  }
  return marks;
}
