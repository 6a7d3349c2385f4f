// `cosine`: from lr down to lr × minFactor over the steps after warm-up, as PyTorch's
// CosineAnnealingLR(T_max = totalSteps − warmupSteps, eta_min = minFactor · lr).
import { z } from 'zod';
import { afterWarmup, defineSchedule } from './spec';

export const cosine = defineSchedule({
  name: 'cosine',
  summary: 'lr · (minFactor + (1 − minFactor)(1 + cos(π i/S))/2) over the S steps after warm-up (PyTorch CosineAnnealingLR(T_max=S))',
  params: { minFactor: z.number().min(0).max(1).default(0) },
  factor: (p, i, totalSteps, warmupSteps) => {
    const { j, span } = afterWarmup(i, totalSteps, warmupSteps);
    return p.minFactor + ((1 - p.minFactor) * (1 + Math.cos((Math.PI * j) / span))) / 2;
  },
  examples: ['cosine', { name: 'cosine', minFactor: 0.1 }],
});
