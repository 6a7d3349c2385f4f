// Losses per task type: softmax cross-entropy on class indices (binary, multi-class, ordinal)
// and sigmoid cross-entropy over the known entries (multi-label, -1 = unknown) — as tensors
// for training, and on plain arrays for evaluation.
import * as tf from '@tensorflow/tfjs';
import type { Batch, TaskType } from '@medtransfer/core';
import { MedtransferError } from '@medtransfer/core';

/** Label tensors for one batch; `weights` masks unknown multi-label entries. */
export interface LabelTensors {
  /** One-hot class targets, or 0/1 label targets (unknown entries set to 0). */
  targets: tf.Tensor2D;
  /** Multi-label only: 1 for a known entry, 0 for a masked one. */
  weights?: tf.Tensor2D;
  /** Multi-label only: number of known entries (the loss is their mean). */
  known?: number;
}

/** Checks that a model's output width fits the task: one logit per class or per label. */
export function checkOutputWidth(task: TaskType, numOutputs: number, numClasses: number, labelWidth: number): void {
  const expected = task === 'multi-label' ? labelWidth : numClasses;
  if (numOutputs !== expected) {
    const what = task === 'multi-label' ? `${labelWidth} labels` : `${numClasses} classes`;
    throw new MedtransferError(
      `the model outputs ${numOutputs} logits per image but the ${task} dataset has ${what}; ` +
        `build the head with ${expected} outputs (binary tasks use 2 softmax outputs)`,
    );
  }
}

/** A model's output as a [batch, outputs] logits tensor, or an error naming what it gave instead. */
export function checkLogits(model: tf.LayersModel, out: tf.Tensor | tf.Tensor[] | unknown): tf.Tensor2D {
  if (Array.isArray(out) || !(out instanceof tf.Tensor)) {
    throw new MedtransferError(`model "${model.name}" has ${Array.isArray(out) ? out.length : 0} outputs; training expects one logits output`);
  }
  if (out.rank !== 2) {
    throw new MedtransferError(`model "${model.name}" outputs shape [${out.shape.join(', ')}]; expected [batch, classes] logits`);
  }
  return out as tf.Tensor2D;
}

/** Builds the label tensors of a batch (call inside tf.tidy). */
export function labelTensors(task: TaskType, batch: Batch, numOutputs: number): LabelTensors {
  if (task !== 'multi-label') {
    for (let i = 0; i < batch.labels.length; i++) {
      const y = batch.labels[i];
      // oneHot would silently turn an out-of-range label into an all-zero target (zero loss)
      if (!(y >= 0 && y < numOutputs)) {
        throw new MedtransferError(`batch label ${i} is ${y}; a ${task} label must be a class index 0…${numOutputs - 1}`);
      }
    }
    const idx = tf.tensor1d(batch.labels, 'int32');
    return { targets: tf.oneHot(idx, numOutputs).toFloat() as tf.Tensor2D };
  }
  const n = batch.labels.length;
  const targets = new Float32Array(n);
  const weights = new Float32Array(n);
  let known = 0;
  for (let i = 0; i < n; i++) {
    const y = batch.labels[i];
    if (y === -1) continue;
    targets[i] = y;
    weights[i] = 1;
    known++;
  }
  const shape: [number, number] = [batch.size, batch.labelWidth];
  return { targets: tf.tensor2d(targets, shape), weights: tf.tensor2d(weights, shape), known };
}

/** Mean loss of a batch as a scalar tensor, differentiable in `logits`. */
export function lossTensor(task: TaskType, logits: tf.Tensor2D, labels: LabelTensors): tf.Scalar {
  if (task !== 'multi-label') return tf.losses.softmaxCrossEntropy(labels.targets, logits) as tf.Scalar;
  const perEntry = tf.losses.sigmoidCrossEntropy(labels.targets, logits, labels.weights, 0, tf.Reduction.NONE);
  // mean over known entries; a batch with none known contributes 0 (and zero gradient), not NaN
  return tf.div(tf.sum(perEntry), Math.max(labels.known ?? 0, 1)) as tf.Scalar;
}

/**
 * Turns a block of logits (`rows × k`, row-major) into probabilities written to `probs` at
 * `offset`, and returns the summed loss and how many terms it sums (rows for class tasks,
 * known entries for multi-label). Float64 arithmetic with the usual stable forms.
 */
export function probabilitiesAndLoss(
  task: TaskType,
  logits: Float32Array,
  k: number,
  labels: Int32Array,
  probs: Float32Array,
  offset: number,
): { lossSum: number; terms: number } {
  const rows = logits.length / k;
  let lossSum = 0;
  let terms = 0;
  if (task === 'multi-label') {
    for (let i = 0; i < logits.length; i++) {
      const x = logits[i];
      probs[offset + i] = 1 / (1 + Math.exp(-x));
      const z = labels[i];
      if (z === -1) continue;
      lossSum += Math.max(x, 0) - x * z + Math.log1p(Math.exp(-Math.abs(x)));
      terms++;
    }
    return { lossSum, terms };
  }
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, logits[r * k + c]);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(logits[r * k + c] - max);
    for (let c = 0; c < k; c++) probs[offset + r * k + c] = Math.exp(logits[r * k + c] - max) / sum;
    lossSum += max + Math.log(sum) - logits[r * k + labels[r]];
    terms++;
  }
  return { lossSum, terms };
}
