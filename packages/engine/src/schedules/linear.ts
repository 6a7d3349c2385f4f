// `linear`: a linear warm-down from lr to lr × minFactor over the steps after warm-up (with
// `warmupSteps`, the triangular / "linear warm-up, linear decay" recipe), as PyTorch's
// LinearLR(start_factor=1, end_factor=minFactor, total_iters = totalSteps − warmupSteps).
import { z } from 'zod';
import { afterWarmup, defineSchedule } from './spec';

export const linear = defineSchedule({
  name: 'linear',
  summary: 'lr · (1 − (1 − minFactor) i/S) over the S steps after warm-up (PyTorch LinearLR(start_factor=1, end_factor=minFactor, total_iters=S))',
  params: { minFactor: z.number().min(0).max(1).default(0) },
  factor: (p, i, totalSteps, warmupSteps) => {
    const { j, span } = afterWarmup(i, totalSteps, warmupSteps);
    return 1 - ((1 - p.minFactor) * j) / span;
  },
  examples: ['linear', { name: 'linear', minFactor: 0.2 }],
});
