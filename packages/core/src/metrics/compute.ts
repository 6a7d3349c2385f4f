// Every registered metric of one split at once, and the look-ups by name that early stopping,
// convergence, analysis and export share.
import { ConfigError } from '../errors';
import type { MetricValues, Metrics, TaskType } from '../types';
import { perClassAuc } from './auc';
import { metrics } from './registry';
import { MetricInput } from './spec';

/** The metrics of one split: every registered metric the task defines, and the per-class AUCs. */
export interface SplitMetrics {
  values: MetricValues;
  /** One-vs-rest AUC per class (per label for multi-label); null where undefined. */
  perClassAuc: (number | null)[];
}

/**
 * Every registered metric defined for `task`, by name, in registry order, and the per-class
 * AUCs. Labels and scores are checked once (shapes, label range); each metric gives NaN where
 * it is undefined on this split.
 *
 * @param labels `n × labelWidth` class indices (labelWidth 1) or 0/1/-1 label entries.
 * @param scores `n × numOutputs` probabilities (softmax for class tasks, sigmoid for multi-label).
 */
export function computeMetrics(task: TaskType, labels: Int32Array, labelWidth: number, scores: Float32Array, numOutputs: number): SplitMetrics {
  const input = new MetricInput(task, labels, labelWidth, scores, numOutputs);
  const values: Record<string, number> = {};
  for (const name of metrics.names()) {
    const spec = metrics.get(name);
    if (spec.tasks.includes(task)) values[name] = spec.compute(input);
  }
  return { values: values as MetricValues, perClassAuc: perClassAuc(input) };
}

/** One metric by name; NaN when it is not defined for the input's task. */
export function computeMetric(name: string, input: MetricInput): number {
  const spec = metrics.get(name);
  return spec.tasks.includes(input.task) ? spec.compute(input) : NaN;
}

/** The value of metric `name` in stored metrics or a curve point's `val`; NaN when absent (not defined for the task, or recorded before the metric existed). */
export function metricOf(values: Metrics | MetricValues | undefined, name: string): number {
  const v = values?.[name];
  return typeof v === 'number' ? v : NaN;
}

/** The registered metric values among `m` (loss and per-class AUCs left out): what a curve point keeps as `val`. */
export function metricValuesOf(m: Metrics): MetricValues {
  const out: Record<string, number> = {};
  for (const name of metrics.names()) if (typeof m[name] === 'number') out[name] = m[name] as number;
  return out as MetricValues;
}

/**
 * Throws a ConfigError at `path` when metric `name` is unknown (with the nearest names) or not
 * defined for `task` (e.g. kappa for a binary task would be NaN at every validation).
 */
export function checkMetricForTask(name: string, task: TaskType, path: string, others: readonly string[] = []): void {
  if (others.includes(name)) return;
  const spec = metrics.get(name, path);
  if (spec.tasks.includes(task)) return;
  const usable = [...metrics.names().filter((n) => metrics.get(n).tasks.includes(task)), ...others];
  const only = spec.tasks.length === 1 ? `${spec.tasks[0]} tasks only` : `${spec.tasks.join(', ')} tasks`;
  throw new ConfigError(path, `${name} is defined for ${only}, and this task is ${task}; use ${usable.slice(0, -1).join(', ')} or ${usable[usable.length - 1]}`);
}
