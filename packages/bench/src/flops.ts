// The bench counts FLOPs with the zoo's counter (packages/zoo/src/flops.ts), the one the runner's
// time estimates use too; this module keeps the names the bench and its tests import.
export { TRAINING_FACTOR, countFlops, type FlopCount, type LayerFlops } from '@medtransfer/zoo';
