// `constant`: the base rate throughout (warm-up still applies).
import { defineSchedule } from './spec';

export const constant = defineSchedule({
  name: 'constant',
  summary: 'lr at every step',
  params: {},
  factor: () => 1,
  examples: ['constant'],
});
