// @medtransfer/analysis: reads trial results (never training code) and turns them into
// tables, convergence measures, figures and reports.
export * from './metric';
export * from './convergence';
export * from './tables';
export * from './format';
export * from './summary';
export * from './figure-style';
export * from './figures';
export * from './render';
export * from './report';
export { importEsm } from './esm';
export { writeFileAtomic } from './write-atomic';
export * from './stats/distributions';
export * from './stats/describe';
export * from './stats/paired-tests';
export * from './stats/multiple-comparisons';
export * from './stats/speedup';
export * from './comparisons';
export type { ActivationMatrix } from './similarity/activations';
export { linearCka } from './similarity/cka';
export { canonicalCorrelations, svcca, pwcca, directionsToKeep } from './similarity/cca';
export type { CcaResult, SvccaOptions, SvccaResult, PwccaResult } from './similarity/cca';
export * from './figures-stats';
export * from './png';
export * from './stats-markdown';
export * from './markdown-html';
