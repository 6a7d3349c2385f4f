// CIFAR-10 in its original binary format (cifar-10-batches-bin): data_batch_1..5.bin and
// test_batch.bin, each record 1 label byte + 3072 pixel bytes (1024 R, 1024 G, 1024 B, row-major).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DataFormatError, ImageDataset, ImageSplit, MedtransferError } from '@medtransfer/core';

export const CIFAR10_LABELS = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const CIFAR10_TEST_FILE = 'test_batch.bin';
const SIDE = 32;
const PIXELS = SIDE * SIDE;
export const CIFAR10_RECORD = 1 + 3 * PIXELS;
/** Bumped when the conversion changes, so fingerprints (and trial keys) change with it. */
export const CIFAR10_VERSION = 1;

export interface Cifar10Options {
  /** Fraction of the training records held out as the validation split: the last ones, in file order (default 0.1 = 5,000). */
  valFraction?: number;
}

/** Decodes one batch file into HWC uint8 images and labels; bad sizes and labels name the file and record. */
export function readCifarBatch(file: string, bytes: Uint8Array = readFileSync(file)): { images: Uint8Array; labels: Int32Array; count: number } {
  if (bytes.length === 0 || bytes.length % CIFAR10_RECORD !== 0) {
    throw new DataFormatError(
      file,
      `is ${bytes.length} bytes, not a whole number of ${CIFAR10_RECORD}-byte records (1 label byte + 3072 pixel bytes); ` +
        `an official batch is ${10000 * CIFAR10_RECORD} bytes. Is this a file of the binary version (cifar-10-binary.tar.gz), not the Python or MATLAB one, and was it copied completely?`,
    );
  }
  const count = bytes.length / CIFAR10_RECORD;
  const images = new Uint8Array(count * 3 * PIXELS);
  const labels = new Int32Array(count);
  for (let r = 0; r < count; r++) {
    const base = r * CIFAR10_RECORD;
    const label = bytes[base];
    if (label > 9) throw new DataFormatError(file, `record ${r} (byte ${base}) has label ${label}; CIFAR-10 labels are 0..9`);
    labels[r] = label;
    const out = r * 3 * PIXELS;
    for (let p = 0; p < PIXELS; p++) {
      images[out + 3 * p] = bytes[base + 1 + p];
      images[out + 3 * p + 1] = bytes[base + 1 + PIXELS + p];
      images[out + 3 * p + 2] = bytes[base + 1 + 2 * PIXELS + p];
    }
  }
  return { images, labels, count };
}

function split(images: Uint8Array, labels: Int32Array, from: number, to: number): ImageSplit {
  return {
    images: images.subarray(from * 3 * PIXELS, to * 3 * PIXELS),
    labels: labels.subarray(from, to),
    count: to - from,
    height: SIDE,
    width: SIDE,
    channels: 3,
    labelWidth: 1,
  };
}

/** Loads a cifar-10-batches-bin folder (or its parent). Splits: train, val (held out from train), test. */
export function loadCifar10(folder: string, opts: Cifar10Options = {}): ImageDataset {
  const valFraction = opts.valFraction ?? 0.1;
  if (!(valFraction >= 0 && valFraction < 1)) throw new MedtransferError(`valFraction must be in [0, 1), received ${valFraction}`);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new DataFormatError(folder, 'is not a folder; point path at the cifar-10-batches-bin folder extracted from cifar-10-binary.tar.gz');
  }
  const nested = join(folder, 'cifar-10-batches-bin');
  const dir = !existsSync(join(folder, CIFAR10_TRAIN_FILES[0])) && existsSync(nested) ? nested : folder;
  const names = [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE];
  const missing = names.filter((n) => !existsSync(join(dir, n)));
  if (missing.length) {
    throw new DataFormatError(dir, `lacks ${missing.join(', ')}; a CIFAR-10 binary folder holds ${names.join(', ')} (from cifar-10-binary.tar.gz)`);
  }
  const hash = createHash('sha256').update(`cifar10 v${CIFAR10_VERSION} valFraction=${valFraction}`);
  const parts = names.map((n) => {
    const file = join(dir, n);
    const bytes = readFileSync(file);
    hash.update(bytes);
    return readCifarBatch(file, bytes);
  });
  const trainParts = parts.slice(0, CIFAR10_TRAIN_FILES.length);
  const total = trainParts.reduce((a, p) => a + p.count, 0);
  const images = new Uint8Array(total * 3 * PIXELS);
  const labels = new Int32Array(total);
  let at = 0;
  for (const p of trainParts) {
    images.set(p.images, at * 3 * PIXELS);
    labels.set(p.labels, at);
    at += p.count;
  }
  const valCount = Math.round(total * valFraction);
  const test = parts[parts.length - 1];
  const splits: ImageDataset['splits'] = { train: split(images, labels, 0, total - valCount) };
  if (valCount > 0) splits.val = split(images, labels, total - valCount, total);
  splits.test = split(test.images, test.labels, 0, test.count);
  return {
    name: 'cifar10',
    task: 'multi-class',
    numClasses: 10,
    labelNames: [...CIFAR10_LABELS],
    splits,
    fingerprint: hash.digest('hex').slice(0, 16),
    source: dir,
  };
}
