// Shared by the folder, DICOM and CSV datasets: decode a list of labelled image files once, bring
// them to one size and channel count, and assemble uint8 NHWC splits with a content fingerprint.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DataFormatError, type ImageDataset, type ImageSplit, type SplitName, type TaskType } from '@medtransfer/core';
import { decodeImage, fitImage, type DecodeOptions, type DecodedImage } from './image-decode';

export interface LabelledFile {
  /** Absolute path. */
  file: string;
  /** Name used in the fingerprint (path relative to the dataset root, so moving the folder keeps it). */
  key: string;
  /** `labelWidth` entries: a class index, or 0/1/-1 per label. */
  labels: ArrayLike<number>;
  split: SplitName;
  /** The 0-based frame of a multi-frame DICOM file this item is (`frames: all`); absent → the decode options choose. */
  frame?: number;
}

export interface ImageSetOptions extends DecodeOptions {
  name: string;
  source: string;
  task: TaskType;
  numClasses: number;
  labelNames: string[];
  labelWidth: number;
  /** Output size (square); absent → the images' own size, which must then be the same for all. */
  size?: number;
  /** Output channels; `auto` → 3 when any image is colour, else 1. */
  channels: 1 | 3 | 'auto';
  /** Where the size came from, for the error when images differ (e.g. `target.dataset.params.size`). */
  sizeField: string;
  /** Decode parameters and anything else that changes the pixels, folded into the fingerprint. */
  fingerprintExtra: unknown;
}

interface Fitted {
  data: Uint8Array;
  channels: 1 | 3;
}

/** Decodes every file (each read once), resizes to the common size, and builds the dataset. */
export function buildImageSet(items: readonly LabelledFile[], opts: ImageSetOptions): ImageDataset {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ v: 1, extra: opts.fingerprintExtra, size: opts.size ?? null, channels: opts.channels, task: opts.task, labels: opts.labelNames }));
  let height = opts.size ?? 0;
  let width = opts.size ?? 0;
  let firstFile = '';
  const fitted: Fitted[] = [];
  let anyColour = false;
  // the frames of a multi-frame file are consecutive items: read and hash the file once for them
  let last: { file: string; bytes: Buffer; digest: Buffer } | undefined;
  for (const item of items) {
    if (last?.file !== item.file) {
      const bytes = readFileSync(item.file);
      last = { file: item.file, bytes, digest: createHash('sha256').update(bytes).digest() };
    }
    const bytes = last.bytes;
    hash.update(`${item.key}\0${item.split}\0${Array.from(item.labels).join(',')}\0`);
    hash.update(last.digest);
    const img: DecodedImage = decodeImage(bytes, item.file, item.frame === undefined ? opts : { ...opts, frame: item.frame });
    if (!height) {
      height = img.height;
      width = img.width;
      firstFile = item.file;
    } else if (opts.size === undefined && (img.height !== height || img.width !== width)) {
      throw new DataFormatError(
        item.file,
        `is ${img.width}×${img.height} px but ${firstFile} is ${width}×${height}; images of differing sizes need a common size: set ${opts.sizeField} (e.g. the stage's imageSize)`,
      );
    }
    anyColour ||= img.channels === 3;
    // keep each image at its own channel count until the dataset's is known (auto)
    const ch = opts.channels === 'auto' ? img.channels : opts.channels;
    const data = new Uint8Array(height * width * ch);
    fitImage(img, height, width, ch, data, 0);
    fitted.push({ data, channels: ch });
  }
  const channels: 1 | 3 = opts.channels === 'auto' ? (anyColour ? 3 : 1) : opts.channels;
  const splits: Partial<Record<SplitName, ImageSplit>> = {};
  for (const name of ['train', 'val', 'test'] as SplitName[]) {
    const idx = items.map((it, i) => (it.split === name ? i : -1)).filter((i) => i >= 0);
    if (idx.length === 0) continue;
    const per = height * width * channels;
    const images = new Uint8Array(idx.length * per);
    const labels = new Int32Array(idx.length * opts.labelWidth);
    idx.forEach((i, j) => {
      const f = fitted[i];
      if (f.channels === channels) images.set(f.data, j * per);
      else for (let p = 0; p < height * width; p++) images[j * per + 3 * p] = images[j * per + 3 * p + 1] = images[j * per + 3 * p + 2] = f.data[p];
      for (let k = 0; k < opts.labelWidth; k++) labels[j * opts.labelWidth + k] = items[i].labels[k];
    });
    splits[name] = { images, labels, count: idx.length, height, width, channels, labelWidth: opts.labelWidth };
  }
  return {
    name: opts.name,
    task: opts.task,
    numClasses: opts.numClasses,
    labelNames: opts.labelNames,
    splits,
    fingerprint: hash.digest('hex').slice(0, 16),
    source: opts.source,
  };
}
