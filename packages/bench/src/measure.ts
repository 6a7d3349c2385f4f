// The medtransfer side of the benchmark: one zoo model on one tfjs backend, a training step
// built exactly as the engine's `train()` builds it (Adam, batch-norm in training mode) and an
// inference step, timed with tinybench after warm-up iterations.
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '@medtransfer/core';
import { MedtransferError } from '@medtransfer/core';
import { createBatchSource, generateLesionDataset } from '@medtransfer/data';
import { type EvalPath, type PhaseTiming, modelSteps, selectBackend, timeSteps } from '@medtransfer/engine';
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
  /** How inference ran the model. */
  evalPath?: EvalPath;
}

export interface JsMeasureOptions {
  net: string;
  size: number;
  backend: string;
  batch: number;
  timeSeconds: number;
  /** Backbone params (zoo schema); none = the defaults. */
  params?: Record<string, unknown>;
  /** How inference runs the model; default the engine's evaluation path. */
  evalPath?: EvalPath;
}

/** One batch of synthetic lesion images (3 channels, normalised as training sees them). */
export function benchBatch(size: number, batch: number): { batch: Batch; task: 'binary'; numClasses: number } {
  const ds = generateLesionDataset({ train: batch, val: 0, test: 0, size, difficulty: 0.5, seed: 1 });
  const source = createBatchSource(ds, 'train', { imageSize: size, channels: 3 });
  const first = source.epoch(batch)[Symbol.iterator]().next();
  if (first.done) throw new MedtransferError('internal: the benchmark batch source yielded nothing');
  return { batch: first.value, task: 'binary', numClasses: ds.numClasses };
}

function toTiming(t: PhaseTiming): Timing {
  const meanSeconds = t.meanMs / 1000;
  return { meanSeconds, rme: t.rme, samples: t.samples, imagesPerSecond: t.batch / meanSeconds };
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
  const { batch, task, numClasses } = benchBatch(o.size, o.batch);
  const steps = modelSteps(m.model, batch, task, numClasses, { evalPath: o.evalPath });
  try {
    const timings = timeSteps(`${o.net}@${o.size}/${o.backend}`, [
      { name: 'train', batch: o.batch, run: steps.train },
      { name: 'infer', batch: o.batch, run: steps.infer },
    ], { timeSeconds: o.timeSeconds });
    const timing = (name: string) => {
      const t = timings.get(name);
      if (!t) throw new MedtransferError(`internal: no timing "${name}"`);
      return toTiming(t);
    };
    return {
      net: o.net,
      size: o.size,
      backend: selected.name,
      backendNote: selected.note,
      batch: o.batch,
      flopsForward: countFlops(m.model).forward,
      paramCount: m.paramCount,
      train: timing('train'),
      infer: timing('infer'),
      ...(o.evalPath ? { evalPath: o.evalPath } : {}),
    };
  } finally {
    steps.dispose();
    m.dispose();
    const leaked = tf.memory().numTensors - before;
    if (leaked > 0) process.stderr.write(`[bench] warning: ${leaked} tensors left after ${o.net}@${o.size}/${o.backend}\n`);
  }
}
