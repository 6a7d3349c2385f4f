// The training loop: seeded data order, one optimiser step per batch inside tf.tidy, validation
// every `evalEvery` steps (a learning-curve point), learning-rate schedule, gradient clipping,
// best-validation tracking and early stopping, test metrics of the final or best model at the end.
import * as tf from '@tensorflow/tfjs';
import type { Batch, BatchSource, CurvePoint, Metrics, TestFrom, TrainingConfig } from '@medtransfer/core';
import { ConfigError, MedtransferError, Rng, checkMetricForTask, metricValuesOf, unknownNameMessage, upgradeCurvePoint } from '@medtransfer/core';
import { evaluate, predictLogits } from './evaluate';
import { checkOutputWidth, labelTensors, lossTensor } from './losses';
import { clipGradients } from './clip';
import { type BestState, BestTracker } from './early-stopping';
import { createOptimizer } from './optimizers';
import { learningRateAt } from './schedules';
import type { TrainProgress, TrainResult } from './progress';
import { type CheckpointOptions, type DataPosition, TrainCheckpointer, runFingerprint } from './train-state';
import { checkStepFitsHeap } from './memory-check';
import { asWasmHeapError, tfjsUsable } from './backend/heap-limit';

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
  /**
   * Learning-rate multiplier per layer name (nested models are searched), e.g. the layers of
   * pretrained groups at 0.1; layers not named train at the scheduled rate (× 1).
   */
  layerLrMultipliers?: Record<string, number>;
  /** Called after every step. */
  onProgress?: (p: TrainProgress) => void;
  /** Called after every validation. */
  onEval?: (point: CurvePoint) => void;
  signal?: AbortSignal;
  /** Save a resumable state every `every` steps in `dir`, and resume from it (train-state.ts). */
  checkpoint?: CheckpointOptions;
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
function* trainBatches(source: BatchSource, batchSize: number, seed: number, position: DataPosition): Generator<Batch> {
  // `position` is updated in place (a checkpoint saves it) and, on resume, says where to start
  const start = { ...position };
  for (let pass = start.pass; ; pass++) {
    let taken = 0;
    for (const batch of source.epoch(batchSize, passSeed(seed, pass))) {
      if (batch.size < batchSize && source.count >= batchSize) continue;
      taken++;
      if (pass === start.pass && taken <= start.batch) continue; // trained on before the checkpoint
      position.pass = pass;
      position.batch = taken;
      yield batch;
    }
    if (!taken) throw new MedtransferError(`the training split yielded no batch in pass ${pass} (count ${source.count})`);
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

/** Steps between validations: `evalEvery`, or the steps of one pass for `epoch`. */
export function evalInterval(training: TrainingConfig, trainCount: number): number {
  if (training.evalEvery !== 'epoch') return training.evalEvery;
  // a pass skips its incomplete last batch (see trainBatches), unless the split is smaller than a batch
  return trainCount >= training.batchSize ? Math.floor(trainCount / training.batchSize) : 1;
}

/** Which model the test metrics come from: `testFrom`, else best-val with early stopping, else final. */
export function resolveTestFrom(training: TrainingConfig): TestFrom {
  return training.testFrom ?? (training.earlyStopping ? 'best-val' : 'final');
}

/** Variable name → learning-rate multiplier, from multipliers per layer name. */
export function variableLrMultipliers(model: tf.LayersModel, byLayer: Record<string, number> = {}): Map<string, number> {
  const root = model as unknown as Container;
  const out = new Map<string, number>();
  for (const [name, mult] of Object.entries(byLayer)) {
    const layer = findLayer(root, name);
    if (!layer) throw new ConfigError(`layerLrMultipliers.${name}`, unknownNameMessage('layer', name, allLayerNames(root)));
    if (!(mult >= 0) || !Number.isFinite(mult)) throw new ConfigError(`layerLrMultipliers.${name}`, `a multiplier must be a number ≥ 0, received ${mult}`);
    for (const w of layer.trainableWeights) out.set((w.read() as tf.Variable).name, mult);
  }
  return out;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
const now = () => performance.now() / 1000;

/**
 * Trains `model` in place. Each step runs the model in training mode (batch norm uses batch
 * statistics and updates its moving averages) and applies one optimiser update to the
 * trainable variables at the scheduled rate, after clipping. Validation runs every
 * `evalEvery` steps (or epoch) and after the last step; early stopping may end the run after a
 * validation. Test metrics come from the final model, or from the best validation checkpoint
 * (restored into `model`) when `testFrom` is best-val. The optimiser is disposed before returning.
 */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const { model, training, signal } = opts;
  const task = opts.train.task;
  const batchSize = training.batchSize;
  if (opts.train.count === 0) throw new MedtransferError('cannot train on an empty training split (count 0)');
  const steps = totalSteps(training, opts.train.count);
  const vars = trainableVariables(model, opts.trainableLayers);
  const numOutputs = model.outputs[0].shape[model.outputs[0].shape.length - 1] as number;
  const evalEvery = evalInterval(training, opts.train.count);
  // a metric the task does not define (kappa for a binary task) would be NaN at every validation:
  // no best, and patience would stop the run blindly
  if (training.earlyStopping) checkMetricForTask(training.earlyStopping.metric, task, 'training.earlyStopping.metric', ['loss']);
  const lrMultipliers = variableLrMultipliers(model, opts.layerLrMultipliers);
  const clip = { clipNorm: training.optimizer.clipNorm, clipValue: training.optimizer.clipValue };
  const optimizer = createOptimizer(training.optimizer);
  optimizer.setLrMultipliers(lrMultipliers);
  const { checkpoint } = opts;
  const ckpt = checkpoint && new TrainCheckpointer(checkpoint, runFingerprint(model, { training, seed: opts.seed, trainCount: opts.train.count, valCount: opts.val.count, trainableLayers: opts.trainableLayers, key: checkpoint.key }));
  const resumed = await ckpt?.restore(model, optimizer).catch((err: unknown) => {
    optimizer.dispose();
    throw err;
  });
  const position: DataPosition = resumed?.loop.position ?? { pass: 0, batch: 0 };
  const batches = trainBatches(opts.train, batchSize, opts.seed, position);

  // (a state saved before curve points had `val` holds them in the old layout)
  const curve: CurvePoint[] = (resumed?.loop.curve ?? []).map(upgradeCurvePoint);
  let imagesSeen = resumed?.loop.imagesSeen ?? 0;
  let trainSeconds = resumed?.loop.trainSeconds ?? 0;
  let evalSeconds = resumed?.loop.evalSeconds ?? 0;
  let lossSinceEval = resumed?.loop.lossSinceEval ?? 0;
  let stepsSinceEval = resumed?.loop.stepsSinceEval ?? 0;
  let lastVal: Metrics | undefined = resumed?.loop.lastVal;
  const firstStep = (resumed?.loop.step ?? 0) + 1;
  // best validation checkpoint: tracked for early stopping or for test-from-best; its weights
  // are copies held in memory (and saved with training checkpoints)
  const testFrom = resolveTestFrom(training);
  const es = training.earlyStopping;
  const tracker =
    es || testFrom === 'best-val'
      ? new BestTracker({ metric: es?.metric ?? 'auc', patience: es?.patience, minDelta: es?.minDelta ?? 0 }, resumed?.loop.extra?.best as BestState | undefined)
      : undefined;
  let bestWeights: tf.Tensor[] | undefined = resumed?.extraTensors.best;
  let stoppedEarly = false;
  let lastStep = firstStep - 1;
  let imageSize: [number, number] = [0, 0];
  try {
    for (let step = firstStep; step <= steps; step++) {
      if (signal?.aborted) throw new TrainingAbortedError(step - 1, curve, signal.reason);
      let t0 = now();
      const batch = batches.next().value as Batch;
      if (step === firstStep) {
        checkOutputWidth(task, numOutputs, opts.train.numClasses, batch.labelWidth);
        imageSize = [batch.shape[1], batch.shape[2]];
        // wasm heap backends: refuse a step that cannot fit the 4 GiB heap before running it
        await checkStepFitsHeap({ model, task, numOutputs, batch, vars, training, resumed: !!resumed });
        t0 = now();
      }
      const lossT = tf.tidy(() => {
        const x = tf.tensor4d(batch.x, batch.shape);
        const labels = labelTensors(task, batch, numOutputs);
        // the rate is a function of the step only, so a resumed run continues the schedule exactly
        optimizer.learningRate = learningRateAt(training.optimizer, step, steps);
        const { value, grads } = optimizer.computeGradients(() => lossTensor(task, predictLogits(model, x, true), labels), vars);
        optimizer.applyGradients(clipGradients(grads, clip));
        return value;
      });
      const loss = lossT.dataSync()[0];
      lossT.dispose();
      trainSeconds += now() - t0;
      imagesSeen += batch.size;
      lossSinceEval += loss;
      stepsSinceEval++;
      lastStep = step;

      if (step % evalEvery === 0 || step === steps) {
        const e0 = now();
        lastVal = evaluate(model, opts.val, { batchSize });
        evalSeconds += now() - e0;
        const point: CurvePoint = {
          step,
          epoch: imagesSeen / opts.train.count,
          imagesSeen,
          trainLoss: lossSinceEval / stepsSinceEval,
          valLoss: lastVal.loss,
          val: metricValuesOf(lastVal),
          trainSeconds,
        };
        curve.push(point);
        lossSinceEval = 0;
        stepsSinceEval = 0;
        opts.onEval?.(point);
        if (tracker?.observe(step, lastVal)) {
          tf.dispose(bestWeights);
          bestWeights = model.getWeights().map((w) => tf.keep(w.clone()));
        }
        stoppedEarly = !!tracker?.shouldStop && step < steps;
      }

      if (opts.onProgress) {
        const evalsLeft = Math.floor(steps / evalEvery) - curve.length + (steps % evalEvery ? 1 : 0);
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
      if (stoppedEarly) break;
      if (ckpt?.due(step, steps)) {
        const extra = tracker ? { best: tracker.state } : undefined;
        await ckpt.save(
          model,
          optimizer,
          { step, position: { ...position }, curve, imagesSeen, trainSeconds, evalSeconds, lossSinceEval, stepsSinceEval, lastVal, extra },
          bestWeights ? { best: bestWeights } : {},
        );
      }
      // let progress output flush and abort signals arrive between steps
      await yieldToEventLoop();
    }

    // test (and the model left in place) from the best validation checkpoint when asked
    const restoreBest = testFrom === 'best-val' && bestWeights !== undefined;
    if (restoreBest) model.setWeights(bestWeights as tf.Tensor[]);
    let test: Metrics | undefined;
    if (opts.test) {
      const e0 = now();
      test = evaluate(model, opts.test, { batchSize });
      evalSeconds += now() - e0;
    }
    ckpt?.finish();
    return {
      curve,
      test,
      finalVal: lastVal as Metrics,
      steps: lastStep,
      plannedSteps: steps,
      stoppedEarly,
      testFrom: restoreBest ? 'best-val' : 'final',
      ...(tracker?.state.bestStep != null ? { bestStep: tracker.state.bestStep, bestVal: tracker.state.bestVal } : {}),
      imagesSeen,
      trainSeconds,
      evalSeconds,
      imagesPerSecond: trainSeconds > 0 ? imagesSeen / trainSeconds : 0,
      backend: tf.getBackend(),
    };
  } catch (err) {
    // the wasm heap running out becomes an error that says so and what to do
    throw asWasmHeapError(err, { model: model.name, batchSize, imageSize });
  } finally {
    // after the wasm module failed, every tfjs call fails and would hide the error
    if (tfjsUsable()) {
      optimizer.dispose();
      tf.dispose(bestWeights);
    }
    batches.return(undefined);
  }
}
