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
