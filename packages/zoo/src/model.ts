// `createModel`: registry name + params → a seeded classifier whose head (logits; `head_dense`
// unless the backbone names its own) is swapped by rebuilding. The backbone contract is in spec.ts.
import * as tf from '@tensorflow/tfjs';
import { ComponentRef, ConfigError, MedtransferError } from '@medtransfer/core';
import { countParams } from './count';
import { backbones } from './registry';
import { type BackboneBuildOptions, type BackboneParts, HEAD_LAYER, type LayerGroup, denseHead } from './spec';

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

/** The smallest input height/width backbone `ref` takes (for checking a config before training). */
export function minInputSize(ref: ComponentRef, path = ''): number {
  const spec = backbones.get(ref.name, path);
  return spec.minInputSize(spec.parseParams(ref.params ?? {}, path));
}

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

/** Builds backbone `ref.name` with a fresh head of `numClasses` logits (spec.head, default `head_dense`), weights seeded by `seed`. */
export function createModel(ref: ComponentRef, opts: CreateModelOptions): ClassifierModel {
  return createModelWith(ref, opts);
}

/**
 * Reshapes a built backbone before the head goes on (e.g. the slim model: lower groups + a new
 * top). Gets the parsed params and the build options; returns the parts the head is built on.
 */
export type BackboneRework = (parts: BackboneParts, build: BackboneBuildOptions) => BackboneParts;

/** `createModel` with an optional rework of the backbone (package-internal). */
export function createModelWith(ref: ComponentRef, opts: CreateModelOptions, rework?: BackboneRework): ClassifierModel {
  const path = opts.path ?? '';
  const spec = backbones.get(ref.name, path);
  checkOptions(opts, path);
  const params = spec.parseParams(ref.params ?? {}, path);
  const inputShape: [number, number, number] = [...opts.inputShape];
  const buildOpts: BackboneBuildOptions = { inputShape, params, path, seed: opts.seed };
  const built = spec.build(buildOpts);
  const parts = rework ? rework(built, buildOpts) : built;

  const head = (spec.head ?? denseHead(HEAD_LAYER))(parts.features, { numClasses: opts.numClasses, seed: opts.seed, params });
  const model = tf.model({ inputs: parts.input, outputs: head.logits, name: spec.name });

  const headLayers = [...head.layers];
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
