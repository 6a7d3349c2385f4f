// Expands an experiment into trials (backbone × init × seed) with stable names, and checks
// every registry name with its config path before anything runs.
import {
  ComponentRef,
  InitConfig,
  ConfigError,
  ConfigIssuesError,
  ExperimentConfig,
  StageConfig,
  canonicalJson,
  normalizeComponent,
  runName,
  stableHash,
} from '@medtransfer/core';
import { datasets } from '@medtransfer/data';
import { InitStrategy, backbones, minInputSize, needsPretrained, strategyId } from '@medtransfer/zoo';

// The project version is part of every key: a new release reruns rather than mixing results.
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
  /** benchopt-style run name: `target[backbone=cbr-small,init=scratch,seed=1]`. */
  name: string;
  /** Folder name under results/<experiment>/. */
  dir: string;
  backbone: ComponentRef;
  /** Strategy identifier: `scratch`, `pretrained`, `transfusion-2`, `mean-var-nobn`, … */
  init: string;
  strategy: InitStrategy;
  /** Where the init sits in the file, for errors (`sweep.init[2]`). */
  initPath: string;
  seed: number;
}

/** The zoo strategy an `init` entry of the file names. */
export function toStrategy(init: InitConfig): InitStrategy {
  if (typeof init === 'string') {
    return init === 'mean-var' ? { kind: 'mean-var', batchNorm: true } : { kind: init };
  }
  if ('transfusion' in init) return { kind: 'transfusion', k: init.transfusion };
  if ('frozen' in init) return { kind: 'frozen', k: init.frozen };
  return { kind: 'mean-var', batchNorm: init['mean-var'].batchNorm };
}

export interface Plan {
  config: ExperimentConfig;
  file: string;
  /** Backbones that need a source checkpoint (those with a pretrained trial), in sweep order. */
  sourceBackbones: ComponentRef[];
  trials: PlannedTrial[];
}

/** Short identifier for a backbone with parameters: `cbr-small` or `cbr-small-<hash>`. */
export function backboneId(ref: ComponentRef): string {
  return Object.keys(ref.params).length ? `${ref.name}-${stableHash(ref.params, 6)}` : ref.name;
}

export function planExperiment(config: ExperimentConfig, file: string): Plan {
  const issues: ConfigError[] = [];
  const check = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      if (err instanceof ConfigError) issues.push(new ConfigError(err.path, err.detail, file));
      else throw err;
    }
  };
  const refs = config.sweep.backbone.map(normalizeComponent);
  refs.forEach((ref, i) => {
    const path = `sweep.backbone[${i}]`;
    check(() => backbones.get(ref.name, `${path}${typeof config.sweep.backbone[i] === 'string' ? '' : '.name'}`));
    if (!backbones.has(ref.name)) return;
    // Refuse sizes a backbone cannot take (e.g. Inception-v3 below 75 px) before anything trains.
    let min = 0;
    check(() => (min = minInputSize(ref, `${path}.params`)));
    const pretrains = config.sweep.init.map(toStrategy).some(needsPretrained);
    for (const [key, stage] of [['source', pretrains ? config.source : undefined], ['target', config.target]] as const) {
      if (stage && stage.imageSize < min) {
        issues.push(
          new ConfigError(
            `${key}.imageSize`,
            `${ref.name} needs inputs of at least ${min}×${min} px, but ${key}.imageSize is ${stage.imageSize}; raise imageSize to ≥ ${min} or choose another backbone (e.g. a "small" stem where the backbone offers one)`,
            file,
          ),
        );
      }
    }
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
  const strategies = config.sweep.init.map(toStrategy);
  const pretrainedIndex = strategies.findIndex(needsPretrained);
  const wantsPretrained = pretrainedIndex >= 0;
  if (wantsPretrained && !config.source) {
    const id = strategyId(strategies[pretrainedIndex]);
    issues.push(new ConfigError(`sweep.init[${pretrainedIndex}]`, `init "${id}" needs a "source" stage to pretrain on; add one or remove "${id}"`, file));
  }
  const ids = strategies.map(strategyId).filter((s, i, all) => all.indexOf(s) !== i);
  if (ids.length) issues.push(new ConfigError('sweep.init', `listed twice: ${ids.join(', ')}`, file));
  if (wantsPretrained && config.source && config.source.channels !== config.target.channels) {
    issues.push(
      new ConfigError(
        'target.channels',
        `source.channels is ${config.source.channels} but target.channels is ${config.target.channels}; pretrained weights need the same input channels — set both to the same value`,
        file,
      ),
    );
  }
  const dupes = refs.map((r) => canonicalJson(r)).filter((s, i, all) => all.indexOf(s) !== i);
  if (dupes.length) issues.push(new ConfigError('sweep.backbone', `listed twice: ${dupes.join(', ')}`, file));
  if (issues.length) throw new ConfigIssuesError(file, issues);

  const trials: PlannedTrial[] = [];
  for (const backbone of refs) {
    for (const [i, strategy] of strategies.entries()) {
      for (const seed of config.seeds) {
        const id = backboneId(backbone);
        const init = strategyId(strategy);
        trials.push({
          name: runName('target', { backbone: id, init, seed }),
          dir: `${id}_${init}_seed${seed}`,
          backbone,
          init,
          strategy,
          initPath: `sweep.init[${i}]`,
          seed,
        });
      }
    }
  }
  return { config, file, sourceBackbones: wantsPretrained ? refs : [], trials };
}

/** Key of a source checkpoint: everything that decides the pretrained weights. */
export function sourceKey(stage: StageConfig, backbone: ComponentRef, datasetFingerprint: string): string {
  return stableHash({ version: PROJECT_VERSION, stage, backbone, seed: SOURCE_SEED, datasetFingerprint });
}

/** Key of a trial: the resolved target stage, the trial's axes, the data, the source checkpoint. */
export function trialKey(
  config: ExperimentConfig,
  trial: PlannedTrial,
  datasetFingerprint: string,
  source: string | undefined,
): string {
  return stableHash({
    version: PROJECT_VERSION,
    target: config.target,
    backbone: trial.backbone,
    init: trial.strategy,
    seed: trial.seed,
    datasetFingerprint,
    source: needsPretrained(trial.strategy) ? source : undefined,
  });
}
