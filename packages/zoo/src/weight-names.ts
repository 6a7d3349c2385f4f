// Stable weight names, `layer/basename` (e.g. `block1_bn/moving_mean`): tfjs adds `_1`, `_2`…
// to variable names when several models live in one process, so checkpoints never use those.
import type * as tf from '@tensorflow/tfjs';

/**
 * The basename of a full variable name: its last `/` segment without a TensorFlow output index
 * (`:0`, in Keras .h5 files) or a `_N` uniqueness suffix (tfjs). `conv1/kernel_1` → `kernel`.
 */
export function weightBase(fullName: string): string {
  return fullName
    .slice(fullName.lastIndexOf('/') + 1)
    .replace(/:\d+$/, '')
    .replace(/_\d+$/, '');
}

/** `layerName/basename`, with any `_N` uniqueness suffix tfjs added to the basename removed. */
export function weightKey(layerName: string, variable: tf.LayerVariable): string {
  return `${layerName}/${weightBase(variable.originalName || variable.name)}`;
}

/** A built weight's shape as plain numbers (tfjs types shapes as possibly-null for symbolic tensors). */
export function shapeOf(variable: tf.LayerVariable): number[] {
  return variable.shape.map((d) => {
    if (d === null) throw new Error(`internal: weight "${variable.name}" has an unknown dimension`);
    return d;
  });
}

export interface NamedWeight {
  key: string;
  layer: string;
  variable: tf.LayerVariable;
}

/** Every weight of the model (trainable and not, so batch-norm statistics too), in layer order. */
export function namedWeights(model: tf.LayersModel): NamedWeight[] {
  const out: NamedWeight[] = [];
  const seen = new Set<string>();
  for (const layer of model.layers) {
    for (const variable of layer.weights) {
      const key = weightKey(layer.name, variable);
      if (seen.has(key)) throw new Error(`internal: two weights of model "${model.name}" share the name "${key}"`);
      seen.add(key);
      out.push({ key, layer: layer.name, variable });
    }
  }
  return out;
}

/** The layer part of a weight key. */
export function layerOf(key: string): string {
  return key.slice(0, key.lastIndexOf('/'));
}
