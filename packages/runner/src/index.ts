// @medtransfer/runner: experiment file → trials → result store, with skip-if-finished.
export * from './plan';
export * from './run';
export { formatTimeSplit, type StageTime, type TimeSplit } from './time-split';
export * from './store';
export * from './cost-store';
export { measureExperimentCosts, type CostMeasureOptions, type CostMeasureOutcome } from './cost-measure';
export * from './experiment';
export { checkPlanInputs } from './inputs';
// The Keras Applications ImageNet weights cache (`medtransfer weights get|list`, `weights: imagenet`).
export * from './weights-cache';
// The data commands of the CLI reach the data package through the runner (cli depends on runner only).
export { fetchMedmnist, defaultCacheDir, medmnistCachePath, MEDMNIST_FLAGS, MEDMNIST_SIZES } from '@medtransfer/data';
// A task's saved training state (the step it resumes from), for read-only views of the store (the dashboard).
export { inspectTrainState } from '@medtransfer/engine';
// Store robustness and scale-out: per-task locks, failures, status, shards, SLURM, export, merge.
export { LOCK_FILE, ATTEMPTS_FILE, type LockInfo, type LockTiming, type LockState, lockTiming, inspectLock, acquireLock, readAttempts, TaskLock } from './lock';
export { type TaskOutcome, type TaskState, inspectTask, isFinished } from './claim';
export * from './report';
export * from './upgrade';
export { type Shard, shardOf, parseShard } from './shard';
export * from './status';
export * from './export';
export * from './merge';
export * from './slurm';
export { checkBackend, formatBackend } from './backend-check';
export { machineInfo, type MachineInfo } from './machine';
export * from './trial-weights';
export * from './similarity';
export * from './transfusion-figures';
export * from './compare-figures';
// The similarity and figures commands of the CLI name these analysis values (cli depends on runner only).
export { SIMILARITY_METRICS, type SimilarityMetric, COST_AXES, type CostAxis } from '@medtransfer/analysis';
export { planReport, formatPlan, type PlanReport, type PlanTask, type Throughput, defaultThroughput, measuredThroughputs, imagesToTrain } from './estimate';
export { crc32c, maskedCrc32c, tfRecord, encodeEvent, trialEvents, writeTensorboard } from './export-tensorboard';
export { mlflowRunId, mlflowParams, mlflowMetrics, writeMlflow } from './export-mlflow';
export { toParquet } from './export-parquet';
