// Batch sources for the splits of one stage: the same transforms on every split, normalisation
// statistics from the training split, augmentation on training batches only. Splits kept in the
// disk cache (`cache: disk`) are read by offset, with the same order and pixels.
import { ConfigError, ImageDataset, SplitName, TransformsConfig } from '@medtransfer/core';
import { ImageBatchSource, createBatchSource } from './batches';
import { diskChannelStats, diskSplitSource, isDiskSplit } from './disk-split';
import { requireSplits } from './medmnist';
import { resolveNormalization } from './transforms';

export interface StageSourceOptions {
  imageSize: number;
  channels: 1 | 3;
  transforms?: TransformsConfig;
  /** Where the stage sits in the experiment file (`target`), prefixed to transform errors. */
  path?: string;
}

/** One ImageBatchSource per split in `splits` (which must exist); `train` is augmented when transforms ask for it. Disk splits' sources have `close()` (stops the prefetch worker). */
export function createStageSources<S extends SplitName>(ds: ImageDataset, splits: readonly S[], opts: StageSourceOptions): Record<S, ImageBatchSource> {
  const present = requireSplits(ds, splits, ds.source);
  const { imageSize, channels, transforms } = opts;
  const out = {} as Record<S, ImageBatchSource>;
  try {
    const statsFrom = ds.splits.train ?? present[splits[0]];
    // `normalize: dataset` on a disk split: the statistics are streamed from the cache
    const normalization = !transforms
      ? undefined
      : isDiskSplit(statsFrom)
        ? transforms.normalize === 'dataset'
          ? diskChannelStats(statsFrom, channels)
          : resolveNormalization(transforms, channels)
        : resolveNormalization(transforms, channels, statsFrom);
    for (const split of splits) {
      const s = present[split];
      const o = { imageSize, channels, transforms, normalization, augment: split === 'train' };
      out[split] = isDiskSplit(s) ? diskSplitSource(s, o) : createBatchSource(ds, split, o);
    }
  } catch (err) {
    if (err instanceof ConfigError && opts.path && err.path.startsWith('transforms')) throw new ConfigError(`${opts.path}.${err.path}`, err.detail);
    throw err;
  }
  return out;
}
