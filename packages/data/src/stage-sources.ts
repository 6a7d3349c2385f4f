// Batch sources for the splits of one stage: the same transforms on every split, normalisation
// statistics from the training split, augmentation on training batches only.
import { ConfigError, ImageDataset, SplitName, TransformsConfig } from '@medtransfer/core';
import { ImageBatchSource, createBatchSource } from './batches';
import { requireSplits } from './medmnist';
import { resolveNormalization } from './transforms';

export interface StageSourceOptions {
  imageSize: number;
  channels: 1 | 3;
  transforms?: TransformsConfig;
  /** Where the stage sits in the experiment file (`target`), prefixed to transform errors. */
  path?: string;
}

/** One ImageBatchSource per split in `splits` (which must exist); `train` is augmented when transforms ask for it. */
export function createStageSources<S extends SplitName>(ds: ImageDataset, splits: readonly S[], opts: StageSourceOptions): Record<S, ImageBatchSource> {
  const present = requireSplits(ds, splits, ds.source);
  const { imageSize, channels, transforms } = opts;
  const out = {} as Record<S, ImageBatchSource>;
  try {
    const normalization = transforms ? resolveNormalization(transforms, channels, ds.splits.train ?? present[splits[0]]) : undefined;
    for (const split of splits) {
      out[split] = createBatchSource(ds, split, { imageSize, channels, transforms, normalization, augment: split === 'train' });
    }
  } catch (err) {
    if (err instanceof ConfigError && opts.path && err.path.startsWith('transforms')) throw new ConfigError(`${opts.path}.${err.path}`, err.detail);
    throw err;
  }
  return out;
}
