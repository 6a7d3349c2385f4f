// `{name: step, every: N, gamma}`: ×gamma every N steps, counted from the start of the run
// (warm-up included), as PyTorch's StepLR(step_size=N) stepped once per optimiser step.
import { z } from 'zod';
import { defineSchedule } from './spec';

export const step = defineSchedule({
  name: 'step',
  summary: 'lr · gamma^⌊(t − 1)/every⌋ (PyTorch StepLR(step_size=every))',
  params: {
    /** Steps between two decays. */
    every: z.number().int().positive(),
    gamma: z.number().positive().max(1).default(0.1),
  },
  factor: (p, i) => p.gamma ** Math.floor(i / p.every),
  examples: [{ name: 'step', every: 3, gamma: 0.5 }],
});
