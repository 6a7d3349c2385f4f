// The data of a config stage (`source`, `target`): its dataset loaded once, a trial's target
// variant (imageSize, data-fraction subset) built once per process, batches built on first use.
import { BatchSource, ImageDataset, SplitName, StageConfig, canonicalJson, getLogger, normalizeComponent } from '@medtransfer/core';
import { type DicomImageDataset, applySubset, createStageSources, describeDicomSummary, loadDataset, requireSplits } from '@medtransfer/data';
import { DATA_SEED, PlannedTrial } from './plan';

const log = getLogger('runner');

export interface Batches {
  train: BatchSource;
  val: BatchSource;
  test?: BatchSource;
}

/** A config stage with its dataset loaded (and subset applied). */
export interface StageData {
  dataset: ImageDataset;
  stage: StageConfig;
  /** Built on first use (a resized split is cached in memory, up to 1 GiB each). */
  readonly batches: Batches;
  /** Drops the batches (rebuilt if used again), so only one target variant holds its images at a time. */
  release(): void;
}

/** What a process keeps of the target stage's data: one variant per resolved trial target, one dataset per imageSize. */
export interface StageDataCache {
  /** Target stages per resolved trial target (canonical JSON). */
  variants: Map<string, StageData>;
  /** The target datasets as loaded (before a subset), per imageSize. */
  loaded: Map<number, ImageDataset>;
}

function loadRaw(stage: StageConfig, path: string): ImageDataset {
  const ds: DicomImageDataset = loadDataset(normalizeComponent(stage.dataset), { path: `${path}.dataset`, seed: DATA_SEED, imageSize: stage.imageSize });
  // what the DICOM files hold (modalities, transfer syntaxes, frames, pixel spacing), once per load
  if (ds.dicom) log.info(`${path} dataset ${ds.name}: ${describeDicomSummary(ds.dicom)}`);
  return ds;
}

/** Loads a stage's dataset (or reuses `raw`, already loaded at this imageSize) and applies its subset; batches come on first use. */
export function loadStageData(stage: StageConfig, path: string, withTest: boolean, raw?: ImageDataset): StageData {
  const loaded = raw ?? loadRaw(stage, path);
  const splits: SplitName[] = withTest ? ['train', 'val', 'test'] : ['train', 'val'];
  requireSplits(loaded, splits, loaded.source);
  // A data-scarcity subset replaces the training split; its fingerprint, hence the trial key, changes with it.
  const dataset = stage.subset ? applySubset(loaded, stage.subset, stage.subset.seed ?? DATA_SEED) : loaded;
  const opts = { imageSize: stage.imageSize, channels: stage.channels, transforms: stage.transforms, path };
  let batches: Batches | undefined;
  return {
    dataset,
    stage,
    get batches(): Batches {
      if (!batches) {
        const sources = createStageSources(dataset, splits, opts);
        batches = { train: sources.train, val: sources.val, test: withTest ? sources.test : undefined };
      }
      return batches;
    },
    release: () => {
      // disk-cached splits (`cache: disk`) hold a prefetch worker each: stop them
      for (const src of Object.values(batches ?? {})) void (src as { close?: () => Promise<void> } | undefined)?.close?.();
      batches = undefined;
    },
  };
}

/**
 * The target stage of one trial (its imageSize and data-fraction subset), built once per
 * process; the dataset file is read once per imageSize (folder/DICOM/CSV sources resize to it).
 * `forTraining` keeps only this variant's batches in memory.
 */
export function targetFor(cache: StageDataCache, trial: PlannedTrial, forTraining = false): StageData {
  const id = canonicalJson(trial.target);
  let v = cache.variants.get(id);
  if (!v) {
    // Subsets are drawn from the whole split, so the dataset as loaded is what gets cached.
    let raw = cache.loaded.get(trial.target.imageSize);
    if (!raw) cache.loaded.set(trial.target.imageSize, (raw = loadRaw(trial.target, 'target')));
    v = loadStageData(trial.target, 'target', true, raw);
    cache.variants.set(id, v);
  }
  if (forTraining) for (const other of cache.variants.values()) if (other !== v) other.release();
  return v;
}
