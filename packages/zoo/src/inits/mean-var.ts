// `mean-var` (Raghu et al., Transfusion, §5): each backbone tensor drawn i.i.d. from N(mean, std)
// of its pretrained tensor: the pretrained scaling without the features. `{mean-var: {batchNorm:
// false}}` leaves batch-norm parameters and statistics at their standard values.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@medtransfer/core';
import { z } from 'zod';
import { namedWeights, shapeOf } from '../weight-names';
import { isBatchNorm } from './helpers';
import { defineInit } from './spec';

export const meanVar = defineInit({
  name: 'mean-var',
  summary: 'each tensor drawn i.i.d. from N(mean, std) of its pretrained tensor (batchNorm: false leaves batch norm at its standard values)',
  needsPretrained: true,
  params: z.strictObject({ batchNorm: z.boolean().default(true) }),
  bare: true,
  examples: ['mean-var', { 'mean-var': { batchNorm: false } }],
  strategy: (p) => ({ kind: 'mean-var' as const, batchNorm: p.batchNorm }),
  id: (s) => (s.batchNorm ? 'mean-var' : 'mean-var-nobn'),
  apply: (m, s, { weights, seed }) => {
    const head = new Set(m.headLayers);
    let drawn = 0;
    tf.tidy(() => {
      for (const w of namedWeights(m.model)) {
        if (head.has(w.layer)) continue;
        if (!s.batchNorm && isBatchNorm(m, w.layer)) continue;
        const t = weights!.tensors.get(w.key);
        if (!t) continue;
        let mean = 0;
        for (const v of t.data) mean += v;
        mean /= t.data.length;
        let sq = 0;
        for (const v of t.data) sq += (v - mean) ** 2;
        const std = Math.sqrt(sq / t.data.length);
        const rng = new Rng(seed).fork(`mean-var/${w.key}`);
        const values = new Float32Array(t.data.length);
        for (let i = 0; i < values.length; i++) values[i] = rng.normal(mean, std);
        // moving variances must stay positive
        if (w.key.endsWith('/moving_variance')) for (let i = 0; i < values.length; i++) values[i] = Math.abs(values[i]);
        w.variable.write(tf.tensor(values, shapeOf(w.variable)));
        drawn++;
      }
    });
    return { description: `mean-var: ${drawn} tensors drawn i.i.d. from N(mean, std) of the pretrained tensors${s.batchNorm ? '' : ' (batch norm left at its standard initialisation)'}` };
  },
});
