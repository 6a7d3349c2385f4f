// The "slim" model of Raghu et al. (Transfusion, NeurIPS 2019, §5): a backbone's lowest k layer
// groups (to be pretrained) followed by a small, freshly initialised top of CBR or
// depthwise-separable blocks ("new layers of other convolution types"), then the usual head.
import * as tf from '@tensorflow/tfjs';
import { ComponentRef, ConfigError } from '@medtransfer/core';
import { LayerLog, bn, conv, depthwise, relu } from './layers';
import { type ClassifierModel, type CreateModelOptions, createModelWith } from './model';
import type { BackboneParts } from './spec';

export type SlimTopKind = 'cbr' | 'depthwise';

export interface SlimOptions {
  /** Backbone layer groups kept (1..k), counted from the input. */
  keep: number;
  /** 'cbr': 3×3 conv → BN → ReLU; 'depthwise': 3×3 depthwise → BN → ReLU → 1×1 conv → BN → ReLU. */
  top: SlimTopKind;
  /** Blocks in the top; each ends with a 3×3/2 max-pool ('same', so any size fits). */
  blocks: number;
  /** Output channels of every top block. */
  filters: number;
}

/** Defaults of the slim top: two 256-channel blocks (the paper does not fix the top's size). */
export const SLIM_DEFAULTS = { top: 'cbr', blocks: 2, filters: 256 } as const;

/** Name of the layer group holding the new top. */
export const SLIM_TOP_GROUP = 'slim_top';

/** Batch-norm epsilon of the top (Keras' default, as in the CBR nets). */
const EPS = 1e-3;

function topBlocks(x: tf.SymbolicTensor, s: SlimOptions, seed: number, log: LayerLog): tf.SymbolicTensor {
  for (let i = 1; i <= s.blocks; i++) {
    const p = `slim_block${i}`;
    if (s.top === 'cbr') {
      x = conv(log, x, `${p}_conv`, { filters: s.filters, kernel: 3, padding: 'same', useBias: false, seed });
      x = relu(log, bn(log, x, `${p}_bn`, EPS), `${p}_relu`);
    } else {
      x = depthwise(log, x, `${p}_dw`, { strides: 1, padding: 'same', seed });
      x = relu(log, bn(log, x, `${p}_dw_bn`, EPS), `${p}_dw_relu`);
      x = conv(log, x, `${p}_pw`, { filters: s.filters, kernel: 1, padding: 'same', useBias: false, seed });
      x = relu(log, bn(log, x, `${p}_pw_bn`, EPS), `${p}_pw_relu`);
    }
    x = log.apply(tf.layers.maxPooling2d({ name: `${p}_pool`, poolSize: 3, strides: 2, padding: 'same' }), x);
  }
  return log.apply(tf.layers.globalAveragePooling2d({ name: 'slim_gap' }), x);
}

/** Checks the slim options against the backbone's groups; `path` is the config path of the init entry. */
function checkSlim(backbone: string, groups: BackboneParts['groups'], s: SlimOptions, path: string): void {
  const n = groups.length;
  if (!Number.isInteger(s.keep) || s.keep < 1 || s.keep >= n) {
    throw new ConfigError(
      `${path}.keep`,
      `${backbone} has ${n} layer groups (${groups.map((g) => g.name).join(', ')}); a slim model keeps 1 to ${n - 1} of them under a new top, received ${s.keep}`,
    );
  }
  if (!Number.isInteger(s.blocks) || s.blocks < 1) throw new ConfigError(`${path}.blocks`, `expected a whole number ≥ 1, received ${s.blocks}`);
  if (!Number.isInteger(s.filters) || s.filters < 1) throw new ConfigError(`${path}.filters`, `expected a whole number ≥ 1, received ${s.filters}`);
}

/**
 * Builds backbone `ref` cut after layer group `keep`, with a new top and the backbone's own head.
 * The cut-off upper layers are disposed. Groups: the kept ones, then `slim_top`, then `head`.
 * Errors about `keep`, `blocks` and `filters` carry `initPath` (the config path of the init entry).
 */
export function createSlimModel(ref: ComponentRef, opts: CreateModelOptions, slim: SlimOptions, initPath = 'sweep.init'): ClassifierModel {
  return createModelWith(ref, opts, (parts, build) => {
    try {
      checkSlim(ref.name, parts.groups, slim, `${initPath}.slim`);
    } catch (err) {
      // Nothing of the full backbone is used: free all of it before reporting.
      tf.model({ inputs: parts.input, outputs: parts.features }).layers.forEach((l) => l.weights.length && l.dispose());
      throw err;
    }
    const full = tf.model({ inputs: parts.input, outputs: parts.features });
    const kept = parts.groups.slice(0, slim.keep);
    const lastGroup = kept[kept.length - 1];
    const cut = full.getLayer(lastGroup.layers[lastGroup.layers.length - 1]).output as tf.SymbolicTensor;
    // The upper groups were built (their weights allocated) but are not part of the slim model.
    for (const g of parts.groups.slice(slim.keep)) for (const name of g.layers) full.getLayer(name).dispose();
    const log = new LayerLog();
    const features = topBlocks(cut, slim, build.seed, log);
    return { input: parts.input, features, groups: [...kept, { name: SLIM_TOP_GROUP, layers: log.names }] };
  });
}
