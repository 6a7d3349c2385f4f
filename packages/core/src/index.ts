// @medtransfer/core: config schema, registry, errors, seeded RNG, hashing, logging, shared types.
export * from './errors';
export * from './suggest';
export * from './registry';
export * from './rng';
export * from './hash';
export * from './log';
export * from './types';
export * from './metrics';
export * from './config';
export * from './convergence';
export * from './kernels';
export * from './write-atomic';
export * from './records';
export * from './cost';
export * from './bench-measurements';
