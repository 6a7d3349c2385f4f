// Refuses a training run whose step cannot fit the wasm heap (wasm and native backends), before
// the first step: measures the peak tensor memory of a step at batch 1 and 2 and extrapolates.
import * as tf from '@tensorflow/tfjs';
import type { Batch, TaskType, TrainingConfig } from '@medtransfer/core';
import { getLogger } from '@medtransfer/core';
import { predictLogits } from './evaluate';
import { labelTensors, lossTensor } from './losses';
import { optimizerMemory } from './optimizers';
import { type HeapEstimate, type HeapRunInfo, WASM_HEAP_MAX_BYTES, WasmAllocationError, WasmHeapError, guardWasmAllocations, isWasmHeapFailure, markTfjsUnusable, wasmHeapBackend } from './backend/heap-limit';

const log = getLogger('engine');

/** A predicted peak above this share of the heap is logged as a warning (it may still run out). */
export const HEAP_WARN_FRACTION = 0.8;

export interface StepMemoryProbe {
  model: tf.LayersModel;
  task: TaskType;
  numOutputs: number;
  /** A real batch; its first one and two images are used. */
  batch: Batch;
  vars: tf.Variable[];
}

/** The first `n` images of a batch. */
function headOf(batch: Batch, n: number): Batch {
  const [, h, w, c] = batch.shape;
  return {
    x: batch.x.subarray(0, n * h * w * c),
    shape: [n, h, w, c],
    labels: batch.labels.subarray(0, n * batch.labelWidth),
    labelWidth: batch.labelWidth,
    size: n,
  };
}

/** Peak tensor bytes (all live tensors included) of forward + backward at the batch's size. */
async function stepPeakBytes(p: StepMemoryProbe, batch: Batch): Promise<number> {
  const info = await tf.profile(() => {
    tf.tidy(() => {
      const x = tf.tensor4d(batch.x, batch.shape);
      const labels = labelTensors(p.task, batch, p.numOutputs);
      tf.variableGrads(() => lossTensor(p.task, predictLogits(p.model, x, true), labels), p.vars);
    });
  });
  return info.peakBytes;
}

/**
 * Peak tensor bytes of one training step as a function of the batch size: measured at batch 1
 * and 2 (activations and gradients grow linearly with the batch), `base + perImage × B`. The
 * model is left as it was: the batch-norm moving statistics the probe steps update are restored.
 */
export async function measureStepMemory(p: StepMemoryProbe): Promise<StepMemory> {
  const live = tf.memory().numBytes;
  const state = p.model.nonTrainableWeights.map((w) => tf.keep(w.read().clone()));
  try {
    const one = await stepPeakBytes(p, headOf(p.batch, 1));
    const two = await stepPeakBytes(p, headOf(p.batch, 2));
    const perImage = Math.max(0, two - one);
    return { base: one - perImage, perImage, live };
  } finally {
    p.model.nonTrainableWeights.forEach((w, i) => w.write(state[i]));
    tf.dispose(state);
  }
}

/** A step's measured tensor memory: peak of forward + backward = `base + perImage × B`; `live` before it. */
export interface StepMemory {
  base: number;
  perImage: number;
  live: number;
}

/**
 * Tensor bytes of the optimiser update, in units of the trainable weights' bytes: `slots`,
 * created at the first update (Adam's two moments, SGD's momentum), and `temporaries`, the
 * update's intermediates, which stay alive until the step's tf.tidy ends. Each optimiser's spec
 * gives both (measured numbers, see its file); they do not depend on the batch size.
 */
export function optimizerUpdateBytes(training: TrainingConfig, vars: tf.Variable[]): { slots: number; temporaries: number } {
  const paramBytes = vars.reduce((s, v) => s + v.size * 4, 0);
  const m = optimizerMemory(training.optimizer);
  return { slots: m.slots * paramBytes, temporaries: m.temporaries * paramBytes };
}

/**
 * The heap estimate of a step at `batchSize`. The step peaks either in forward + backward (grows
 * with the batch) or in the update (the weights, their gradients and the update's temporaries);
 * the slots are alive in both. `update.slots`: slots not yet allocated (0 on resume);
 * `paramBytes`: the trainable weights' bytes (their gradients are alive during the update).
 */
export function heapEstimate(m: StepMemory, batchSize: number, update: { slots: number; temporaries: number }, paramBytes = 0): HeapEstimate {
  const updatePeak = m.live + paramBytes + update.temporaries;
  const peakBytes = Math.max(m.base + m.perImage * batchSize, updatePeak) + update.slots;
  const room = WASM_HEAP_MAX_BYTES - m.base - update.slots;
  const maxBatchSize = updatePeak + update.slots > WASM_HEAP_MAX_BYTES ? 0 : m.perImage > 0 ? Math.max(0, Math.floor(room / m.perImage)) : batchSize;
  return { peakBytes, bytesPerImage: m.perImage, maxBatchSize };
}

/**
 * On the wasm heap backends, installs the allocation guard and refuses (WasmHeapError, nothing
 * allocated at full size) a run whose predicted step peak exceeds the heap limit. The estimate
 * counts tensors only, not kernel scratch or heap fragmentation (a real step's heap measured
 * 3–8 % above it; docs/backends.md), so a run predicted above HEAP_WARN_FRACTION of the heap
 * gets a warning. Does nothing on other backends or when the batch holds fewer than two images.
 */
export async function checkStepFitsHeap(p: StepMemoryProbe & { training: TrainingConfig; resumed: boolean }): Promise<HeapEstimate | undefined> {
  const backend = wasmHeapBackend();
  if (!backend) return undefined;
  guardWasmAllocations();
  const batchSize = p.training.batchSize;
  const run: HeapRunInfo = { backend, model: p.model.name, batchSize, imageSize: [p.batch.shape[1], p.batch.shape[2]] };
  if (p.batch.size < 2) return undefined;
  let m: StepMemory;
  try {
    m = await measureStepMemory(p);
  } catch (err) {
    if (!isWasmHeapFailure(err)) throw err;
    // not even a step at batch 1 or 2 fits; a wasm abort (not the guard) leaves tfjs unusable
    const aborted = !(err instanceof WasmAllocationError);
    if (aborted) markTfjsUnusable();
    throw new WasmHeapError(run, aborted, undefined, `${(err as Error).message} (in a probe step at batch 1 or 2)`);
  }
  const update = optimizerUpdateBytes(p.training, p.vars);
  // on resume the slots are restored already and counted in the measurement
  if (p.resumed) update.slots = 0;
  const estimate = heapEstimate(m, batchSize, update, p.vars.reduce((s, v) => s + v.size * 4, 0));
  if (estimate.peakBytes > WASM_HEAP_MAX_BYTES) throw new WasmHeapError(run, false, estimate);
  if (estimate.peakBytes > HEAP_WARN_FRACTION * WASM_HEAP_MAX_BYTES) {
    log.warn(
      `${run.model} at batch size ${batchSize}: a training step needs about ${(estimate.peakBytes / 1024 ** 3).toFixed(2)} GiB of tensors, ` +
        `over ${HEAP_WARN_FRACTION * 100}% of the ${backend} backend's 4 GiB wasm heap; it may run out (then lower training.batchSize to about ${Math.floor(estimate.maxBatchSize * HEAP_WARN_FRACTION)})`,
    );
  }
  return estimate;
}
