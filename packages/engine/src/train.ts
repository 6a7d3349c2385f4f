// The training loop: seeded data order, one optimiser step per batch inside tf.tidy, validation
// every `evalEvery` steps (a learning-curve point), test metrics of the final model at the end.
import * as tf from '@tensorflow/tfjs';
import type { Batch, BatchSource, CurvePoint, Metrics, TrainingConfig } from '@medtransfer/core';
import { ConfigError, MedtransferError, Rng, unknownNameMessage } from '@medtransfer/core';
import { evaluate, predictLogits } from './evaluate';
import { checkOutputWidth, labelTensors, lossTensor } from './losses';
import { createOptimizer } from './optimizers';
import type { TrainProgress, TrainResult } from './progress';

export interface TrainOptions {
  /** Outputs logits: one per class (binary: 2), or one per label (multi-label). */
  model: tf.LayersModel;
  train: BatchSource;
  val: BatchSource;
  test?: BatchSource;
  training: TrainingConfig;
  /** Decides the data order: pass e is shuffled with a seed derived from `seed` and e. */
  seed: number;
  /** Names of the layers whose weights are trained (nested models are searched); default all. */
  trainableLayers?: string[];
  /** Called after every step. */
  onProgress?: (p: TrainProgress) => void;
  /** Called after every validation. */
  onEval?: (point: CurvePoint) => void;
  signal?: AbortSignal;
}

/** Thrown when `signal` aborts a run; carries the curve recorded so far. */
export class TrainingAbortedError extends MedtransferError {
  constructor(
    readonly step: number,
    readonly curve: CurvePoint[],
    readonly reason?: unknown,
  ) {
    super(`training aborted after step ${step}${reason instanceof Error ? `: ${reason.message}` : ''}`);
    this.name = 'TrainingAbortedError';
  }
}

/** Optimiser steps of a run: `training.steps`, or ceil(epochs × train size / batch size). */
export function totalSteps(training: TrainingConfig, trainCount: number): number {
  if (training.steps !== undefined) return training.steps;
  if (training.epochs === undefined) throw new ConfigError('training', 'give exactly one of "steps" or "epochs"');
  return Math.max(1, Math.ceil((training.epochs * trainCount) / training.batchSize));
}

/** Shuffle seed of pass `pass` over the training split. */
export function passSeed(seed: number, pass: number): number {
  return new Rng(seed).fork(`train-order/pass-${pass}`).seed32();
}

/**
 * Endless training batches, pass after pass, each pass reshuffled. A pass's last, incomplete
 * batch is skipped (when the split holds at least one full batch) so every step sees
 * `batchSize` images and steps × batchSize = images seen; the reshuffle means no image is
 * left out systematically.
 */
function* trainBatches(source: BatchSource, batchSize: number, seed: number): Generator<Batch> {
  for (let pass = 0; ; pass++) {
    let yielded = false;
    for (const batch of source.epoch(batchSize, passSeed(seed, pass))) {
      if (batch.size < batchSize && source.count >= batchSize) continue;
      yielded = true;
      yield batch;
    }
    if (!yielded) throw new MedtransferError(`the training split yielded no batch in pass ${pass} (count ${source.count})`);
  }
}

type Container = { name: string; layers?: Container[]; trainableWeights: { read(): tf.Tensor }[] };

function findLayer(root: Container, name: string): Container | undefined {
  for (const layer of root.layers ?? []) {
    if (layer.name === name) return layer;
    const nested = findLayer(layer, name);
    if (nested) return nested;
  }
  return undefined;
}

function allLayerNames(root: Container, out: string[] = []): string[] {
  for (const layer of root.layers ?? []) {
    out.push(layer.name);
    allLayerNames(layer, out);
  }
  return out;
}

/** The variables the optimiser updates: every trainable weight, or those of the named layers. */
export function trainableVariables(model: tf.LayersModel, layerNames?: string[]): tf.Variable[] {
  const root = model as unknown as Container;
  let weights = root.trainableWeights;
  if (layerNames) {
    weights = layerNames.flatMap((name, i) => {
      const layer = findLayer(root, name);
      if (!layer) throw new ConfigError(`trainableLayers[${i}]`, unknownNameMessage('layer', name, allLayerNames(root)));
      return layer.trainableWeights;
    });
  }
  const vars = [...new Set(weights.map((w) => w.read() as tf.Variable))];
  if (vars.length === 0) {
    throw new MedtransferError(`model "${model.name}" has no trainable weights${layerNames ? ` in layers ${layerNames.join(', ')}` : ''}; nothing to train`);
  }
  return vars;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
const now = () => performance.now() / 1000;

/**
 * Trains `model` in place. Each step runs the model in training mode (batch norm uses batch
 * statistics and updates its moving averages) and applies one optimiser update to the
 * trainable variables. Validation runs every `training.evalEvery` steps and after the last
 * step; test metrics come from the final model. The optimiser is disposed before returning.
 */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const { model, training, signal } = opts;
  const task = opts.train.task;
  const batchSize = training.batchSize;
  if (opts.train.count === 0) throw new MedtransferError('cannot train on an empty training split (count 0)');
  const steps = totalSteps(training, opts.train.count);
  const vars = trainableVariables(model, opts.trainableLayers);
  const numOutputs = model.outputs[0].shape[model.outputs[0].shape.length - 1] as number;
  const optimizer = createOptimizer(training.optimizer);
  const batches = trainBatches(opts.train, batchSize, opts.seed);

  const curve: CurvePoint[] = [];
  let imagesSeen = 0;
  let trainSeconds = 0;
  let evalSeconds = 0;
  let lossSinceEval = 0;
  let stepsSinceEval = 0;
  let lastVal: Metrics | undefined;
  try {
    for (let step = 1; step <= steps; step++) {
      if (signal?.aborted) throw new TrainingAbortedError(step - 1, curve, signal.reason);
      const t0 = now();
      const batch = batches.next().value as Batch;
      if (step === 1) checkOutputWidth(task, numOutputs, opts.train.numClasses, batch.labelWidth);
      const lossT = tf.tidy(() => {
        const x = tf.tensor4d(batch.x, batch.shape);
        const labels = labelTensors(task, batch, numOutputs);
        return optimizer.minimize(() => lossTensor(task, predictLogits(model, x, true), labels), true, vars) as tf.Scalar;
      });
      const loss = lossT.dataSync()[0];
      lossT.dispose();
      trainSeconds += now() - t0;
      imagesSeen += batch.size;
      lossSinceEval += loss;
      stepsSinceEval++;

      if (step % training.evalEvery === 0 || step === steps) {
        const e0 = now();
        lastVal = evaluate(model, opts.val, { batchSize });
        evalSeconds += now() - e0;
        const point: CurvePoint = {
          step,
          epoch: imagesSeen / opts.train.count,
          imagesSeen,
          trainLoss: lossSinceEval / stepsSinceEval,
          valLoss: lastVal.loss,
          valAuc: lastVal.auc,
          valAcc: lastVal.acc,
          trainSeconds,
        };
        curve.push(point);
        lossSinceEval = 0;
        stepsSinceEval = 0;
        opts.onEval?.(point);
      }

      if (opts.onProgress) {
        const evalsLeft = Math.floor(steps / training.evalEvery) - curve.length + (steps % training.evalEvery ? 1 : 0);
        const etaSeconds = (steps - step) * (trainSeconds / step) + (curve.length ? evalsLeft * (evalSeconds / curve.length) : 0);
        opts.onProgress({
          step,
          totalSteps: steps,
          epoch: imagesSeen / opts.train.count,
          loss,
          imagesPerSecond: trainSeconds > 0 ? imagesSeen / trainSeconds : 0,
          lastVal,
          etaSeconds,
        });
      }
      // let progress output flush and abort signals arrive between steps
      await yieldToEventLoop();
    }

    let test: Metrics | undefined;
    if (opts.test) {
      const e0 = now();
      test = evaluate(model, opts.test, { batchSize });
      evalSeconds += now() - e0;
    }
    return {
      curve,
      test,
      finalVal: lastVal as Metrics,
      steps,
      imagesSeen,
      trainSeconds,
      evalSeconds,
      imagesPerSecond: trainSeconds > 0 ? imagesSeen / trainSeconds : 0,
      backend: tf.getBackend(),
    };
  } finally {
    optimizer.dispose();
    batches.return(undefined);
  }
}
