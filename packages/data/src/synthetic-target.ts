// "synthetic/lesions": a seeded stand-in for a small medical target task (BreastMNIST-like breast
// ultrasound), so pipelines, tests and demos run without downloading patient data.
//
// Each image is a grayscale ultrasound-like field: smooth tissue echogenicity with depth
// attenuation, multiplied by correlated speckle, holding one dark (hypoechoic) lesion.
//   class 0 "benign-like":    smooth round/oval outline, at most gentle lobulation, rarely a rim;
//   class 1 "malignant-like": irregular, spiculated outline with a bright (echogenic) rim.
// These are the shape cues radiologists use (BI-RADS margin and halo descriptors). Size, aspect,
// contrast and speckle share one distribution across classes, and every image is shifted to a
// random mean brightness, so the classes differ in shape, not in brightness. `difficulty` (0–1)
// shrinks the malignant cues and grows the benign irregularity until the classes overlap.
import { ImageDataset, ImageSplit, Rng, SplitName, runName, stableHash } from '@medtransfer/core';

export interface LesionParams {
  train: number;
  val: number;
  test: number;
  size: number;
  /** 0 = clearly separable shapes, 1 = heavily overlapping classes. */
  difficulty: number;
  seed: number;
}

export const LESION_DEFAULTS: Omit<LesionParams, 'seed'> = { train: 600, val: 200, test: 200, size: 28, difficulty: 0.5 };

/** Bumped whenever the generator's output changes, so fingerprints (and cached trials) change with it. */
export const LESION_VERSION = 1;

export const LESION_LABELS = ['benign-like', 'malignant-like'];

function stream(root: Rng, label: string): Rng {
  const r = root.fork(label);
  for (let i = 0; i < 8; i++) r.nextUint32();
  return r;
}

/** Bilinear upsampling of a coarse g×g grid to S×S: smooth low-frequency variation. */
function smoothField(rng: Rng, g: number, S: number, std: number): Float32Array {
  const coarse = Array.from({ length: g * g }, () => rng.normal(0, std));
  const out = new Float32Array(S * S);
  for (let y = 0; y < S; y++) {
    const fy = (y / (S - 1)) * (g - 1);
    const y0 = Math.min(Math.floor(fy), g - 2);
    const ty = fy - y0;
    for (let x = 0; x < S; x++) {
      const fx = (x / (S - 1)) * (g - 1);
      const x0 = Math.min(Math.floor(fx), g - 2);
      const tx = fx - x0;
      const a = coarse[y0 * g + x0] * (1 - tx) + coarse[y0 * g + x0 + 1] * tx;
      const b = coarse[(y0 + 1) * g + x0] * (1 - tx) + coarse[(y0 + 1) * g + x0 + 1] * tx;
      out[y * S + x] = a * (1 - ty) + b * ty;
    }
  }
  return out;
}

/** Rayleigh speckle (mean 1), correlated over about a pixel like real ultrasound speckle. */
function speckle(rng: Rng, S: number): Float32Array {
  const raw = new Float32Array(S * S);
  for (let i = 0; i < raw.length; i++) raw[i] = Math.hypot(rng.normal(), rng.normal()) / Math.sqrt(Math.PI / 2);
  const out = new Float32Array(S * S);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      let s = 0;
      let n = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy < 0 || xx < 0 || yy >= S || xx >= S) continue;
          const w = dx === 0 && dy === 0 ? 4 : 1;
          s += w * raw[yy * S + xx];
          n += w;
        }
      }
      out[y * S + x] = s / n;
    }
  }
  return out;
}

/**
 * The lesion outline as a radius function r(θ) relative to the base radius, tabulated at
 * OUTLINE_STEPS angles (the renderer interpolates; evaluating the spikes per pixel is slow).
 */
const OUTLINE_STEPS = 256;
function outline(rng: Rng, malignant: boolean, d: number): Float32Array {
  const terms: [number, number, number][] = []; // [frequency, amplitude, phase]
  const spikes: [number, number, number][] = []; // [angle, height, width]
  // Gentle lobulation for both classes; benign lobulation grows with difficulty.
  const lob = malignant ? 0.08 : 0.03 + 0.12 * d;
  for (const k of [2, 3]) terms.push([k, rng.uniform(0, lob), rng.uniform(0, 2 * Math.PI)]);
  if (malignant) {
    const strength = rng.uniform(0.35, 1) * (1 - 0.75 * d * d);
    for (const k of [5, 7, 9]) terms.push([k, strength * rng.uniform(0.04, 0.1), rng.uniform(0, 2 * Math.PI)]);
    const n = 4 + rng.int(6);
    for (let j = 0; j < n; j++) spikes.push([rng.uniform(0, 2 * Math.PI), strength * rng.uniform(0.3, 0.7), rng.uniform(0.12, 0.25)]);
  } else if (rng.next() < 0.5 * d) {
    // Some benign lesions get a few irregular terms too, so the classes overlap.
    for (const k of [5, 7]) terms.push([k, d * rng.uniform(0.02, 0.08), rng.uniform(0, 2 * Math.PI)]);
  }
  const table = new Float32Array(OUTLINE_STEPS + 1);
  for (let s = 0; s <= OUTLINE_STEPS; s++) {
    const theta = (s / OUTLINE_STEPS) * 2 * Math.PI;
    let r = 1;
    for (const [k, a, ph] of terms) r += a * Math.cos(k * theta + ph);
    for (const [at, hgt, w] of spikes) {
      let dt = Math.abs(theta - at) % (2 * Math.PI);
      if (dt > Math.PI) dt = 2 * Math.PI - dt;
      r += hgt * Math.exp(-((dt / w) ** 2));
    }
    table[s] = Math.max(r, 0.3);
  }
  return table;
}

function radiusAt(table: Float32Array, theta: number): number {
  const f = ((theta < 0 ? theta + 2 * Math.PI : theta) / (2 * Math.PI)) * OUTLINE_STEPS;
  const i = Math.min(Math.floor(f), OUTLINE_STEPS - 1);
  const t = f - i;
  return table[i] * (1 - t) + table[i + 1] * t;
}

function renderLesion(rng: Rng, malignant: boolean, S: number, d: number, out: Uint8Array): void {
  const tissue = smoothField(rng, 4, S, 0.08);
  // Roughly horizontal tissue layers, as in breast ultrasound.
  const tilt = rng.uniform(-0.25, 0.25);
  const layers = Array.from({ length: 3 }, () => [rng.uniform(0, 0.07), rng.uniform(1.5, 5), rng.uniform(0, 2 * Math.PI)]);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      for (const [a, f, ph] of layers) tissue[y * S + x] += a * Math.sin((2 * Math.PI * f * (y + tilt * x)) / S + ph);
    }
  }
  // A small dark cyst-like distractor in some images of both classes.
  const cyst = rng.next() < 0.3 ? [S * rng.uniform(0.1, 0.9), S * rng.uniform(0.1, 0.9), rng.uniform(0.8, 1.8)] : null;
  const spk = speckle(rng, S);
  const base = rng.uniform(0.45, 0.65);
  const attenuation = rng.uniform(0, 0.3);
  const cx = S * rng.uniform(0.38, 0.62);
  const cy = S * rng.uniform(0.38, 0.62);
  const r0 = S * rng.uniform(0.13, 0.24);
  const aspect = rng.uniform(0.6, 1);
  const rot = rng.uniform(0, Math.PI);
  const contrast = rng.uniform(0.4, 0.8);
  const table = outline(rng, malignant, d);
  let rMax = 0;
  for (const r of table) rMax = Math.max(rMax, r);
  const reach = rMax * r0 + 4; // beyond this distance the lesion and its rim contribute nothing
  // Echogenic rim: always for malignant-like (weaker with difficulty), sometimes faint for benign-like.
  const rim = malignant ? rng.uniform(0.12, 0.35) * (1 - 0.6 * d * d) : rng.next() < 0.15 + 0.35 * d ? rng.uniform(0, 0.12) : 0;
  const speckleAmount = rng.uniform(0.35, 0.55) + 0.2 * d;
  const cos = Math.cos(rot);
  const sin = Math.sin(rot);

  // 2×2 supersampling of the outline, so thin spicules survive at 28 px.
  const echo = new Float32Array(S * S);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      let inside = 0;
      let halo = 0;
      const far = Math.hypot(x + 0.5 - cx, y + 0.5 - cy) > reach;
      for (const sy of far ? [] : [0.25, 0.75]) {
        for (const sx of [0.25, 0.75]) {
          const dx = x + sx - cx;
          const dy = y + sy - cy;
          const u = dx * cos + dy * sin;
          const v = (-dx * sin + dy * cos) / aspect;
          const rho = Math.hypot(u, v);
          const edge = radiusAt(table, Math.atan2(v, u)) * r0;
          const t = rho - edge; // signed distance in pixels along the ray (negative inside)
          inside += 1 / (1 + Math.exp(t / 0.5));
          halo += Math.exp(-(((t - 0.6) / 0.9) ** 2));
        }
      }
      const i = y * S + x;
      let bg = (base + tissue[i]) * (1 - (attenuation * y) / S);
      if (cyst) bg *= 1 - 0.6 / (1 + Math.exp((Math.hypot(x + 0.5 - cyst[0], y + 0.5 - cyst[1]) - cyst[2]) / 0.5));
      echo[i] = bg * (1 - (contrast * inside) / 4) + (rim * halo) / 4;
    }
  }
  // Speckle, then shift to a random mean brightness shared by both classes.
  let mean = 0;
  for (let i = 0; i < echo.length; i++) {
    echo[i] *= 1 + speckleAmount * (spk[i] - 1);
    mean += echo[i];
  }
  mean /= echo.length;
  const target = rng.uniform(0.3, 0.5);
  for (let i = 0; i < echo.length; i++) out[i] = Math.max(0, Math.min(255, Math.round((echo[i] - mean + target) * 255)));
}

/** Generates the dataset; labels alternate 0, 1, 0, … so every split is balanced. */
export function generateLesionDataset(p: LesionParams): ImageDataset {
  const root = new Rng(p.seed);
  const S = p.size;
  const splits: Partial<Record<SplitName, ImageSplit>> = {};
  const counts: [SplitName, number][] = [
    ['train', p.train],
    ['val', p.val],
    ['test', p.test],
  ];
  for (const [split, count] of counts) {
    if (count === 0) continue;
    const images = new Uint8Array(count * S * S);
    const labels = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      labels[i] = i % 2;
      renderLesion(stream(root, `lesions/${split}/${i}`), labels[i] === 1, S, p.difficulty, images.subarray(i * S * S, (i + 1) * S * S));
    }
    splits[split] = { images, labels, count, height: S, width: S, channels: 1, labelWidth: 1 };
  }
  return {
    name: 'synthetic/lesions',
    task: 'binary',
    numClasses: 2,
    labelNames: [...LESION_LABELS],
    splits,
    fingerprint: stableHash({ generator: 'synthetic/lesions', version: LESION_VERSION, ...p }),
    source: runName('synthetic/lesions', { ...p }),
  };
}
