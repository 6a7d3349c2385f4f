// `{frozen: k}`: full transfer, then layer groups 1..k are not trained and their batch norms run in
// inference mode (the lower layers as fixed feature extractors).
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { loadWeights } from '../checkpoint';
import { groupLayers, isBatchNorm } from './helpers';
import { defineInit } from './spec';

/**
 * Makes a batch-norm layer always run in inference mode (moving statistics, no updates):
 * tfjs's BatchNormalization uses batch statistics whenever it is called with training=true,
 * even when the layer is not trainable, unlike Keras in TF 2.
 */
function inferenceModeBatchNorm(layer: tf.layers.Layer): void {
  const patched = layer as unknown as { call: (inputs: unknown, kwargs: Record<string, unknown>) => unknown };
  const call = patched.call.bind(layer);
  patched.call = (inputs, kwargs) => call(inputs, { ...kwargs, training: false });
}

export const frozen = defineInit({
  name: 'frozen',
  summary: 'full transfer; layer groups 1..k not trained, their batch norms in inference mode',
  needsPretrained: true,
  params: z.number().int().min(1),
  examples: [{ frozen: 1 }],
  strategy: (k) => ({ kind: 'frozen' as const, k }),
  id: (s) => `frozen-${s.k}`,
  apply: (m, s, { weights, path }) => {
    const layers = groupLayers(m, s.k, path);
    const report = loadWeights(m, weights!, { exclude: m.headLayers });
    for (const name of layers) {
      const layer = m.model.getLayer(name);
      layer.trainable = false;
      if (isBatchNorm(m, name)) inferenceModeBatchNorm(layer);
    }
    return {
      description: `frozen k=${s.k}: full transfer, ${layers.length} layers of groups 1..${s.k} not trained (batch norms in inference mode)`,
      report,
      frozenLayers: layers,
    };
  },
});
