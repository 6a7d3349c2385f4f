// Data-scarcity subsets of a training split: stratified by class, seeded, and nested — for one
// seed the 10 % subset lies inside the 20 % one, so results across fractions are comparable.
import { ImageDataset, ImageSplit, MedtransferError, Rng, SplitName, SubsetConfig, stableHash } from '@medtransfer/core';
import { isDiskSplit, selectDiskImages } from './disk-split';

/**
 * The stratum of each image: its class index; for multi-label rows (labelWidth > 1) the first
 * positive label, or `labelWidth` for rows with none (a simple, documented approximation).
 */
export function strata(labels: Int32Array, labelWidth: number, count: number): Int32Array {
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    if (labelWidth === 1) {
      out[i] = labels[i];
      continue;
    }
    let s = labelWidth;
    for (let k = 0; k < labelWidth; k++) {
      if (labels[i * labelWidth + k] === 1) {
        s = k;
        break;
      }
    }
    out[i] = s;
  }
  return out;
}

/**
 * Indices (ascending) of the subset. Each stratum is shuffled once with an Rng forked from `seed`
 * and the stratum's id — independent of the requested size — and its first k members are kept:
 * k = round(fraction · n) (at least 1) or min(perClass, n). Larger requests keep supersets.
 */
export function subsetIndices(split: Pick<ImageSplit, 'labels' | 'labelWidth' | 'count'>, spec: SubsetConfig, seed: number): Int32Array {
  const s = strata(split.labels, split.labelWidth, split.count);
  const byStratum = new Map<number, number[]>();
  for (let i = 0; i < split.count; i++) {
    const list = byStratum.get(s[i]);
    if (list) list.push(i);
    else byStratum.set(s[i], [i]);
  }
  const root = new Rng(seed);
  const kept: number[] = [];
  for (const [stratum, members] of [...byStratum.entries()].sort((a, b) => a[0] - b[0])) {
    root.fork(`subset-stratum-${stratum}`).shuffle(members);
    const n = members.length;
    const k = 'fraction' in spec ? Math.min(n, Math.max(1, Math.round(spec.fraction * n))) : Math.min(n, spec.perClass);
    for (let j = 0; j < k; j++) kept.push(members[j]);
  }
  return Int32Array.from(kept.sort((a, b) => a - b));
}

/** A copy of `split` holding only the images at `indices`. */
export function selectImages(split: ImageSplit, indices: Int32Array): ImageSplit {
  const px = split.height * split.width * split.channels;
  const lw = split.labelWidth;
  const images = new Uint8Array(indices.length * px);
  const labels = new Int32Array(indices.length * lw);
  indices.forEach((i, j) => {
    images.set(split.images.subarray(i * px, (i + 1) * px), j * px);
    labels.set(split.labels.subarray(i * lw, (i + 1) * lw), j * lw);
  });
  return { ...split, images, labels, count: indices.length };
}

/** Human-readable name of a subset: `10%` or `50/class`. */
export function describeSubset(spec: SubsetConfig): string {
  return 'fraction' in spec ? `${+(spec.fraction * 100).toPrecision(6)}%` : `${spec.perClass}/class`;
}

/**
 * The dataset with its `split` (default train) replaced by the subset; other splits unchanged.
 * The fingerprint changes with the subset and seed, so trial keys do too.
 */
export function applySubset(ds: ImageDataset, spec: SubsetConfig, seed: number, split: SplitName = 'train'): ImageDataset {
  const s = ds.splits[split];
  if (!s) throw new MedtransferError(`${ds.source}: a subset of the "${split}" split was asked for, but ${ds.name} has no ${split} split`);
  const indices = subsetIndices(s, spec, seed);
  const chosen = { ...spec, seed };
  return {
    ...ds,
    splits: { ...ds.splits, [split]: isDiskSplit(s) ? selectDiskImages(s, indices) : selectImages(s, indices) },
    fingerprint: stableHash({ dataset: ds.fingerprint, subset: chosen, split }, 16),
    source: `${ds.source} (${split} subset ${describeSubset(spec)}, seed ${seed}: ${indices.length} of ${s.count})`,
  };
}
