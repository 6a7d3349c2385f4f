// Seeded weight initialisers: each layer draws from its own seed, derived from the model seed
// and the layer name, so adding a layer never shifts the initial weights of the others.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@medtransfer/core';

type Initializer = ReturnType<typeof tf.initializers.heNormal>;

/** A 32-bit seed for one layer, from the model seed and the layer's stable name. */
export function layerSeed(seed: number, layerName: string): number {
  return new Rng(seed).fork(`init/${layerName}`).seed32();
}

/** He-normal (truncated, fan-in): the usual choice for conv layers followed by ReLU. */
export function heNormalFor(seed: number, layerName: string): Initializer {
  return tf.initializers.heNormal({ seed: layerSeed(seed, layerName) });
}

/** Glorot-uniform: the Keras default for a Dense classifier. */
export function glorotUniformFor(seed: number, layerName: string): Initializer {
  return tf.initializers.glorotUniform({ seed: layerSeed(seed, layerName) });
}
