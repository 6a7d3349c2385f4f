// The model a task trains, and its per-layer learning-rate multipliers (`optimizer.groupLr`).
import { ComponentRef, ConfigError, StageConfig, TrainingConfig, unknownNameMessage } from '@medtransfer/core';
import { ClassifierModel, InitStrategy, createInitModel, createModel } from '@medtransfer/zoo';

/** The model for a stage's input and classes; an init strategy may build its own architecture (`slim`: kept groups + a new top). */
export function buildModel(ref: ComponentRef, stage: StageConfig, numClasses: number, seed: number, strategy?: InitStrategy, initPath?: string): ClassifierModel {
  const opts = { inputShape: [stage.imageSize, stage.imageSize, stage.channels] as [number, number, number], numClasses, seed, path: 'sweep.backbone' };
  return strategy ? createInitModel(ref, opts, strategy, initPath) : createModel(ref, opts);
}

/** `optimizer.groupLr` (layer group → multiplier) as multipliers per layer name, for the engine; `path` is the stage's config path. */
export function groupLrByLayer(model: ClassifierModel, training: TrainingConfig, path: string): Record<string, number> | undefined {
  const groupLr = training.optimizer.groupLr;
  if (!groupLr) return undefined;
  const out: Record<string, number> = {};
  for (const [group, mult] of Object.entries(groupLr)) {
    const g = model.groups.find((x) => x.name === group);
    if (!g) throw new ConfigError(`${path}.training.optimizer.groupLr.${group}`, `${model.backbone}: ${unknownNameMessage('layer group', group, model.groups.map((x) => x.name))}`);
    for (const layer of g.layers) out[layer] = mult;
  }
  return out;
}
