// `pretrained`: full transfer (Raghu et al., Transfusion, §4): every backbone tensor from the
// pretrained weights; the head stays freshly initialised for the target's classes.
import { loadWeights } from '../checkpoint';
import { defineInit } from './spec';

export const pretrained = defineInit({
  name: 'pretrained',
  summary: 'every backbone tensor from the pretrained weights; a fresh head',
  needsPretrained: true,
  examples: ['pretrained'],
  strategy: () => ({ kind: 'pretrained' as const }),
  apply: (m, _s, { weights }) => {
    const report = loadWeights(m, weights!, { exclude: m.headLayers });
    return { description: `loaded ${report.matched.length} pretrained tensors; head freshly initialised`, report };
  },
});
