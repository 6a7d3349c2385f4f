// Resumable training: every K steps the loop's whole state (model weights incl. batch-norm
// statistics, optimiser slots, data-order position, curve, counters, timing) goes to one file;
// a rerun of the same run restores it and continues exactly where the saved run was.
import { existsSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { CurvePoint, Metrics, TrainingConfig } from '@medtransfer/core';
import { MedtransferError, getLogger, stableHash } from '@medtransfer/core';
import { StateDtype, TensorGroups, TensorRecord, readStateFile, removeStateFile, writeStateFile } from './state-file';

const log = getLogger('engine');

/** Steps between checkpoints when `training.checkpointEvery` is not given. */
export const DEFAULT_CHECKPOINT_EVERY = 200;
/** The state file inside the checkpoint folder. */
export const TRAIN_STATE_FILE = 'train-state.bin';
/** Bumped when the saved state's meaning changes, so an old file is not resumed. */
const STATE_VERSION = 1;

export interface CheckpointOptions {
  /** Folder of the state file (created when needed). */
  dir: string;
  /** Save after every `every` optimiser steps (never after the last step); 0 saves nothing but still resumes. */
  every: number;
  /** Identity of the run known to the caller (e.g. the trial key); a state saved under another key is ignored. */
  key?: string;
  /** Leave the state file on disk when training finishes (the caller removes it); default: removed. */
  keepOnFinish?: boolean;
}

/** Where the training-order generator is: pass `pass`, `batch` full batches of it already trained on. */
export interface DataPosition {
  pass: number;
  batch: number;
}

/** The training loop's own variables, saved with the tensors. */
export interface LoopState {
  /** Optimiser steps done. */
  step: number;
  position: DataPosition;
  curve: CurvePoint[];
  imagesSeen: number;
  trainSeconds: number;
  evalSeconds: number;
  lossSinceEval: number;
  stepsSinceEval: number;
  lastVal?: Metrics;
  /** JSON state of loop extensions (e.g. early stopping: best value, best step, patience left). */
  extra?: Record<string, unknown>;
}

/** What identifies a run: a state saved by a run with another fingerprint is not resumed. */
export interface RunIdentity {
  training: TrainingConfig;
  seed: number;
  trainCount: number;
  valCount: number;
  trainableLayers?: string[];
  key?: string;
}

interface StateHeader {
  version: number;
  fingerprint: string;
  backend: string;
  savedAt: string;
  loop: LoopState;
  /** Optimiser fields that are variables but not part of `getWeights()` (Adam's β powers). */
  optimizerFields: string[];
}

/** Tensors saved besides the model and optimiser, e.g. the best-validation weights of early stopping. */
export type ExtraTensors = Record<string, tf.Tensor[]>;

export interface RestoredState {
  loop: LoopState;
  /** Extra tensor groups saved with the state; the caller owns (and disposes) them. */
  extraTensors: ExtraTensors;
}

/** Fingerprint of a run: its training config (without `checkpointEvery`), seed, data sizes and weight shapes. */
export function runFingerprint(model: tf.LayersModel, id: RunIdentity): string {
  const { checkpointEvery: _every, ...training } = id.training as TrainingConfig & { checkpointEvery?: number };
  const weights = model.weights.map((w) => w.shape);
  return stableHash({ version: STATE_VERSION, ...id, training, weights });
}

async function toRecord(name: string, t: tf.Tensor): Promise<TensorRecord> {
  const dtype: StateDtype = t.dtype === 'int32' ? 'int32' : 'float32';
  if (t.dtype !== 'int32' && t.dtype !== 'float32') throw new MedtransferError(`cannot save tensor ${name} of dtype ${t.dtype} in a training state`);
  const data = (await t.data()) as Float32Array | Int32Array;
  return { name, shape: t.shape.slice(), dtype, data };
}

const fromRecord = (r: TensorRecord) => tf.tensor(r.data, r.shape, r.dtype);

/**
 * Optimiser variables that `getWeights()` leaves out but the update reads: tfjs Adam keeps
 * β₁ᵗ and β₂ᵗ as variables and its `setWeights` recomputes them with `pow`, which can differ
 * from the running product in the last bit; saving them keeps a resumed run bit-identical.
 */
function optimizerVariableFields(optimizer: tf.Optimizer): string[] {
  return Object.entries(optimizer)
    .filter(([, v]) => v instanceof tf.Variable)
    .map(([k]) => k)
    .sort();
}

/** Reads the optimiser's state; tensors `getWeights()` made for the occasion (the iteration count) are disposed. */
async function optimizerRecords(optimizer: tf.Optimizer): Promise<{ weights: TensorRecord[]; fields: TensorRecord[] }> {
  let named: Awaited<ReturnType<tf.Optimizer['getWeights']>>;
  try {
    named = await optimizer.getWeights();
  } catch (err) {
    throw new MedtransferError(
      `optimizer ${optimizer.getClassName()} cannot report its state (${(err as Error).message}), so training cannot be checkpointed; set training.checkpointEvery to 0`,
    );
  }
  try {
    const weights = await Promise.all(named.map((n) => toRecord(n.name, n.tensor)));
    const fields = await Promise.all(optimizerVariableFields(optimizer).map((k) => toRecord(k, (optimizer as unknown as Record<string, tf.Tensor>)[k])));
    return { weights, fields };
  } finally {
    for (const n of named) if (!(n.tensor instanceof tf.Variable)) n.tensor.dispose();
  }
}

/**
 * Saves the state of a run and restores it. One instance per `train` call: `restore` before the
 * first step (with a fresh optimiser), `save` when `due`, `finish` after the last step.
 */
export class TrainCheckpointer {
  readonly file: string;
  /** Wall-clock seconds spent writing states (counted in neither training nor evaluation time). */
  saveSeconds = 0;

  constructor(
    readonly opts: CheckpointOptions,
    readonly fingerprint: string,
  ) {
    if (!Number.isInteger(opts.every) || opts.every < 0) {
      throw new MedtransferError(`checkpoint interval must be a whole number of steps ≥ 0, received ${opts.every}`);
    }
    this.file = join(opts.dir, TRAIN_STATE_FILE);
  }

  /** True when a state should be written after `step` of `totalSteps`. */
  due(step: number, totalSteps: number): boolean {
    return this.opts.every > 0 && step % this.opts.every === 0 && step < totalSteps;
  }

  /**
   * Loads a saved state of this run into `model` and `optimizer` (which must not have stepped
   * yet) and returns the loop state; undefined when there is no usable state. A state of another
   * run, or a damaged file, is reported and ignored: the run starts from step 0.
   */
  async restore(model: tf.LayersModel, optimizer: tf.Optimizer): Promise<RestoredState | undefined> {
    if (!existsSync(this.file)) return undefined;
    let contents: ReturnType<typeof readStateFile<StateHeader>>;
    try {
      contents = readStateFile<StateHeader>(this.file);
    } catch (err) {
      log.warn(`${(err as Error).message}; starting from step 0`);
      return undefined;
    }
    const { header, groups } = contents;
    if (header.version !== STATE_VERSION || header.fingerprint !== this.fingerprint) {
      log.warn(`${this.file} was saved by a different run (configuration, seed, data or model changed); starting from step 0`);
      return undefined;
    }
    if (header.backend !== tf.getBackend()) {
      log.warn(`${this.file} was saved on backend '${header.backend}', resuming on '${tf.getBackend()}': the curve will not be bit-identical to an uninterrupted run`);
    }
    const modelRecords = groups.model ?? [];
    const expected = model.weights;
    if (modelRecords.length !== expected.length || modelRecords.some((r, i) => r.shape.join() !== expected[i].shape.join())) {
      throw new MedtransferError(`${this.file}: saved weights do not match the model's ${expected.length} weights; delete the file to start afresh`);
    }
    const weights = modelRecords.map(fromRecord);
    try {
      model.setWeights(weights);
    } finally {
      tf.dispose(weights);
    }
    const optWeights = (groups.optimizer ?? []).map((r) => ({ name: r.name, tensor: fromRecord(r) }));
    try {
      await optimizer.setWeights(optWeights);
    } finally {
      tf.dispose(optWeights.map((n) => n.tensor));
    }
    for (const r of groups.optimizerFields ?? []) {
      const target = (optimizer as unknown as Record<string, unknown>)[r.name];
      if (!(target instanceof tf.Variable)) throw new MedtransferError(`${this.file}: optimizer has no variable "${r.name}" to restore`);
      tf.tidy(() => target.assign(fromRecord(r)));
    }
    const extraTensors: ExtraTensors = {};
    for (const [group, records] of Object.entries(groups)) {
      if (group.startsWith('extra:')) extraTensors[group.slice('extra:'.length)] = records.map(fromRecord);
    }
    log.info(`resuming from ${this.file} at step ${header.loop.step} (saved ${header.savedAt})`);
    return { loop: header.loop, extraTensors };
  }

  /** Writes the state after a step; the previous state stays valid until the new one is complete. */
  async save(model: tf.LayersModel, optimizer: tf.Optimizer, loop: LoopState, extra: ExtraTensors = {}): Promise<void> {
    const t0 = performance.now();
    const model_ = await Promise.all(model.getWeights().map((t, i) => toRecord(model.weights[i].name, t)));
    const opt = await optimizerRecords(optimizer);
    const groups: TensorGroups = { model: model_, optimizer: opt.weights, optimizerFields: opt.fields };
    for (const [name, tensors] of Object.entries(extra)) groups[`extra:${name}`] = await Promise.all(tensors.map((t, i) => toRecord(`${name}/${i}`, t)));
    const header: StateHeader = {
      version: STATE_VERSION,
      fingerprint: this.fingerprint,
      backend: tf.getBackend(),
      savedAt: new Date().toISOString(),
      loop,
      optimizerFields: opt.fields.map((f) => f.name),
    };
    writeStateFile(this.file, header, groups);
    this.saveSeconds += (performance.now() - t0) / 1000;
  }

  /** After the last step: removes the state unless the caller keeps it (and removes it later). */
  finish(): void {
    if (!this.opts.keepOnFinish) removeTrainState(this.opts.dir);
  }
}

/** Step, save time and backend of the state saved in `dir`, if there is a readable one (for tools and tests). */
export function inspectTrainState(dir: string): { step: number; savedAt: string; backend: string } | undefined {
  const file = join(dir, TRAIN_STATE_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const { header } = readStateFile<StateHeader>(file);
    return { step: header.loop.step, savedAt: header.savedAt, backend: header.backend };
  } catch {
    return undefined;
  }
}

/** Removes a run's saved state from `dir`, and `dir` once empty (the caller's cleanup when it used `keepOnFinish`). */
export function removeTrainState(dir: string): void {
  removeStateFile(join(dir, TRAIN_STATE_FILE));
  try {
    rmdirSync(dir);
  } catch {
    // not empty (the caller keeps other files there) or already gone
  }
}
