// The counted cost of a built model — parameters, forward FLOPs per image at its input size, the
// bytes of its checkpoint — and a fingerprint of its architecture, so measured costs can be
// shared by every model with the same layers and shapes.
import type * as tf from '@tensorflow/tfjs';
import type { ModelCost } from '@medtransfer/core';
import { stableHash } from '@medtransfer/core';
import { checkpointBytes } from './checkpoint';
import { countParams } from './count';
import { countFlops } from './flops';
import type { ClassifierModel } from './model';

/** Parameters (total and trainable), forward FLOPs per image and checkpoint bytes of `m` as it is now (frozen layers count as not trainable). */
export function modelCost(m: ClassifierModel): Omit<ModelCost, 'throughputKey'> {
  const params = countParams(m.model);
  return { paramsTotal: params.total, paramsTrainable: params.trainable, flopsPerImage: countFlops(m.model).forward, checkpointBytes: checkpointBytes(m) };
}

/**
 * Hash of what decides a model's speed: each layer's class, name, output shape and weight
 * shapes, in order. Seeds and weight values do not enter it; a slim cut, a wider MobileNet or a
 * small stem do.
 */
export function architectureFingerprint(model: tf.LayersModel): string {
  const layers = model.layers.map((l) => [l.getClassName(), l.name, l.outputShape, l.weights.map((w) => w.shape)]);
  return stableHash({ inputs: model.inputs.map((t) => t.shape), layers });
}
