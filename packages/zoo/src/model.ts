// The backbone contract and `createModel`: registry name + params → a seeded classifier whose
// head (`head_dense`, logits) can be swapped by rebuilding with another numClasses.
import * as tf from '@tensorflow/tfjs';
import { ComponentRef, ConfigError, MedtransferError } from '@medtransfer/core';
import { countParams } from './count';
import { glorotUniformFor } from './init';
import { backbones } from './registry';

/** Layers that can be frozen, transferred or given their own learning rate together. */
export interface LayerGroup {
  name: string;
  layers: string[];
}

export interface BackboneBuildOptions {
  inputShape: [number, number, number];
  /** Already validated by `parseParams` (defaults filled in). */
  params: Record<string, unknown>;
  /** Config path of this backbone reference, for errors (`sweep.backbone[1]`). */
  path: string;
  seed: number;
}

export interface BackboneParts {
  input: tf.SymbolicTensor;
  /** After global pooling: [null, F]. */
  features: tf.SymbolicTensor;
  /** Ordered from the input: stem/block1, block2, …; the head group is added by createModel. */
  groups: LayerGroup[];
}

export interface BackboneSpec {
  /** Registry name, e.g. `cbr-small`. */
  name: string;
  /** Validates params with a strict schema and fills defaults; throws ConfigError at `${path}.params.<key>`. */
  parseParams(params: Record<string, unknown>, path: string): Record<string, unknown>;
  build(opts: BackboneBuildOptions): BackboneParts;
}

export interface ClassifierModel {
  backbone: string;
  /** Resolved backbone params (defaults filled in): what a checkpoint records. */
  params: Record<string, unknown>;
  inputShape: [number, number, number];
  /** Outputs logits (no activation). */
  model: tf.LayersModel;
  /** Backbone groups in order, then `head` last. */
  groups: LayerGroup[];
  headLayers: string[];
  numClasses: number;
  /** All weights, batch-norm moving statistics included (Keras `count_params`). */
  paramCount: number;
  dispose(): void;
}

export interface CreateModelOptions {
  inputShape: [number, number, number];
  numClasses: number;
  seed: number;
  /** Config path of the backbone reference, for errors; default ''. */
  path?: string;
}

/** The classifier layer every model ends with; excluded when loading into a new head. */
export const HEAD_LAYER = 'head_dense';

function checkOptions(opts: CreateModelOptions, path: string): void {
  const { inputShape, numClasses, seed } = opts;
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || !inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ConfigError(path, `input shape must be [height, width, channels] of positive integers, received ${JSON.stringify(inputShape)}`);
  }
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new ConfigError(path, `numClasses must be a positive integer (binary tasks use 2), received ${numClasses}`);
  }
  if (!Number.isInteger(seed) || seed < 0) {
    throw new MedtransferError(`model seed must be a non-negative integer, received ${seed}`);
  }
}

/** Builds backbone `ref.name` with a fresh `head_dense` of `numClasses` logits, weights seeded by `seed`. */
export function createModel(ref: ComponentRef, opts: CreateModelOptions): ClassifierModel {
  const path = opts.path ?? '';
  const spec = backbones.get(ref.name, path);
  checkOptions(opts, path);
  const params = spec.parseParams(ref.params ?? {}, path);
  const inputShape: [number, number, number] = [...opts.inputShape];
  const parts = spec.build({ inputShape, params, path, seed: opts.seed });

  const head = tf.layers.dense({
    units: opts.numClasses,
    name: HEAD_LAYER,
    kernelInitializer: glorotUniformFor(opts.seed, HEAD_LAYER),
    biasInitializer: 'zeros',
  });
  const logits = head.apply(parts.features) as tf.SymbolicTensor;
  const model = tf.model({ inputs: parts.input, outputs: logits, name: spec.name });

  const headLayers = [HEAD_LAYER];
  const groups = [...parts.groups.map((g) => ({ name: g.name, layers: [...g.layers] })), { name: 'head', layers: headLayers }];
  let disposed = false;
  return {
    backbone: spec.name,
    params,
    inputShape,
    model,
    groups,
    headLayers: [...headLayers],
    numClasses: opts.numClasses,
    paramCount: countParams(model).total,
    dispose() {
      // tfjs throws on a second dispose; owners (trainer, runner) may both call it in `finally`.
      if (disposed) return;
      disposed = true;
      model.dispose();
    },
  };
}
