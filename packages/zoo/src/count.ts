// Parameter counts: all weights (batch-norm moving statistics included, like Keras
// `count_params`) and the trainable part alone.
import type * as tf from '@tensorflow/tfjs';

export interface ParamCount {
  /** Every weight, trainable or not. */
  total: number;
  trainable: number;
  /** E.g. batch-norm moving mean and variance, and weights of frozen layers. */
  nonTrainable: number;
}

const size = (shape: ReadonlyArray<number | null>): number => shape.reduce<number>((a, b) => a * (b ?? 0), 1);

export function countParams(model: tf.LayersModel): ParamCount {
  const trainable = model.trainableWeights.reduce((n, w) => n + size(w.shape), 0);
  const nonTrainable = model.nonTrainableWeights.reduce((n, w) => n + size(w.shape), 0);
  return { total: trainable + nonTrainable, trainable, nonTrainable };
}

/**
 * Multiply-accumulates of one forward pass for one image: Σ over conv, depthwise-conv and dense
 * layers of (kernel size × output positions). Batch norm, pooling, additions and activations are
 * not counted (the usual convention for quoted FLOPs; FLOPs ≈ 2 × MACs).
 */
export function countMacs(model: tf.LayersModel): number {
  let macs = 0;
  for (const layer of model.layers) {
    const kernel = layer.weights.find((w) => /(^|\/)(depthwise_)?kernel(_\d+)?$/.test(w.originalName || w.name));
    if (!kernel) continue;
    const out = layer.outputShape as (number | null)[];
    // [null, h, w, c] for convs, [null, units] for dense: output positions are h × w (1 for dense).
    const positions = out.length === 4 ? (out[1] ?? 0) * (out[2] ?? 0) : 1;
    macs += size(kernel.shape) * positions;
  }
  return macs;
}
