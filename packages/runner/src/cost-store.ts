// Measured model costs in the store: one throughput record per architecture, input size and
// backend (`<experiment>/cost/<backbone>-<size>px-<backend>-<key>/throughput.json`), measured by
// the first trial that needs it and reused by every later one — keyed like the trials, so a new
// release measures again and a copied store keeps its records.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { type ModelCost, STORE_VERSION, type StepTiming, type ThroughputRecord, getLogger, parseThroughputRecord } from '@medtransfer/core';
import { type PhaseTiming, backendThreads, modelSteps, syntheticBatch, tfjsUsable, timeSteps } from '@medtransfer/engine';
import { type ClassifierModel, architectureFingerprint, modelCost } from '@medtransfer/zoo';
import { acquireLock } from './lock';
import { PROJECT_VERSION, type KeyParts, keyOf } from './plan';
import { DAMAGED_DIR, moveAside, writeJsonAtomic } from './store';

const log = getLogger('runner');

export const COST_DIR = 'cost';
export const THROUGHPUT_FILE = 'throughput.json';
/** Batch of the timed training step and evaluation pass (the bench's convention), or the trial's own batch when smaller (224-px nets train at 8–16 within the wasm heap). */
export const COST_BATCH = 32;
/** Seconds each phase is timed for after warm-up (at least 3 timed steps, 5 for single images). */
const PHASE_SECONDS = 1;

/** What a throughput record is measured for: the architecture (its fingerprint), input and backend. */
export interface ThroughputSubject {
  /** The backbone as trials name it (`resnet50`, `cbr-small-<hash>`), for people reading the record. */
  backbone: string;
  architecture: string;
  imageSize: number;
  channels: number;
  numClasses: number;
  /** The backend that runs (`native`, `wasm`, `node`, …). */
  backend: string;
  /** Batch of the timed training step and evaluation pass. */
  batch: number;
}

export function throughputKeyParts(s: ThroughputSubject): KeyParts {
  return {
    store: String(STORE_VERSION),
    release: PROJECT_VERSION,
    architecture: s.architecture,
    input: `${s.imageSize}x${s.imageSize}x${s.channels}`,
    classes: String(s.numClasses),
    backend: s.backend,
    batch: String(s.batch),
  };
}

const safe = (name: string) => name.replace(/[^a-zA-Z0-9._-]/g, '_');

/** The folder of a throughput record. */
export function throughputDir(experimentDir: string, s: ThroughputSubject, key: string): string {
  return join(experimentDir, COST_DIR, `${safe(s.backbone)}-${s.imageSize}px-${safe(s.backend)}-${key}`);
}

export interface ThroughputListing {
  records: Map<string, ThroughputRecord>;
  /** Damaged records: named by whoever reports, never counted. */
  problems: { file: string; message: string }[];
}

/** Every valid throughput record of an experiment by key, and the damaged ones. */
export function readThroughputRecords(experimentDir: string): ThroughputListing {
  const out: ThroughputListing = { records: new Map(), problems: [] };
  const root = join(experimentDir, COST_DIR);
  if (!existsSync(root)) return out;
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const file = join(root, entry.name, THROUGHPUT_FILE);
    if (!entry.isDirectory() || !existsSync(file)) continue;
    try {
      const record = parseThroughputRecord(readFileSync(file, 'utf8'), file);
      if (join(root, entry.name).endsWith(`-${record.key}`)) out.records.set(record.key, record);
      else out.problems.push({ file, message: `${file}: holds the record of key ${record.key}, not of its folder; it was copied into the wrong folder` });
    } catch (err) {
      out.problems.push({ file, message: (err as Error).message });
    }
  }
  return out;
}

function stepTiming(t: PhaseTiming | undefined): StepTiming {
  if (!t) throw new Error('internal: a timed phase is missing');
  return { batch: t.batch, medianMs: t.medianMs, imagesPerSecond: t.batch / (t.medianMs / 1000), samples: t.samples };
}

/**
 * Times a training step and an evaluation pass at batch COST_BATCH and a single-image forward
 * pass of `model` (built for the purpose: the training step changes its weights).
 */
export function measureThroughput(model: ClassifierModel, subject: ThroughputSubject, key: string, keyParts: KeyParts): ThroughputRecord {
  const shape: [number, number, number] = [subject.imageSize, subject.imageSize, subject.channels];
  const task = model.numClasses === 2 ? 'binary' : 'multi-class';
  const loadAverage = loadavg().map((x) => Math.round(x * 100) / 100);
  const big = modelSteps(model.model, syntheticBatch(subject.batch, shape, model.numClasses), task, model.numClasses);
  const one = modelSteps(model.model, syntheticBatch(1, shape, model.numClasses), task, model.numClasses);
  try {
    const name = `${subject.backbone}@${subject.imageSize}/${subject.backend}`;
    const t = timeSteps(name, [
      { name: 'train', batch: subject.batch, run: big.train },
      { name: 'infer', batch: subject.batch, run: big.infer },
    ], { timeSeconds: PHASE_SECONDS });
    const latency = timeSteps(name, [{ name: 'latency', batch: 1, run: one.infer }], { timeSeconds: PHASE_SECONDS, minSamples: 5 });
    return {
      key,
      storeVersion: STORE_VERSION,
      keyParts,
      backbone: subject.backbone,
      architecture: subject.architecture,
      imageSize: subject.imageSize,
      channels: subject.channels,
      numClasses: subject.numClasses,
      backend: subject.backend,
      threads: backendThreads(),
      train: stepTiming(t.get('train')),
      infer: stepTiming(t.get('infer')),
      latency: stepTiming(latency.get('latency')),
      loadAverage,
      cpu: cpus()[0]?.model.trim() ?? 'unknown',
      measuredAt: new Date().toISOString(),
    };
  } finally {
    big.dispose();
    one.dispose();
  }
}

/** What a trial's throughput record is measured for, but its architecture (fingerprinted from the built model). */
export function throughputSubject(
  backbone: string,
  stage: { imageSize: number; channels: number; training: { batchSize: number } },
  numClasses: number,
  backend: string,
): Omit<ThroughputSubject, 'architecture'> {
  return { backbone, imageSize: stage.imageSize, channels: stage.channels, numClasses, backend, batch: Math.min(COST_BATCH, stage.training.batchSize) };
}

/** A trial's cost, and whether its throughput was measured by this call (else read from the store, or not measured). */
export interface TrialCostOutcome {
  cost: ModelCost;
  measuredNow: boolean;
}

/**
 * The trial's counted cost, and its throughput record: read from the store when a valid one
 * exists, else measured on a model from `build` (disposed after) and written, under the record
 * folder's lock; when a live worker holds that lock (measuring the same record), the trial
 * records the key without waiting. A damaged record (or one of another key, copied into this
 * folder) is moved aside and measured again.
 * `measure: false` skips throughput (counted cost only).
 */
export function trialCostOutcome(
  experimentDir: string,
  model: ClassifierModel,
  subject: Omit<ThroughputSubject, 'architecture'>,
  build: () => ClassifierModel,
  measure: boolean,
): TrialCostOutcome {
  const counted = modelCost(model);
  if (!measure) return { cost: counted, measuredNow: false };
  const full: ThroughputSubject = { ...subject, architecture: architectureFingerprint(model.model) };
  const keyParts = throughputKeyParts(full);
  const key = keyOf(keyParts);
  const dir = throughputDir(experimentDir, full, key);
  const file = join(dir, THROUGHPUT_FILE);
  if (existsSync(file)) {
    try {
      const found = parseThroughputRecord(readFileSync(file, 'utf8'), file);
      if (found.key !== key) throw new Error(`${file}: holds the record of key ${found.key}, not ${key} (copied into the wrong folder?)`);
      return { cost: { ...counted, throughputKey: key }, measuredNow: false };
    } catch (err) {
      const moved = moveAside(dir, [THROUGHPUT_FILE], DAMAGED_DIR, (err as Error).message);
      log.warn(`${(err as Error).message}; moved to ${moved} and measured again`);
    }
  }
  const what = `the throughput of ${full.backbone} at ${full.imageSize} px on ${full.backend}`;
  // Another worker (or runner on the store) measuring the same record: this trial names the key and
  // trains on; measuring twice at once would cost the time twice and disturb both measurements.
  const lock = acquireLock(dir, what);
  if (!lock) {
    log.info(`${what} is being measured by another worker; this trial records its key`);
    return { cost: { ...counted, throughputKey: key }, measuredNow: false };
  }
  try {
    // measured by whoever held the lock before this one took it
    if (existsSync(file)) return { cost: { ...counted, throughputKey: key }, measuredNow: false };
    log.info(`measuring ${what} (batch ${full.batch} and 1)`);
    const fresh = build();
    try {
      writeJsonAtomic(file, measureThroughput(fresh, full, key, keyParts));
    } catch (err) {
      // a measurement that fails leaves the trial to train; a wasm heap that ran out fails it as training would
      if (!tfjsUsable()) throw err;
      log.warn(`could not measure ${what}: ${(err as Error).message}; the trial records its counted cost only`);
      return { cost: counted, measuredNow: false };
    } finally {
      if (tfjsUsable()) fresh.dispose();
    }
    return { cost: { ...counted, throughputKey: key }, measuredNow: true };
  } finally {
    lock.release();
  }
}

/** {@link trialCostOutcome}'s cost. */
export function trialCost(...args: Parameters<typeof trialCostOutcome>): ModelCost {
  return trialCostOutcome(...args).cost;
}
