// FractalDB-style formula-driven source dataset (Kataoka et al., "Pre-training without Natural
// Images", ACCV 2020): each class is a random iterated function system, each image a perturbed copy.
import { ImageDataset, ImageSplit, Rng, SplitName, runName, stableHash } from '@medtransfer/core';

export interface FractalParams {
  classes: number;
  /** Training images per class. */
  perClass: number;
  valPerClass: number;
  testPerClass: number;
  size: number;
  channels: 1 | 3;
  /** Chaos-game points per image (default 2 × size²). */
  points?: number;
  /** Instance variation: every map parameter is multiplied by a weight in [1 − v, 1 + v]. */
  variation: number;
  seed: number;
}

export const FRACTAL_DEFAULTS: Omit<FractalParams, 'seed'> = {
  classes: 16,
  perClass: 100,
  valPerClass: 10,
  testPerClass: 10,
  size: 28,
  channels: 3,
  variation: 0.1,
};

/** Bumped whenever the generator's output changes, so fingerprints (and cached trials) change with it. */
export const FRACTAL_VERSION = 1;

/** One affine map x' = a x + b y + e, y' = c x + d y + f, as [a, b, c, d, e, f]. */
type AffineMap = number[];
interface Ifs {
  maps: AffineMap[];
  /** Cumulative selection probabilities. */
  cdf: number[];
}

/** FractalDB picks a map with probability proportional to |det|; the floor keeps thin maps in play. */
function withCdf(maps: AffineMap[]): Ifs {
  const w = maps.map(([a, b, c, d]) => Math.max(Math.abs(a * d - b * c), 0.02));
  const total = w.reduce((s, x) => s + x, 0);
  let acc = 0;
  return { maps, cdf: w.map((x) => (acc += x / total)) };
}

/** An independent stream per label; a few draws are discarded because forks start from nearby states. */
function stream(root: Rng, label: string): Rng {
  const r = root.fork(label);
  for (let i = 0; i < 8; i++) r.nextUint32();
  return r;
}

/**
 * Runs the chaos game; returns the visited points (after a burn-in) and which map produced each,
 * or null when the orbit diverges.
 */
function chaosGame(ifs: Ifs, n: number, rng: Rng): { xy: Float64Array; which: Uint8Array } | null {
  const xy = new Float64Array(2 * n);
  const which = new Uint8Array(n);
  const { maps, cdf } = ifs;
  let x = 0;
  let y = 0;
  const burnIn = 20;
  for (let i = -burnIn; i < n; i++) {
    const u = rng.next();
    let k = 0;
    while (k < cdf.length - 1 && u > cdf[k]) k++;
    const m = maps[k];
    const nx = m[0] * x + m[1] * y + m[4];
    y = m[2] * x + m[3] * y + m[5];
    x = nx;
    if (!(Math.abs(x) < 1e6 && Math.abs(y) < 1e6)) return null;
    if (i >= 0) {
      xy[2 * i] = x;
      xy[2 * i + 1] = y;
      which[i] = k;
    }
  }
  return { xy, which };
}

function bounds(xy: Float64Array): { x0: number; y0: number; w: number; h: number } {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < xy.length; i += 2) {
    x0 = Math.min(x0, xy[i]);
    x1 = Math.max(x1, xy[i]);
    y0 = Math.min(y0, xy[i + 1]);
    y1 = Math.max(y1, xy[i + 1]);
  }
  return { x0, y0, w: x1 - x0, h: y1 - y0 };
}

/** FractalDB's "filling rate": the share of a grid (fitted to the attractor, aspect kept) that points cover. */
function fillingRate(xy: Float64Array, grid = 32): number {
  const { x0, y0, w, h } = bounds(xy);
  const extent = Math.max(w, h);
  if (!(extent > 1e-9)) return 0;
  const s = (grid - 1e-9) / extent;
  const hit = new Uint8Array(grid * grid);
  for (let i = 0; i < xy.length; i += 2) hit[Math.floor((xy[i + 1] - y0) * s) * grid + Math.floor((xy[i] - x0) * s)] = 1;
  return hit.reduce((a, b) => a + b, 0) / hit.length;
}

const MIN_FILL = 0.12;

/** Draws a class: 2–4 maps with entries in [−1, 1], redrawn until the attractor fills enough of the canvas. */
function drawClass(rng: Rng): Ifs {
  for (;;) {
    const n = 2 + rng.int(3);
    const maps: AffineMap[] = [];
    for (let k = 0; k < n; k++) {
      const m = Array.from({ length: 6 }, () => rng.uniform(-1, 1));
      // Cap the largest singular value of the linear part so the orbit stays bounded under perturbation.
      const [a, b, c, d] = m;
      const sq = a * a + b * b + c * c + d * d;
      const det = a * d - b * c;
      const sigma = Math.sqrt((sq + Math.sqrt(Math.max(sq * sq - 4 * det * det, 0))) / 2);
      if (sigma > 0.85) for (let j = 0; j < 4; j++) m[j] *= 0.85 / sigma;
      maps.push(m);
    }
    const ifs = withCdf(maps);
    const pts = chaosGame(ifs, 4000, rng);
    if (pts && fillingRate(pts.xy) >= MIN_FILL) return ifs;
  }
}

function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const f = (n: number) => {
    const k = (n + h * 6) % 6;
    return v - v * s * Math.max(0, Math.min(k, 4 - k, 1));
  };
  return [f(5), f(3), f(1)];
}

/** Renders one instance of a class into `out` (size × size × channels, black background). */
function renderInstance(cls: Ifs, p: FractalParams, rng: Rng, out: Uint8Array): void {
  const n = p.points ?? 2 * p.size * p.size;
  // FractalDB's intra-category variation: perturb every parameter; redraw if that breaks the attractor.
  let pts: ReturnType<typeof chaosGame> = null;
  for (let attempt = 0; attempt < 5 && !pts; attempt++) {
    const maps = cls.maps.map((m) => m.map((v) => v * rng.uniform(1 - p.variation, 1 + p.variation)));
    pts = chaosGame(withCdf(maps), n, rng);
    if (pts && fillingRate(pts.xy, 16) < MIN_FILL / 2) pts = null;
  }
  pts ??= chaosGame(cls, n, rng) ?? { xy: new Float64Array(2 * n), which: new Uint8Array(n) };

  // Random scale, placement and horizontal flip.
  const S = p.size;
  const { x0, y0, w, h } = bounds(pts.xy);
  const extent = Math.max(w, h, 1e-9);
  const scale = (rng.uniform(0.6, 0.95) * S) / extent;
  const ox = rng.uniform(0, Math.max(0, S - w * scale - 1e-6));
  const oy = rng.uniform(0, Math.max(0, S - h * scale - 1e-6));
  const flip = rng.next() < 0.5;

  // A colour per map, hues spread from a random start, so colour carries structure but not the class.
  const hue0 = rng.next();
  const colours = cls.maps.map((_m, k) => hsvToRgb((hue0 + (k * 0.5) / cls.maps.length + rng.uniform(0, 0.08)) % 1, rng.uniform(0.55, 1), 1));

  const hits = new Float32Array(S * S);
  const rgb = new Float32Array(S * S * 3);
  for (let i = 0; i < n; i++) {
    let px = Math.floor((pts.xy[2 * i] - x0) * scale + ox);
    const py = Math.floor((pts.xy[2 * i + 1] - y0) * scale + oy);
    if (flip) px = S - 1 - px;
    if (px < 0 || py < 0 || px >= S || py >= S) continue;
    const j = py * S + px;
    hits[j]++;
    const c = colours[pts.which[i]];
    rgb[3 * j] += c[0];
    rgb[3 * j + 1] += c[1];
    rgb[3 * j + 2] += c[2];
  }
  // Brightness saturates with hit count; the gain adapts so a typical covered pixel is bright.
  let covered = 0;
  for (let j = 0; j < hits.length; j++) if (hits[j] > 0) covered++;
  const gain = covered ? (2 * covered) / n : 1;
  for (let j = 0; j < hits.length; j++) {
    if (hits[j] === 0) continue;
    const v = 255 * (1 - Math.exp(-hits[j] * gain));
    if (p.channels === 1) out[j] = Math.round(v);
    else for (let c = 0; c < 3; c++) out[3 * j + c] = Math.round((v * rgb[3 * j + c]) / hits[j]);
  }
}

/** Generates the dataset; the same params and seed always give the same bytes. */
export function generateFractalDataset(p: FractalParams): ImageDataset {
  const root = new Rng(p.seed);
  const classes = Array.from({ length: p.classes }, (_v, c) => drawClass(stream(root, `fractal/class/${c}`)));
  const pixels = p.size * p.size * p.channels;
  const splits: Partial<Record<SplitName, ImageSplit>> = {};
  const perSplit: [SplitName, number][] = [
    ['train', p.perClass],
    ['val', p.valPerClass],
    ['test', p.testPerClass],
  ];
  for (const [split, per] of perSplit) {
    if (per === 0) continue;
    const count = per * p.classes;
    const images = new Uint8Array(count * pixels);
    const labels = new Int32Array(count);
    // Classes interleaved, so every prefix of the split is balanced.
    for (let i = 0; i < count; i++) {
      const c = i % p.classes;
      labels[i] = c;
      renderInstance(classes[c], p, stream(root, `fractal/${split}/${i}`), images.subarray(i * pixels, (i + 1) * pixels));
    }
    splits[split] = { images, labels, count, height: p.size, width: p.size, channels: p.channels, labelWidth: 1 };
  }
  const described = { ...p, points: p.points ?? 2 * p.size * p.size };
  return {
    name: 'synthetic/fractal',
    task: 'multi-class',
    numClasses: p.classes,
    labelNames: Array.from({ length: p.classes }, (_v, c) => `fractal-${c}`),
    splits,
    fingerprint: stableHash({ generator: 'synthetic/fractal', version: FRACTAL_VERSION, ...described }),
    source: runName('synthetic/fractal', described),
  };
}
