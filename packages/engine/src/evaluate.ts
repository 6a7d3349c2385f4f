// Evaluation of a model on one split: batched inference (no batch-norm updates), loss, and
// every registered metric (core's metrics). Only one batch of logits lives in a tensor at a time.
import * as tf from '@tensorflow/tfjs';
import type { BatchSource, Metrics } from '@medtransfer/core';
import { MedtransferError, computeMetrics } from '@medtransfer/core';
import { foldedEvaluator } from './folded/evaluator';
import { checkLogits, checkOutputWidth, probabilitiesAndLoss } from './losses';

/**
 * How evaluation runs a model: `folded` (batch norm folded into fused convolutions, see
 * folded/evaluator.ts; models it cannot plan run layer by layer anyway) or `layers` (the model's
 * own inference call, layer by layer).
 */
export type EvalPath = 'folded' | 'layers';
export const EVAL_PATHS: readonly EvalPath[] = ['folded', 'layers'];

/**
 * The path `evaluate` (validation and test) takes unless told otherwise: folded, 1.1–2.8× the
 * images/s of the layer-by-layer call on the native path (docs/performance.md, "Evaluation: folded
 * batch norm"). Training steps always run the model's own call.
 */
export const DEFAULT_EVAL_PATH: EvalPath = 'folded';

export interface EvaluateOptions {
  batchSize: number;
  /** Default `DEFAULT_EVAL_PATH`. */
  path?: EvalPath;
}

/** Runs the model in inference mode on one batch and returns its logits as a 2-D tensor. */
export function predictLogits(model: tf.LayersModel, x: tf.Tensor4D, training = false): tf.Tensor2D {
  return checkLogits(model, model.apply(x, { training }));
}

/**
 * Loss, every registered metric the task defines (AUC, ACC, kappa for ordinal tasks, …) and
 * per-class AUC of `model` on every image of `source`, in its stored order.
 * Loss: mean softmax cross-entropy (binary, multi-class, ordinal) or mean sigmoid
 * cross-entropy over known entries (multi-label). Metrics: see core's `computeMetrics`.
 */
export function evaluate(model: tf.LayersModel, source: BatchSource, opts: EvaluateOptions): Metrics {
  const total = source.count;
  if (total === 0) throw new MedtransferError('cannot evaluate on an empty split (count 0)');
  let k = 0;
  let labelWidth = 0;
  let probs = new Float32Array(0);
  let labels = new Int32Array(0);
  let seen = 0;
  let lossSum = 0;
  let terms = 0;
  // folded weights are computed once per evaluation, from the weights as they are now
  const evaluator = (opts.path ?? DEFAULT_EVAL_PATH) === 'folded' ? foldedEvaluator(model) : null;
  const predict = (x: tf.Tensor4D) => (evaluator ? evaluator.predict(x) : predictLogits(model, x));
  try {
    for (const batch of source.epoch(opts.batchSize)) {
      const logitsT = tf.tidy(() => predict(tf.tensor4d(batch.x, batch.shape)));
      const logits = logitsT.dataSync() as Float32Array;
      const width = logitsT.shape[1];
      logitsT.dispose();
      if (seen === 0) {
        k = width;
        labelWidth = batch.labelWidth;
        checkOutputWidth(source.task, k, source.numClasses, labelWidth);
        probs = new Float32Array(total * k);
        labels = new Int32Array(total * labelWidth);
      }
      if (seen + batch.size > total) {
        throw new MedtransferError(`batch source yielded more than its count of ${total} images in one pass`);
      }
      labels.set(batch.labels, seen * labelWidth);
      const part = probabilitiesAndLoss(source.task, logits, k, batch.labels, probs, seen * k);
      lossSum += part.lossSum;
      terms += part.terms;
      seen += batch.size;
    }
  } finally {
    evaluator?.dispose();
  }
  if (seen !== total) {
    throw new MedtransferError(`batch source yielded ${seen} images in one pass but reports count ${total}`);
  }
  const m = computeMetrics(source.task, labels, labelWidth, probs, k);
  return { loss: terms ? lossSum / terms : NaN, ...m.values, perClassAuc: m.perClassAuc };
}
