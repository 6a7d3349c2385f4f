// `{transfusion: k}`: weight transfusion (Raghu et al., Transfusion, §5): pretrained weights for
// layer groups 1..k, the rest freshly initialised.
import { z } from 'zod';
import { loadWeights } from '../checkpoint';
import { allBut, groupLayers } from './helpers';
import { defineInit } from './spec';

export const transfusion = defineInit({
  name: 'transfusion',
  summary: 'pretrained layer groups 1..k, the rest freshly initialised',
  needsPretrained: true,
  params: z.number().int().min(1),
  examples: [{ transfusion: 1 }, { transfusion: 2 }],
  strategy: (k) => ({ kind: 'transfusion' as const, k }),
  id: (s) => `transfusion-${s.k}`,
  apply: (m, s, { weights, path }) => {
    const report = loadWeights(m, weights!, { exclude: allBut(m, groupLayers(m, s.k, path)) });
    return { description: `transfusion k=${s.k}: loaded ${report.matched.length} pretrained tensors of groups 1..${s.k}; the rest freshly initialised`, report };
  },
});
