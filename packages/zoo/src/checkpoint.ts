// Our own checkpoint format: a directory with `weights.json` (manifest) and `weights.bin`
// (float32 little-endian), both written atomically; weights map by stable `layer/basename` names.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DataFormatError, MedtransferError, formatPath, unknownNameMessage, writeFileAtomic } from '@medtransfer/core';
import { z } from 'zod';
import type { ClassifierModel } from './model';
import { layerOf, namedWeights, shapeOf } from './weight-names';

export const CHECKPOINT_FORMAT = 'medtransfer-checkpoint';
export const CHECKPOINT_VERSION = 1;
export const MANIFEST_FILE = 'weights.json';
export const WEIGHTS_FILE = 'weights.bin';

const entrySchema = z.object({
  name: z.string().regex(/^[^/]+\/[^/]+$/, 'expected "layer/weight"'),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.literal('float32'),
  /** Byte offset into weights.bin. */
  offset: z.number().int().nonnegative(),
  /** Byte length in weights.bin (4 × number of elements). */
  length: z.number().int().nonnegative(),
});

const manifestSchema = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  formatVersion: z.literal(CHECKPOINT_VERSION),
  backbone: z.string(),
  params: z.record(z.string(), z.unknown()),
  inputShape: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]),
  numClasses: z.number().int().positive(),
  paramCount: z.number().int().nonnegative(),
  /** SHA-256 of weights.bin: catches a .bin and .json from different saves. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  meta: z.record(z.string(), z.unknown()),
  weights: z.array(entrySchema),
});

export type WeightEntry = z.infer<typeof entrySchema>;
export type CheckpointManifest = z.infer<typeof manifestSchema>;

export interface CheckpointTensor {
  shape: number[];
  data: Float32Array;
}

/**
 * Weights by stable name from any source (our checkpoints, Keras .h5, tfjs Layers models):
 * what `loadWeights` consumes. `source` describes where they came from, for messages.
 */
export interface NamedWeights {
  source: string;
  /** By weight name (`block1_bn/moving_mean`), in source order. */
  tensors: Map<string, CheckpointTensor>;
}

export interface Checkpoint extends NamedWeights {
  dir: string;
  manifest: CheckpointManifest;
}

const LITTLE_ENDIAN = endianness() === 'LE';
const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function firstNonFinite(data: Float32Array): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return i;
  return -1;
}

/**
 * Saves every weight of `m` (batch-norm statistics included) to `dir`/weights.{json,bin}.
 * `meta` is stored as is (JSON). Refuses a model holding NaN or ±Inf weights.
 */
function weightEntries(named: ReturnType<typeof namedWeights>): { entries: WeightEntry[]; bytes: number } {
  const entries: WeightEntry[] = [];
  let offset = 0;
  for (const w of named) {
    if (w.variable.dtype !== 'float32') throw new Error(`internal: weight "${w.key}" has dtype ${w.variable.dtype}; checkpoints hold float32`);
    const shape = shapeOf(w.variable);
    const length = 4 * numel(shape);
    entries.push({ name: w.key, shape, dtype: 'float32', offset, length });
    offset += length;
  }
  return { entries, bytes: offset };
}

function manifestOf(m: ClassifierModel, entries: WeightEntry[], sha256: string, meta: Record<string, unknown>): CheckpointManifest {
  return {
    format: CHECKPOINT_FORMAT,
    formatVersion: CHECKPOINT_VERSION,
    backbone: m.backbone,
    params: m.params,
    inputShape: [...m.inputShape],
    numClasses: m.numClasses,
    paramCount: m.paramCount,
    sha256,
    meta,
    weights: entries,
  };
}

const manifestText = (manifest: CheckpointManifest) => `${JSON.stringify(manifest, null, 1)}\n`;

/** Bytes saveCheckpoint would write for `m` (weights.bin + weights.json), without writing or reading a weight. */
export function checkpointBytes(m: ClassifierModel, meta: Record<string, unknown> = {}): number {
  const { entries, bytes } = weightEntries(namedWeights(m.model));
  // the checksum is 64 hex digits whatever the weights are
  return bytes + Buffer.byteLength(manifestText(manifestOf(m, entries, '0'.repeat(64), meta)));
}

export function saveCheckpoint(m: ClassifierModel, dir: string, meta: Record<string, unknown> = {}): CheckpointManifest {
  const named = namedWeights(m.model);
  const { entries, bytes: offset } = weightEntries(named);
  const bin = Buffer.alloc(offset);
  named.forEach((w, i) => {
    const data = w.variable.read().dataSync() as Float32Array;
    const bad = firstNonFinite(data);
    if (bad >= 0) {
      throw new MedtransferError(
        `cannot save checkpoint to ${dir}: weight "${w.key}" holds ${data[bad]} at index ${bad}; ` +
          'training diverged (try a lower learning rate) and these weights are unusable',
      );
    }
    const at = entries[i].offset;
    if (LITTLE_ENDIAN) Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(bin, at);
    else for (let j = 0; j < data.length; j++) bin.writeFloatLE(data[j], at + 4 * j);
  });
  const manifest = manifestOf(m, entries, createHash('sha256').update(bin).digest('hex'), meta);
  mkdirSync(dir, { recursive: true });
  // The .bin goes first: a crash between the two renames leaves a checksum mismatch, never silence.
  writeFileAtomic(join(dir, WEIGHTS_FILE), bin);
  writeFileAtomic(join(dir, MANIFEST_FILE), manifestText(manifest));
  return manifest;
}

function readOrFail(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') {
      throw new DataFormatError(file, `not found; a checkpoint directory holds ${MANIFEST_FILE} and ${WEIGHTS_FILE}, as written by saveCheckpoint`);
    }
    throw new DataFormatError(file, `cannot read: ${e.message}`);
  }
}

function parseManifest(text: string, file: string): CheckpointManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new DataFormatError(file, `not valid JSON (${(err as Error).message}); the file is damaged, save the checkpoint again`);
  }
  const version = (raw as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof version === 'number' && version > CHECKPOINT_VERSION) {
    throw new DataFormatError(file, `checkpoint format version ${version} is newer than this medtransfer reads (${CHECKPOINT_VERSION}); upgrade medtransfer`);
  }
  const result = manifestSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new DataFormatError(file, `not a medtransfer checkpoint manifest: ${formatPath(issue.path) || '(top level)'}: ${issue.message}`);
  }
  const manifest = result.data;
  const names = new Set<string>();
  let expectOffset = 0;
  for (const e of manifest.weights) {
    if (names.has(e.name)) throw new DataFormatError(file, `weight "${e.name}" is listed twice`);
    names.add(e.name);
    if (e.length !== 4 * numel(e.shape)) {
      throw new DataFormatError(file, `weight "${e.name}": length ${e.length} bytes does not match shape [${e.shape}] of float32 (${4 * numel(e.shape)} bytes)`);
    }
    if (e.offset !== expectOffset) throw new DataFormatError(file, `weight "${e.name}": offset ${e.offset}, expected ${expectOffset} (weights are stored back to back)`);
    expectOffset += e.length;
  }
  return manifest;
}

/** Reads and checks a checkpoint directory: manifest, file size, NaN-free weights, checksum. */
export function readCheckpoint(dir: string): Checkpoint {
  const jsonFile = join(dir, MANIFEST_FILE);
  const binFile = join(dir, WEIGHTS_FILE);
  const manifest = parseManifest(readOrFail(jsonFile).toString('utf8'), jsonFile);
  const bin = readOrFail(binFile);
  const expected = manifest.weights.reduce((n, e) => n + e.length, 0);
  if (bin.length !== expected) {
    throw new DataFormatError(
      binFile,
      `has ${bin.length} bytes but ${MANIFEST_FILE} describes ${expected} bytes (${manifest.weights.length} tensors); ` +
        `the file is ${bin.length < expected ? 'truncated' : 'longer than expected'} or belongs to another checkpoint — save it again`,
    );
  }
  const tensors = new Map<string, CheckpointTensor>();
  for (const e of manifest.weights) {
    let data: Float32Array;
    if (LITTLE_ENDIAN) {
      // slice() copies into a fresh, 4-byte-aligned ArrayBuffer.
      data = new Float32Array(bin.buffer.slice(bin.byteOffset + e.offset, bin.byteOffset + e.offset + e.length));
    } else {
      data = new Float32Array(e.length / 4);
      for (let j = 0; j < data.length; j++) data[j] = bin.readFloatLE(e.offset + 4 * j);
    }
    const bad = firstNonFinite(data);
    if (bad >= 0) throw new DataFormatError(binFile, `weight "${e.name}" holds ${data[bad]} at index ${bad}; a checkpoint must be finite`);
    tensors.set(e.name, { shape: [...e.shape], data });
  }
  const sha = createHash('sha256').update(bin).digest('hex');
  if (sha !== manifest.sha256) {
    throw new DataFormatError(binFile, `content does not match the checksum in ${MANIFEST_FILE} (the two files come from different saves); save the checkpoint again`);
  }
  return { source: `checkpoint ${dir} (${manifest.backbone}, ${manifest.numClasses} classes)`, dir, manifest, tensors };
}

export interface ShapeMismatch {
  name: string;
  model: number[];
  checkpoint: number[];
}

export interface LoadReport {
  /** Loaded from the checkpoint. */
  matched: string[];
  /** In the model, not in the checkpoint: keep their fresh initialisation. */
  missing: string[];
  /** In the checkpoint, not in the model. */
  unexpected: string[];
  /** Only filled with `onShapeMismatch: 'skip'`; otherwise a mismatch throws. */
  shapeMismatch: ShapeMismatch[];
  /** In excluded layers (model or checkpoint side): left as initialised. */
  skipped: string[];
}

export interface LoadOptions {
  /** Layer names not to load, e.g. `m.headLayers` to keep a fresh head. */
  exclude?: string[];
  /** 'error' (default): a shape mismatch throws and nothing loads. 'skip': report it, load the rest. */
  onShapeMismatch?: 'error' | 'skip';
  /** Throw when any model weight is missing from the checkpoint or the checkpoint has unexpected weights. */
  strict?: boolean;
}

/** A checkpoint weight does not fit the model; `mismatches` lists every one. */
export class WeightShapeError extends MedtransferError {
  constructor(
    message: string,
    readonly mismatches: ShapeMismatch[],
  ) {
    super(message);
    this.name = 'WeightShapeError';
  }
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
const fmt = (s: readonly number[]) => `[${s.join(',')}]`;

/**
 * Copies named weights (a checkpoint or any other weight source) into `m` by name. All checks
 * run before any weight changes. Messages call the source "the checkpoint" whatever its kind.
 */
export function loadWeights(m: ClassifierModel, ckpt: NamedWeights, opts: LoadOptions = {}): LoadReport {
  const named = namedWeights(m.model);
  const layerNames = m.model.layers.map((l) => l.name);
  const exclude = new Set(opts.exclude ?? []);
  for (const name of exclude) {
    if (!layerNames.includes(name)) throw new MedtransferError(`loadWeights: cannot exclude ${unknownNameMessage('layer', name, layerNames)}`);
  }
  const report: LoadReport = { matched: [], missing: [], unexpected: [], shapeMismatch: [], skipped: [] };
  const writes: Array<[tf.LayerVariable, CheckpointTensor]> = [];
  for (const w of named) {
    const t = ckpt.tensors.get(w.key);
    if (exclude.has(w.layer)) report.skipped.push(w.key);
    else if (!t) report.missing.push(w.key);
    else if (!sameShape(t.shape, shapeOf(w.variable))) report.shapeMismatch.push({ name: w.key, model: shapeOf(w.variable), checkpoint: [...t.shape] });
    else {
      report.matched.push(w.key);
      writes.push([w.variable, t]);
    }
  }
  const modelKeys = new Set(named.map((w) => w.key));
  for (const key of ckpt.tensors.keys()) {
    if (modelKeys.has(key)) continue;
    if (exclude.has(layerOf(key))) report.skipped.push(key);
    else report.unexpected.push(key);
  }

  const what = `${ckpt.source} into ${m.backbone} (${m.numClasses} classes)`;
  if (report.shapeMismatch.length && (opts.onShapeMismatch ?? 'error') === 'error') {
    const lines = report.shapeMismatch.map((s) => `layer "${layerOf(s.name)}": ${s.name} is ${fmt(s.model)} in the model but ${fmt(s.checkpoint)} in the checkpoint`);
    const layers = [...new Set(report.shapeMismatch.map((s) => layerOf(s.name)))];
    throw new WeightShapeError(
      `cannot load ${what}: shape mismatch in ${lines.join('; ')}. Nothing was loaded. To keep these layers freshly ` +
        `initialised, pass exclude: ${JSON.stringify(layers)} (for the classifier: exclude: model.headLayers), or onShapeMismatch: 'skip'.`,
      report.shapeMismatch,
    );
  }
  if (opts.strict && (report.missing.length || report.unexpected.length)) {
    throw new MedtransferError(
      `cannot load ${what} strictly: missing from the checkpoint: [${report.missing.join(', ')}]; ` +
        `not in the model: [${report.unexpected.join(', ')}]. Check that the checkpoint was saved from the same backbone, or drop strict.`,
    );
  }
  // Copies, so the model never shares memory with the checkpoint (which may be loaded again).
  tf.tidy(() => {
    for (const [variable, t] of writes) variable.write(tf.tensor(t.data.slice(), t.shape, 'float32'));
  });
  return report;
}
