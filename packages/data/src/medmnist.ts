// MedMNIST loader: an official `.npz` (or a subset with the same keys) → ImageDataset, with
// checks that name the file and key when counts, dtypes, shapes or label values are off.
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import {
  DataFormatError,
  ImageDataset,
  ImageSplit,
  MedtransferError,
  SplitName,
  getLogger,
  unknownNameMessage,
} from '@medtransfer/core';
import { MEDMNIST_FLAGS, MedmnistInfo, medmnistInfo } from './medmnist-info';
import { NpyArray } from './npy';
import { parseNpz, readFileBytes } from './npz';

export const SPLIT_NAMES: readonly SplitName[] = ['train', 'val', 'test'];

const INTEGER_DTYPES = new Set(['bool', 'uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'uint64', 'int64']);

const log = getLogger('data');

/** Short hex SHA-256 of a file's bytes: the dataset fingerprint. */
export function sha256Hex(bytes: Uint8Array, length = 16): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, length);
}

/** Reads a MedMNIST `.npz` for dataset `flag` (e.g. `breastmnist`). Splits absent from the file are absent from `splits`. */
export function loadMedmnist(file: string, flag: string): ImageDataset {
  const info = medmnistInfo(flag);
  if (!info) throw new MedtransferError(unknownNameMessage('MedMNIST flag', flag, MEDMNIST_FLAGS));
  const bytes = readFileBytes(file);
  const arrays = parseNpz(bytes, file);
  if (!basename(file).toLowerCase().startsWith(flag)) {
    log.warn(`${file}: loading as ${flag}, but the file name does not start with "${flag}"; is it the right file?`);
  }

  const splits: Partial<Record<SplitName, ImageSplit>> = {};
  for (const split of SPLIT_NAMES) {
    const imagesKey = `${split}_images`;
    const labelsKey = `${split}_labels`;
    const images = arrays.get(imagesKey);
    const labels = arrays.get(labelsKey);
    if (!images && !labels) continue;
    if (!images || !labels) {
      const [has, lacks] = images ? [imagesKey, labelsKey] : [labelsKey, imagesKey];
      throw new DataFormatError(file, `has ${has} but not ${lacks}; a split needs both`);
    }
    splits[split] = toSplit(file, info, split, images, labels);
  }

  const present = Object.values(splits);
  if (present.length === 0) {
    const keys = [...arrays.keys()];
    throw new DataFormatError(
      file,
      `holds none of the MedMNIST keys ${SPLIT_NAMES.map((s) => `${s}_images/${s}_labels`).join(', ')} ` +
        `(it has ${keys.length ? keys.join(', ') : 'no .npy members'})`,
    );
  }
  const first = present[0];
  for (const [split, s] of Object.entries(splits)) {
    if (s.height !== first.height || s.width !== first.width || s.channels !== first.channels) {
      throw new DataFormatError(
        file,
        `${split}_images are ${s.height}×${s.width}×${s.channels} but other splits are ${first.height}×${first.width}×${first.channels}; all splits must share one image size`,
      );
    }
  }

  return {
    name: `medmnist/${flag}`,
    task: info.task,
    numClasses: info.labels.length,
    labelNames: [...info.labels],
    splits,
    fingerprint: sha256Hex(bytes),
    source: file,
  };
}

function toSplit(file: string, info: MedmnistInfo, split: SplitName, images: NpyArray, labels: NpyArray): ImageSplit {
  const imagesKey = `${split}_images`;
  const labelsKey = `${split}_labels`;
  const fail = (detail: string): never => {
    throw new DataFormatError(file, detail);
  };

  if (images.dtype !== 'uint8') {
    fail(`${imagesKey} has dtype ${images.dtype}; MedMNIST images must be uint8 (0–255). Convert with images.astype(np.uint8)`);
  }
  const shape = images.shape;
  const rgbWord = (c: number) => (c === 3 ? 'RGB (3 channels)' : 'grayscale (1 channel)');
  let channels: number;
  if (shape.length === 3) channels = 1;
  else if (shape.length === 4 && (shape[3] === 1 || shape[3] === 3)) channels = shape[3];
  else {
    return fail(`${imagesKey} has shape (${shape.join(', ')}); expected N×H×W (grayscale) or N×H×W×3 (RGB)`);
  }
  if (channels !== info.channels) {
    fail(`${imagesKey} is ${rgbWord(channels)} but ${info.title} is ${rgbWord(info.channels)}; is this the ${info.flag} file?`);
  }
  const [count, height, width] = shape;

  if (!INTEGER_DTYPES.has(labels.dtype)) {
    fail(`${labelsKey} has dtype ${labels.dtype}; labels must be integers (class indices or 0/1 per label)`);
  }
  const ls = labels.shape;
  if (ls.length < 1 || ls.length > 2) fail(`${labelsKey} has shape (${ls.join(', ')}); expected (N,), (N, 1) or (N, L)`);
  const labelWidth = ls.length === 2 ? ls[1] : 1;
  if (ls[0] !== count) fail(`${labelsKey} has ${ls[0]} entries but ${imagesKey} has ${count} images; they must match`);
  const multiLabel = info.task === 'multi-label';
  const expectedWidth = multiLabel ? info.labels.length : 1;
  if (labelWidth !== expectedWidth) {
    fail(
      `${labelsKey} has ${labelWidth} column(s) per image but ${info.title} (${info.task}) needs ${expectedWidth}` +
        (multiLabel ? ' (one 0/1 entry per label)' : ' (one class index)'),
    );
  }

  const out = new Int32Array(count * labelWidth);
  // Multi-label entries are 0/1 (-1 is accepted as "unknown", see ImageSplit); others are class indices.
  const [lo, hi] = multiLabel ? [-1, 1] : [0, info.labels.length - 1];
  const src = labels.data;
  for (let i = 0; i < out.length; i++) {
    const v = Number(src[i]);
    if (!(v >= lo && v <= hi)) {
      const where = labelWidth === 1 ? `entry ${i}` : `entry [${Math.floor(i / labelWidth)}, ${i % labelWidth}]`;
      fail(`${labelsKey} ${where} is ${v}; ${info.title} (${info.task}) labels must be in ${lo}..${hi}`);
    }
    out[i] = v;
  }
  return { images: images.data as Uint8Array, labels: out, count, height, width, channels, labelWidth };
}

const SPLIT_PURPOSE = (splits: readonly SplitName[]) => (splits.includes('train') ? 'training' : 'evaluation');

/**
 * Returns the named splits, or throws naming the keys the file lacks, e.g. `…_subset.npz: training
 * needs train_images, train_labels, val_images, val_labels, which this file lacks (it has test_images, test_labels)`.
 */
export function requireSplits<S extends SplitName>(
  ds: ImageDataset,
  splits: readonly S[],
  file: string = ds.source,
  purpose: string = SPLIT_PURPOSE(splits),
): Record<S, ImageSplit> {
  const keysOf = (ss: readonly SplitName[]) => ss.flatMap((s) => [`${s}_images`, `${s}_labels`]);
  const missing = splits.filter((s) => !ds.splits[s]);
  if (missing.length) {
    const has = SPLIT_NAMES.filter((s) => ds.splits[s]);
    throw new DataFormatError(
      file,
      `${purpose} needs ${keysOf(missing).join(', ')}, which this file lacks (it has ${has.length ? keysOf(has).join(', ') : 'no splits'})`,
    );
  }
  return Object.fromEntries(splits.map((s) => [s, ds.splits[s] as ImageSplit])) as Record<S, ImageSplit>;
}
