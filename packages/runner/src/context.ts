// What a process loads once before it lists or runs tasks: the external weights (`params.weights`)
// with their fingerprints, then the stages' data, so bad inputs fail before anything trains.
import { ConfigError, ConfigIssuesError, checkMetricForTask, getLogger } from '@medtransfer/core';
import { ExternalWeights, needsPretrained, readWeightSource } from '@medtransfer/zoo';
import { Plan, backboneId } from './plan';
import { StageData, StageDataCache, loadStageData, targetFor } from './stage-data';
import { verifyCachedWeights } from './weights-cache';

const log = getLogger('runner');

export interface TaskContext extends StageDataCache {
  plan: Plan;
  experimentDir: string;
  backend: string;
  /** The target stage as the first trial uses it; `targetFor` gives each trial its own (imageSize, subset). */
  target: StageData;
  source?: StageData;
  /** External weights (`params.weights`) by backbone id, read once per process. */
  weights: Map<string, ExternalWeights>;
}

/**
 * Reads every external weight source a pretrained trial uses (`params.weights`), once each, with
 * its content fingerprint; a source that cannot be read is a ConfigError naming the field.
 */
async function readExternalWeights(plan: Plan): Promise<Map<string, ExternalWeights>> {
  const out = new Map<string, ExternalWeights>();
  const issues: ConfigError[] = [];
  for (const trial of plan.trials) {
    const id = backboneId(trial.backbone);
    if (!trial.weights || !needsPretrained(trial.strategy) || out.has(id) || issues.some((e) => e.path.startsWith(trial.backbonePath))) continue;
    try {
      // A Keras Applications file from the cache is checked (hash, layout) before its first use.
      await verifyCachedWeights(trial.weights);
      const read = await readWeightSource(trial.weights);
      log.info(`${id}: pretrained weights from ${read.weights.source} (${read.weights.tensors.size} tensors, ${read.fingerprint.slice(0, 19)}…)`);
      out.set(id, read);
    } catch (err) {
      if (err instanceof ConfigError || !(err instanceof Error)) throw err;
      const at = `${trial.backbonePath}.params.weights${trial.weights.kerasApplications ? '' : '.path'}`;
      issues.push(new ConfigError(at, `cannot use these weights: ${err.message}`, plan.file));
    }
  }
  if (issues.length) throw new ConfigIssuesError(plan.file, issues);
  return out;
}

/**
 * Reads the external weights and loads the datasets a plan needs (the source one only when some
 * trial is pretrained from the source stage), so bad inputs fail before anything trains.
 * `pretraining: false` skips both the weights and the source data (for work that only builds
 * the trials' models, e.g. measuring their cost).
 */
export async function createContext(plan: Plan, experimentDir: string, backend: string, opts: { batches?: boolean; pretraining?: boolean } = {}): Promise<TaskContext> {
  const { config } = plan;
  const pretraining = opts.pretraining !== false;
  const weights = pretraining ? await readExternalWeights(plan) : new Map<string, ExternalWeights>();
  const source = pretraining && plan.sourceBackbones.length && config.source ? loadStageData(config.source, 'source', false) : undefined;
  const ctx: TaskContext = { plan, experimentDir, backend, source, weights, variants: new Map(), loaded: new Map(), target: undefined as unknown as StageData };
  ctx.target = plan.trials.length ? targetFor(ctx, plan.trials[0]) : loadStageData(config.target, 'target', true);
  // The report's convergence metric must be one the target task defines (e.g. kappa: ordinal tasks only).
  try {
    checkMetricForTask(config.report.metric, ctx.target.dataset.task, 'report.metric');
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigIssuesError(plan.file, [new ConfigError(err.path, err.detail, plan.file)]);
    throw err;
  }
  // Build the first trial's batches now, so transform errors name their field before anything trains.
  if (opts.batches !== false) void [ctx.target.batches, source?.batches];
  return ctx;
}
