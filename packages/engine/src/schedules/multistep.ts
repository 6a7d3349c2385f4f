// `multistep`: ×gamma at each milestone, given as fractions of the run (MedMNIST v2's recipe:
// ×0.1 at 50 % and 75 %), as PyTorch's MultiStepLR(milestones=[m·T]) stepped once per step.
import { ConfigError } from '@medtransfer/core';
import { z } from 'zod';
import { defineSchedule } from './spec';

export const multistep = defineSchedule({
  name: 'multistep',
  summary: 'lr · gamma per milestone m with t − 1 ≥ m·T; milestones are fractions of the run (PyTorch MultiStepLR(milestones=[m·T]))',
  params: {
    milestones: z.array(z.number().gt(0).lt(1, 'milestones are fractions of the run between 0 and 1, e.g. 0.5 for half-way')).min(1).default([0.5, 0.75]),
    gamma: z.number().positive().max(1).default(0.1),
  },
  check: (p, path) => {
    if (p.milestones.some((m, i) => i > 0 && m <= p.milestones[i - 1])) {
      throw new ConfigError(`${path}.milestones`, `milestones must increase, received [${p.milestones.join(', ')}]`);
    }
  },
  // 100 steps, [0.5, 0.75]: steps 1–50 at lr, 51–75 at lr/10, 76–100 at lr/100
  factor: (p, i, totalSteps) => {
    let f = 1;
    for (const m of p.milestones) if (i >= m * totalSteps) f *= p.gamma;
    return f;
  },
  examples: ['multistep', { name: 'multistep', milestones: [0.3, 0.6], gamma: 0.5 }],
});
