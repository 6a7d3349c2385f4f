// `scratch`: the backbone's own seeded initialisers (He-normal convs, Glorot head, BN γ=1, β=0).
import { defineInit } from './spec';

export const scratch = defineInit({
  name: 'scratch',
  summary: "the backbone's standard initialisers",
  needsPretrained: false,
  examples: ['scratch'],
  strategy: () => ({ kind: 'scratch' as const }),
  apply: () => ({ description: 'standard initialisers (from scratch)' }),
});
