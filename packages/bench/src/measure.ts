// The medtransfer side of the benchmark: one zoo model on one tfjs backend, a training step
// built exactly as the engine's `train()` builds it (Adam, batch-norm in training mode) and an
// inference step, timed with tinybench after warm-up iterations.
import * as tf from '@tensorflow/tfjs';
import { Bench } from 'tinybench';
import type { Batch } from '@medtransfer/core';
import { MedtransferError } from '@medtransfer/core';
import { createBatchSource, generateLesionDataset } from '@medtransfer/data';
import { type LabelTensors, createOptimizer, labelTensors, lossTensor, predictLogits, selectBackend, trainableVariables } from '@medtransfer/engine';
import { createModel } from '@medtransfer/zoo';
import { countFlops } from './flops';

export interface Timing {
  /** Mean seconds per step. */
  meanSeconds: number;
  /** Relative 95 % margin of error of the mean (tinybench's `rme`), in percent. */
  rme: number;
  samples: number;
  imagesPerSecond: number;
}

export interface JsResult {
  net: string;
  size: number;
  /** The backend asked for and the one that ran (they differ for `auto`). */
  backend: string;
  backendNote: string;
  batch: number;
  flopsForward: number;
  paramCount: number;
  train: Timing;
  infer: Timing;
}

export interface JsMeasureOptions {
  net: string;
  size: number;
  backend: string;
  batch: number;
  timeSeconds: number;
  /** Backbone params (zoo schema); none = the defaults. */
  params?: Record<string, unknown>;
}

/** One batch of synthetic lesion images (3 channels, normalised as training sees them). */
function benchBatch(size: number, batch: number): { batch: Batch; task: 'binary'; numClasses: number } {
  const ds = generateLesionDataset({ train: batch, val: 0, test: 0, size, difficulty: 0.5, seed: 1 });
  const source = createBatchSource(ds, 'train', { imageSize: size, channels: 3 });
  const first = source.epoch(batch)[Symbol.iterator]().next();
  if (first.done) throw new MedtransferError('internal: the benchmark batch source yielded nothing');
  return { batch: first.value, task: 'binary', numClasses: ds.numClasses };
}

function toTiming(bench: Bench, name: string, batch: number): Timing {
  const task = bench.getTask(name);
  const r = task?.result;
  if (!r || r.state !== 'completed') {
    const why = r && r.state === 'errored' ? r.error.message : (r?.state ?? 'not run');
    throw new MedtransferError(`benchmark "${name}" did not complete: ${why}`);
  }
  const meanSeconds = r.latency.mean / 1000;
  return { meanSeconds, rme: r.latency.rme, samples: r.latency.samplesCount, imagesPerSecond: batch / meanSeconds };
}

/**
 * Measures training and inference images/s of `net` at `size` px on `backend`. Each phase
 * warms up (≥ 2 steps and ≥ 20 % of the budget, capped at 3 s) and then runs for
 * `timeSeconds` and at least 3 steps, so a slow backend takes ≥ 5 steps per phase.
 */
export async function measureJs(o: JsMeasureOptions): Promise<JsResult> {
  const selected = await selectBackend(o.backend as Parameters<typeof selectBackend>[0]);
  const before = tf.memory().numTensors;
  const m = createModel({ name: o.net, params: o.params ?? {} }, { inputShape: [o.size, o.size, 3], numClasses: 2, seed: 1 });
  // Adam at the MedMNIST baselines' lr (momentum is SGD's setting; Adam ignores it)
  const optimizer = createOptimizer({ name: 'adam', lr: 1e-3, momentum: 0.9 });
  const { batch, task, numClasses } = benchBatch(o.size, o.batch);
  const x = tf.tensor4d(batch.x, batch.shape);
  // binary task: one-hot targets only (no mask); tidy frees the class-index tensor
  const labels: LabelTensors = { targets: tf.tidy(() => labelTensors(task, batch, numClasses).targets) };
  try {
    const vars = trainableVariables(m.model);
    const trainStep = () => {
      const loss = tf.tidy(() => optimizer.minimize(() => lossTensor(task, predictLogits(m.model, x, true), labels), true, vars) as tf.Scalar);
      loss.dataSync(); // wait for the step: tfjs may run kernels lazily
      loss.dispose();
    };
    const inferStep = () => {
      const logits = tf.tidy(() => predictLogits(m.model, x, false));
      logits.dataSync();
      logits.dispose();
    };
    const timeMs = o.timeSeconds * 1000;
    const bench = new Bench({
      name: `${o.net}@${o.size}/${o.backend}`,
      time: timeMs,
      iterations: 3,
      warmupIterations: 2,
      warmupTime: Math.min(3000, timeMs * 0.2),
      throws: true,
    });
    bench.add('train', trainStep).add('infer', inferStep);
    bench.runSync();
    return {
      net: o.net,
      size: o.size,
      backend: selected.name,
      backendNote: selected.note,
      batch: o.batch,
      flopsForward: countFlops(m.model).forward,
      paramCount: m.paramCount,
      train: toTiming(bench, 'train', o.batch),
      infer: toTiming(bench, 'infer', o.batch),
    };
  } finally {
    x.dispose();
    labels.targets.dispose();
    optimizer.dispose();
    m.dispose();
    const leaked = tf.memory().numTensors - before;
    if (leaked > 0) process.stderr.write(`[bench] warning: ${leaked} tensors left after ${o.net}@${o.size}/${o.backend}\n`);
  }
}
