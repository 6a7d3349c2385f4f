// Parameter counts: all weights (batch-norm moving statistics included, like Keras
// `count_params`) and the trainable part alone.
import type * as tf from '@tensorflow/tfjs';
import { countFlops } from './flops';

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
 * Multiply-accumulates of one forward pass for one image: the FLOP counter's convention
 * (flops.ts: conv, depthwise, separable and dense layers; batch norm, pooling, additions and
 * activations not counted), FLOPs = 2 × MACs.
 */
export function countMacs(model: tf.LayersModel): number {
  return countFlops(model).layers.reduce((sum, l) => sum + l.macs, 0);
}
