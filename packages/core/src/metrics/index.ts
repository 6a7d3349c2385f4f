// Metrics of one split as a registry (MetricSpec per metric, one file each, registered in
// registry.ts), computed on plain arrays so they need no tensor backend.
export * from './spec';
export { metrics } from './registry';
export * from './compute';
export { classAucs, perClassAuc, rocAuc } from './auc';
export { quadraticKappa } from './kappa';
