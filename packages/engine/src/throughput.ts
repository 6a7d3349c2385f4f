// How fast a model trains and infers on the current backend: a training step built exactly as
// `train()` builds it (Adam, batch norm in training mode) and an evaluation forward pass, timed
// with tinybench after warm-up. Shared by the bench and by the runner's per-trial cost records.
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { Bench } from 'tinybench';
import { type Batch, MedtransferError, Rng, type TaskType } from '@medtransfer/core';
import { loadNative } from '@medtransfer/native';
import { nativeKernelsEnabled } from './backend/native';
import { type EvalPath, DEFAULT_EVAL_PATH, predictLogits } from './evaluate';
import { foldedEvaluator } from './folded/evaluator';
import { type LabelTensors, labelTensors, lossTensor } from './losses';
import { createOptimizer } from './optimizers';
import { trainableVariables } from './train';

/** One timed phase: tinybench's latency statistics of one step. */
export interface PhaseTiming {
  batch: number;
  meanMs: number;
  medianMs: number;
  /** Relative 95 % margin of error of the mean, in percent. */
  rme: number;
  samples: number;
}

/** Warm-up and timing budget of each phase; a phase runs at least `minSamples` timed steps. */
export interface TimingBudget {
  timeSeconds: number;
  minSamples?: number;
  warmupSteps?: number;
}

/** A step function to time, with the images one call processes. */
export interface TimedStep {
  name: string;
  batch: number;
  run: () => void;
}

/**
 * Times each step with tinybench: ≥ `warmupSteps` (default 2) warm-up calls and ≥ 20 % of the
 * budget (capped at 3 s), then `timeSeconds` and at least `minSamples` (default 3) timed calls.
 */
export function timeSteps(name: string, steps: TimedStep[], budget: TimingBudget): Map<string, PhaseTiming> {
  const timeMs = budget.timeSeconds * 1000;
  const bench = new Bench({
    name,
    time: timeMs,
    iterations: budget.minSamples ?? 3,
    warmupIterations: budget.warmupSteps ?? 2,
    warmupTime: Math.min(3000, timeMs * 0.2),
    throws: true,
  });
  for (const s of steps) bench.add(s.name, s.run);
  bench.runSync();
  const out = new Map<string, PhaseTiming>();
  for (const s of steps) {
    const r = bench.getTask(s.name)?.result;
    if (!r || r.state !== 'completed') {
      const why = r && r.state === 'errored' ? r.error.message : (r?.state ?? 'not run');
      throw new MedtransferError(`timing "${s.name}" of ${name} did not complete: ${why}`);
    }
    out.set(s.name, { batch: s.batch, meanMs: r.latency.mean, medianMs: r.latency.p50, rme: r.latency.rme, samples: r.latency.samplesCount });
  }
  return out;
}

/** The training and inference steps of a model on one fixed batch; `dispose` frees the batch and optimiser. */
export interface ModelSteps {
  train: () => void;
  infer: () => void;
  dispose: () => void;
}

/**
 * An inference step of `model` on `x` (logits read back) by `path`: the folded evaluation, or the
 * model's own call layer by layer. `dispose` frees what the step holds (folded weights), not `x`.
 */
export function inferenceStep(model: tf.LayersModel, x: tf.Tensor4D, path: EvalPath): { run: () => void; dispose: () => void } {
  if (path === 'layers') {
    return {
      run: () => {
        const logits = tf.tidy(() => predictLogits(model, x, false));
        logits.dataSync();
        logits.dispose();
      },
      dispose: () => undefined,
    };
  }
  const evaluator = foldedEvaluator(model);
  return {
    run: () => {
      const logits = evaluator.predict(x);
      logits.dataSync();
      logits.dispose();
    },
    dispose: () => evaluator.dispose(),
  };
}

/**
 * A training step (Adam at lr 1e-3, batch norm in training mode, every trainable weight) and an
 * inference step (evaluation mode, by `evalPath`, default the one `evaluate` uses) on `batch`.
 * Each waits for its result: tfjs may run kernels lazily.
 * The training step changes the model's weights: time a model built for the purpose.
 */
export function modelSteps(model: tf.LayersModel, batch: Batch, task: TaskType, numClasses: number, opts: { evalPath?: EvalPath } = {}): ModelSteps {
  // Adam at the MedMNIST baselines' lr (momentum is SGD's setting; Adam ignores it)
  const optimizer = createOptimizer({ name: 'adam', lr: 1e-3, momentum: 0.9 });
  const x = tf.tensor4d(batch.x, batch.shape);
  const made = tf.tidy(() => {
    const l = labelTensors(task, batch, numClasses);
    return { targets: l.targets, ...(l.weights ? { weights: l.weights } : {}) };
  });
  const labels: LabelTensors = { ...made, ...(task === 'multi-label' ? { known: batch.labels.filter((y) => y !== -1).length } : {}) };
  const vars = trainableVariables(model);
  const infer = inferenceStep(model, x, opts.evalPath ?? DEFAULT_EVAL_PATH);
  return {
    train: () => {
      const loss = tf.tidy(() => optimizer.minimize(() => lossTensor(task, predictLogits(model, x, true), labels), true, vars) as tf.Scalar);
      loss.dataSync();
      loss.dispose();
    },
    infer: infer.run,
    dispose: () => {
      infer.dispose();
      x.dispose();
      tf.dispose([labels.targets, ...(labels.weights ? [labels.weights] : [])]);
      optimizer.dispose();
    },
  };
}

/** A batch of seeded standard-normal images and balanced labels (throughput does not depend on the values). */
export function syntheticBatch(batch: number, inputShape: [number, number, number], numClasses: number, seed = 1): Batch {
  const rng = new Rng(seed);
  const [h, w, c] = inputShape;
  const x = new Float32Array(batch * h * w * c);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const labels = Int32Array.from({ length: batch }, (_, i) => i % numClasses);
  return { x, shape: [batch, h, w, c], labels, labelWidth: 1, size: batch };
}

/** Threads the current backend computes with: the native kernels' pool, TensorFlow's (all cores), else 1 (wasm, cpu). */
export function backendThreads(): number {
  const backend = tf.getBackend();
  if (backend === 'tensorflow') return os.availableParallelism();
  if (backend === 'wasm' && nativeKernelsEnabled()) return loadNative().kernels?.info().threads ?? 1;
  return 1;
}
