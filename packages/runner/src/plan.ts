// Expands an experiment into trials (the sweep's axes, see sweep.ts) with stable names and keys,
// and checks every registry name (backbones, datasets, inits, optimisers, schedules), their params
// and input sizes with their config paths before anything runs.
import {
  ComponentRef,
  ConfigError,
  ConfigIssuesError,
  ExperimentConfig,
  StageConfig,
  normalizeComponent,
  STORE_VERSION,
  experimentJsonSchema,
  runName,
  stableHash,
} from '@medtransfer/core';
import { datasetLocationParams, datasets } from '@medtransfer/data';
import { checkOptimizer, optimizerForms, scheduleForms } from '@medtransfer/engine';
import {
  InitStrategy,
  WEIGHTS_PARAM,
  WeightSourceSpec,
  backbones,
  checkWeightSource,
  initForms,
  minInputSize,
  needsPretrained,
  splitBackboneWeights,
  strategyId,
} from '@medtransfer/zoo';
import { SweepPoint, backboneId, expandSweep } from './sweep';
import { weightsCacheDir } from './weights-cache';

export { backboneId } from './sweep';

// The project version is part of every key (with core's STORE_VERSION): a new release reruns rather than mixing results.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const PROJECT_VERSION: string = require('../package.json').version;

/**
 * Seed of generated datasets (a dataset's `params.seed` overrides it): fixed, so every trial
 * seed sees the same data and the seeds vary only weight initialisation and data order.
 */
export const DATA_SEED = 0;

/** Source pretraining uses one fixed seed, so every target seed starts from the same checkpoint. */
export const SOURCE_SEED = 0;

export interface PlannedTrial {
  /**
   * benchopt-style run name: `target[backbone=cbr-small,init=scratch,seed=1]`; swept
   * `imageSize` and `dataFraction` join it (`target[backbone=…,dataFraction=0.1,imageSize=64,…]`).
   */
  name: string;
  /** Folder name under results/<experiment>/. */
  dir: string;
  backbone: ComponentRef;
  /** The architecture: `backbone` without `params.weights` (what createModel builds). */
  model: ComponentRef;
  /** External pretrained weights (`params.weights`), used instead of the source stage. */
  weights?: WeightSourceSpec;
  /** Where the backbone sits in the file, for errors (`sweep.backbone[1]`). */
  backbonePath: string;
  /** Strategy identifier: `scratch`, `pretrained`, `transfusion-2`, `mean-var-nobn`, … */
  init: string;
  strategy: InitStrategy;
  /** Where the init sits in the file, for errors (`sweep.init[2]`). */
  initPath: string;
  seed: number;
  /** The target's image size for this trial (`sweep.imageSize`, a tied row, or `target.imageSize`). */
  imageSize: number;
  /** The fraction of the target training split (`sweep.dataFraction`, or `target.subset.fraction`); absent = all. */
  dataFraction?: number;
  /** The resolved target stage of this trial: its imageSize and subset filled in. */
  target: StageConfig;
}

/** A combination the sweep lists but `sweep.skip` removes. */
export interface SkippedTrial {
  name: string;
  reason: string;
  /** The skip entry that removed it (`sweep.skip[0]`). */
  path: string;
}

/**
 * The experiment file's JSON Schema for editors (`medtransfer schema`, committed as
 * experiments/experiment.schema.json): core's schema with the registries' init, optimiser and
 * schedule forms in place of the general ones.
 */
export function editorJsonSchema(): unknown {
  return experimentJsonSchema({ init: initForms(), optimizer: optimizerForms(), schedule: scheduleForms() });
}

/**
 * `config` with each stage's `training.optimizer` checked by the engine's registries (optimiser
 * and schedule: names, fields, defaults filled in); problems go to `issues`. The checked configs
 * are what trial keys hash: for the optimisers and schedules that existed before the registries
 * they equal what the experiment schema filled in then, so keys do not change.
 */
function withCheckedOptimizers(config: ExperimentConfig, issues: ConfigError[], file: string): ExperimentConfig {
  const checked = (stage: StageConfig, key: 'source' | 'target'): StageConfig => {
    const c = checkOptimizer(stage.training.optimizer, `${key}.training.optimizer`);
    if (!c.ok) {
      issues.push(...c.issues.map((e) => new ConfigError(e.path, e.detail, file)));
      return stage;
    }
    return { ...stage, training: { ...stage.training, optimizer: c.value } };
  };
  return { ...config, ...(config.source ? { source: checked(config.source, 'source') } : {}), target: checked(config.target, 'target') };
}

export interface Plan {
  config: ExperimentConfig;
  file: string;
  /**
   * Backbones that need a source checkpoint (those with a pretrained trial and no
   * `params.weights`), in sweep order.
   */
  sourceBackbones: ComponentRef[];
  trials: PlannedTrial[];
  skipped: SkippedTrial[];
}

export function planExperiment(parsed: ExperimentConfig, file: string): Plan {
  const issues: ConfigError[] = [];
  const config = withCheckedOptimizers(parsed, issues, file);
  const check = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      if (err instanceof ConfigError) issues.push(new ConfigError(err.path, err.detail, file));
      else throw err;
    }
  };
  const sweep = expandSweep(config, file);
  if (sweep.issues.length) throw new ConfigIssuesError(file, [...issues, ...sweep.issues]);
  const { points } = sweep;
  const pretrainedOf = (b: number) => points.filter((p) => p.backbone === sweep.backbones[b] && needsPretrained(p.init.strategy));
  // `params.weights` is not an architecture param: split it off before the backbone sees its params.
  const split = sweep.backbones.map((entry, i) => {
    // Should `params.weights` be refused, the architecture is still checked without it (one error, not two).
    const { [WEIGHTS_PARAM]: _weights, ...architecture } = entry.value.params ?? {};
    let parts: { model: ComponentRef; weights?: WeightSourceSpec } = { model: _weights === undefined ? entry.value : { name: entry.value.name, params: architecture } };
    check(() => (parts = splitBackboneWeights(entry.value, entry.path, { weightsDir: weightsCacheDir() })));
    const weights = parts.weights;
    // A missing weight file is reported now, before anything trains; it is read (and fingerprinted) when the run starts.
    // A Keras Applications file is looked for in its cache by checkPlanInputs, which names the command that fetches it.
    if (weights && !weights.kerasApplications && pretrainedOf(i).length) check(() => checkWeightSource(weights, entry.path));
    return parts;
  });
  // Backbones whose pretrained trials take their weights from the source stage (no params.weights).
  const sourceIdx = sweep.backbones.map((_, i) => i).filter((i) => !split[i].weights && !(WEIGHTS_PARAM in (sweep.backbones[i].value.params ?? {})) && pretrainedOf(i).length > 0);
  sweep.backbones.forEach((entry, i) => {
    const ref = entry.value;
    check(() => backbones.get(ref.name, `${entry.path}${entry.mapping ? '.name' : ''}`));
    if (!backbones.has(ref.name)) return;
    // Refuse sizes a backbone cannot take (e.g. Inception-v3 below 75 px) before anything trains, unless skipped.
    let min = 0;
    check(() => (min = minInputSize(split[i].model, entry.path)));
    if (sourceIdx.includes(i) && config.source && config.source.imageSize < min) issues.push(tooSmall(ref.name, min, 'source.imageSize', config.source.imageSize, false, file));
    const sizes = new Map<string, number>();
    for (const p of points) if (p.backbone === entry && p.imageSize.value < min) sizes.set(p.imageSize.path, p.imageSize.value);
    for (const [path, size] of sizes) issues.push(tooSmall(ref.name, min, path, size, path !== 'target.imageSize' || sweep.backbones.length > 1, file));
  });
  const stages: Array<[string, StageConfig | undefined]> = [
    ['source', config.source],
    ['target', config.target],
  ];
  for (const [key, stage] of stages) {
    if (!stage) continue;
    const ref = normalizeComponent(stage.dataset);
    const path = `${key}.dataset${typeof stage.dataset === 'string' ? '' : '.name'}`;
    check(() => datasets.get(ref.name, path));
  }
  const needsSource = points.find((p) => needsPretrained(p.init.strategy) && sourceIdx.includes(sweep.backbones.indexOf(p.backbone)));
  if (needsSource && !config.source) {
    const id = strategyId(needsSource.init.strategy);
    issues.push(
      new ConfigError(
        needsSource.init.path,
        `init "${id}" needs a "source" stage to pretrain on, or pretrained weights for ${needsSource.backbone.path} (params.weights: {kind, path}; see docs/backbones.md); add one or remove "${id}"`,
        file,
      ),
    );
  }
  if (needsSource && config.source && config.source.channels !== config.target.channels) {
    issues.push(
      new ConfigError(
        'target.channels',
        `source.channels is ${config.source.channels} but target.channels is ${config.target.channels}; pretrained weights need the same input channels — set both to the same value`,
        file,
      ),
    );
  }
  if (issues.length) throw new ConfigIssuesError(file, issues);

  const trial = (p: SweepPoint): PlannedTrial => {
    const b = sweep.backbones.indexOf(p.backbone);
    // The id hashes every param, `weights` included, so two weight files give two trial names.
    const id = backboneId(p.backbone.value);
    const init = strategyId(p.init.strategy);
    const axes: Record<string, string | number> = { backbone: id, init, seed: p.seed };
    if (sweep.named.has('imageSize')) axes.imageSize = p.imageSize.value;
    if (sweep.named.has('dataFraction')) axes.dataFraction = p.dataFraction?.value ?? 1;
    const fraction = p.dataFraction?.value;
    // A fraction of 1 is the whole split: no subset, so its key is that of the same trial without the axis.
    const subset = fraction !== undefined && fraction < 1 ? { fraction } : config.target.subset;
    const dataFraction = fraction ?? (subset && 'fraction' in subset ? subset.fraction : undefined);
    return {
      name: runName('target', axes),
      dir: [id, axes.imageSize !== undefined ? `${axes.imageSize}px` : '', init, axes.dataFraction !== undefined ? `frac${axes.dataFraction}` : '', `seed${p.seed}`].filter(Boolean).join('_'),
      backbone: p.backbone.value,
      model: split[b].model,
      weights: split[b].weights,
      backbonePath: p.backbone.path,
      init,
      strategy: p.init.strategy,
      initPath: p.init.path,
      seed: p.seed,
      imageSize: p.imageSize.value,
      ...(dataFraction === undefined ? {} : { dataFraction }),
      target: { ...config.target, imageSize: p.imageSize.value, subset },
    };
  };
  const trials = points.map(trial);
  const skipped = sweep.skipped.map((s) => ({ name: trial(s.point).name, reason: s.reason, path: s.path }));
  return { config, file, sourceBackbones: sourceIdx.map((i) => sweep.backbones[i].value), trials, skipped };
}

function tooSmall(backbone: string, min: number, path: string, size: number, swept: boolean, file: string): ConfigError {
  const skip = swept ? `; or skip the combination: sweep.skip: [{backbone: ${backbone}, imageSize: ${size}, reason: "needs ≥ ${min} px"}]` : '';
  return new ConfigError(
    path,
    `${backbone} needs inputs of at least ${min}×${min} px, but ${path} is ${size}; raise imageSize to ≥ ${min} or choose another backbone (e.g. a "small" stem where the backbone offers one)${skip}`,
    file,
  );
}

/**
 * The components of a key, each hashed (or written out) on its own: the key is the hash of them
 * all, and a stored record keeps them, so `status` can say which one changed. Nothing in them
 * depends on where the store or the data lie: a store copied to another path or machine keeps
 * its keys.
 */
export type KeyParts = Record<string, string>;

/** The key of a set of key parts. */
export const keyOf = (parts: KeyParts): string => stableHash(parts);

/** What each key part stands for, for messages. */
export const KEY_PART_MEANING: Record<string, string> = {
  store: 'the store layout version',
  release: 'the medtransfer release',
  stage: 'the stage: dataset params, image size, channels, subset, transforms, training',
  target: 'the target stage: dataset params, image size, channels, subset, transforms, training',
  backbone: 'the backbone and its params',
  init: 'the init strategy',
  seed: 'the seed',
  data: 'the data (its content fingerprint)',
  source: 'the pretrained weights: the source stage key, or the weight file content',
};

/** Key parts of a source checkpoint: everything that decides the pretrained weights. */
export function sourceKeyParts(stage: StageConfig, backbone: ComponentRef, datasetFingerprint: string): KeyParts {
  return {
    store: String(STORE_VERSION),
    release: PROJECT_VERSION,
    stage: stableHash(keyedStage(stage)),
    backbone: stableHash(backbone),
    seed: String(SOURCE_SEED),
    data: datasetFingerprint,
  };
}

/** Key of a source checkpoint. */
export function sourceKey(stage: StageConfig, backbone: ComponentRef, datasetFingerprint: string): string {
  return keyOf(sourceKeyParts(stage, backbone, datasetFingerprint));
}

/**
 * A stage as keys see it: without the fields that cannot change a result — `training.checkpointEvery`
 * (a resumed run continues exactly) and the dataset params that only say where the data is
 * (`path`, `cacheDir`, …; the data's content fingerprint is a key part of its own) — so setting
 * them, or moving the data, reruns nothing.
 */
export function keyedStage(stage: StageConfig): StageConfig {
  const { checkpointEvery: _ignored, ...training } = stage.training;
  const ref = normalizeComponent(stage.dataset);
  const location = new Set(datasetLocationParams(ref.name));
  const params = Object.fromEntries(Object.entries(ref.params).filter(([k]) => !location.has(k)));
  return { ...stage, dataset: { name: ref.name, params }, training: training as StageConfig['training'] };
}

/**
 * Key parts of a trial: the trial's resolved target stage (its imageSize and subset filled in; see
 * keyedStage), the trial's axes, the data (the subset's fingerprint), and, for inits that use
 * pretrained weights, where they come from: `source <source key>` for the source stage, or
 * `weights <kind> sha256:…` (the content fingerprint) for `params.weights` — never a path.
 */
export function trialKeyParts(trial: PlannedTrial, datasetFingerprint: string, source: string | undefined): KeyParts {
  return {
    store: String(STORE_VERSION),
    release: PROJECT_VERSION,
    target: stableHash(keyedStage(trial.target)),
    backbone: stableHash(trial.weights ? trial.model : trial.backbone),
    init: stableHash(trial.strategy),
    seed: String(trial.seed),
    data: datasetFingerprint,
    source: needsPretrained(trial.strategy) ? (source ?? 'none') : 'none',
  };
}

/** Key of a trial (see trialKeyParts). */
export function trialKey(trial: PlannedTrial, datasetFingerprint: string, source: string | undefined): string {
  return keyOf(trialKeyParts(trial, datasetFingerprint, source));
}

/** The key parts that differ between a stored record and the current plan, described (`seed (the seed)`). */
export function changedKeyParts(stored: KeyParts | undefined, current: KeyParts): string[] {
  if (!stored) return [];
  const names = [...new Set([...Object.keys(current), ...Object.keys(stored)])];
  return names.filter((n) => stored[n] !== current[n]).map((n) => (KEY_PART_MEANING[n] ? `${n} (${KEY_PART_MEANING[n]})` : n));
}
