// Small builders for the Keras-style layers the ImageNet backbones share (seeded conv, batch
// norm, activations, padding) and the `out` size arithmetic TensorFlow uses for them.
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '@medtransfer/core';
import { batchNormLayer } from './batch-norm-layer';
import { conv2dLayer } from './conv2d-layer';
import { heNormalFor } from './init';
import { reluLayer } from './relu6-layer';
import type { BackboneBuildOptions } from './spec';

export type Padding = 'same' | 'valid';
type Sym = tf.SymbolicTensor;

/**
 * Batch-norm moving-statistics momentum for every backbone: 0.9 (PyTorch's default, used by the
 * MedMNIST baselines) rather than Keras' 0.99, which lags the quickly changing weights of short
 * medical runs. Momentum is not a weight, so ImageNet weights load unchanged.
 */
export const BN_MOMENTUM = 0.9;

/** Spatial output size, as TensorFlow computes it: 'same' → ⌈n/s⌉, 'valid' → ⌊(n−k)/s⌋+1. */
export function outSize(n: number, kernel: number, stride: number, padding: Padding): number {
  return padding === 'same' ? Math.ceil(n / stride) : Math.floor((n - kernel) / stride) + 1;
}

/** Records the names of the layers a builder applies, so groups list every layer exactly once. */
export class LayerLog {
  readonly names: string[] = [];
  apply(layer: tf.layers.Layer, x: Sym | Sym[]): Sym {
    this.names.push(layer.name);
    return layer.apply(x) as Sym;
  }
  /** Names recorded since `from` (an earlier `names.length`). */
  since(from: number): string[] {
    return this.names.slice(from);
  }
}

export interface ConvOptions {
  filters: number;
  kernel: number | [number, number];
  strides?: number;
  padding?: Padding;
  useBias: boolean;
  seed: number;
}

/** Conv2D with a He-normal kernel seeded by the layer name (zero bias when there is one). */
export function conv(log: LayerLog, x: Sym, name: string, o: ConvOptions): Sym {
  const layer = conv2dLayer({
    name,
    filters: o.filters,
    kernelSize: o.kernel,
    strides: o.strides ?? 1,
    padding: o.padding ?? 'valid',
    useBias: o.useBias,
    kernelInitializer: heNormalFor(o.seed, name),
    biasInitializer: 'zeros',
  });
  return log.apply(layer, x);
}

/** Depthwise 3×3 conv (depth multiplier 1, no bias), He-normal seeded by the layer name. */
export function depthwise(log: LayerLog, x: Sym, name: string, o: { strides: number; padding: Padding; seed: number }): Sym {
  const layer = tf.layers.depthwiseConv2d({
    name,
    kernelSize: 3,
    depthMultiplier: 1,
    strides: o.strides,
    padding: o.padding,
    useBias: false,
    depthwiseInitializer: heNormalFor(o.seed, name),
  });
  return log.apply(layer, x);
}

/** Batch norm over channels; `epsilon` and `scale` as the Keras model the weights come from. */
export function bn(log: LayerLog, x: Sym, name: string, epsilon: number, scale = true): Sym {
  const layer = batchNormLayer({ name, axis: -1, momentum: BN_MOMENTUM, epsilon, scale });
  if (!scale) {
    // tfjs 4.22's BatchNormalization reads `this.gamma` in training mode even with scale=false
    // (there is none, so training crashes), and its batch-norm gradient cannot take a null
    // scale. A stand-in that reads as constant ones (shaped like beta) computes the same thing;
    // it is no weight, so counts and names stay Keras'.
    const stub = layer as unknown as { gamma: { read(): tf.Tensor }; beta: { read(): tf.Tensor } };
    stub.gamma = { read: () => tf.onesLike(stub.beta.read()) };
  }
  return log.apply(layer, x);
}

export function relu(log: LayerLog, x: Sym, name: string): Sym {
  return log.apply(tf.layers.activation({ name, activation: 'relu' }), x);
}

export function relu6(log: LayerLog, x: Sym, name: string): Sym {
  return log.apply(reluLayer({ name, maxValue: 6 }), x);
}

/** Zero padding: `p` pixels on every side, or Keras' ((top, bottom), (left, right)). */
export function zeroPad(log: LayerLog, x: Sym, name: string, p: number | [[number, number], [number, number]]): Sym {
  const padding: [[number, number], [number, number]] = typeof p === 'number' ? [[p, p], [p, p]] : p;
  return log.apply(tf.layers.zeroPadding2d({ name, padding }), x);
}

/**
 * Refuses, before any weight is allocated, an input smaller than the backbone's minimum,
 * naming the backbone, the size received, the minimum and the fix.
 */
export function checkMinInput(backbone: string, min: number, opts: BackboneBuildOptions, hint = ''): void {
  const [h, w] = opts.inputShape;
  if (h >= min && w >= min) return;
  throw new ConfigError(
    opts.path,
    `${backbone} cannot take a ${h}×${w} input: it needs at least ${min}×${min} pixels (smaller inputs shrink to nothing ` +
      `before the last stage). Set imageSize ≥ ${min} in the stage config${hint ? `, ${hint}` : ''}.`,
  );
}
