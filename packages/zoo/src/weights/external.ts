// Pretrained weights named in an experiment file (`params.weights` of a backbone): parsing and
// checking the reference, reading it with a content fingerprint, and fitting it to a model.
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ComponentRef, ConfigError, MedtransferError, getLogger, unknownNameMessage } from '@medtransfer/core';
import { MANIFEST_FILE, type NamedWeights, WEIGHTS_FILE } from '../checkpoint';
import type { ClassifierModel } from '../model';
import { backbones } from '../registry';
import { layerOf, namedWeights, shapeOf } from '../weight-names';
import { adaptFirstConv, dropClassifier } from './adapt';
import { WEIGHT_SOURCE_KINDS, type WeightSourceKind, type WeightSourceSpec, loadWeightSource } from './index';
import { KERAS_APPLICATIONS, type KerasApplicationsFile, describeFit, fitsBackbone, imagenetBackbones, imagenetFileFor, kerasApplicationsFile } from './keras-applications';

const logger = getLogger('zoo/weights');

/** The backbone param that names external weights; it is not an architecture param. */
export const WEIGHTS_PARAM = 'weights';

const isUrl = (s: string) => /^https?:\/\//i.test(s);

const WHAT: Record<WeightSourceKind, string> = {
  checkpoint: 'a medtransfer checkpoint directory (weights.json + weights.bin)',
  'keras-h5': 'a Keras .h5 weight file',
  'tfjs-layers': 'a tfjs Layers model: a directory holding model.json, a model.json path, or an http(s) URL of a model.json',
};

/** The forms of `params.weights`, for messages: the readable kinds plus a named Keras Applications file. */
const CONFIG_KINDS = [...WEIGHT_SOURCE_KINDS, 'keras-applications'] as const;

export interface SplitOptions {
  /**
   * The Keras Applications cache folder, for `weights: imagenet` and `{kind: keras-applications}`
   * without `dir` (the runner passes its default; relative `dir`s resolve against the working directory).
   */
  weightsDir?: string;
}

/** A backbone's params with its defaults filled in, or as given if they do not parse (their own check reports that). */
function parsedParams(name: string, params: Record<string, unknown>, path: string): Record<string, unknown> {
  if (!backbones.has(name)) return params;
  try {
    return backbones.get(name).parseParams(params, path);
  } catch {
    return params;
  }
}

/** The cached file of a Keras Applications entry, as a keras-h5 source that remembers its name and folder. */
function cachedSpec(entry: KerasApplicationsFile, dir: string | undefined, opts: SplitOptions): WeightSourceSpec {
  const folder = dir ?? opts.weightsDir;
  if (folder === undefined) throw new MedtransferError(`internal: splitBackboneWeights needs opts.weightsDir to resolve "${entry.name}"`);
  return { kind: 'keras-h5', path: join(resolve(folder), entry.file), kerasApplications: { name: entry.name, dir: resolve(folder) } };
}

/** `{kind: keras-applications, name, dir?}`: a known name that fits the backbone. */
function namedFile(o: Record<string, unknown>, ref: ComponentRef, params: Record<string, unknown>, at: string, opts: SplitOptions): WeightSourceSpec {
  const extra = Object.keys(o).filter((k) => !['kind', 'name', 'dir'].includes(k));
  if (extra.length) throw new ConfigError(`${at}.${extra[0]}`, unknownNameMessage('key', extra[0], ['kind', 'name', 'dir']));
  if (typeof o.name !== 'string' || !o.name) {
    throw new ConfigError(`${at}.name`, `expected a Keras Applications file name such as resnet50-notop (\`medtransfer weights list\` lists them), received ${o.name === undefined ? 'nothing (required)' : JSON.stringify(o.name)}`);
  }
  let entry: KerasApplicationsFile;
  try {
    entry = kerasApplicationsFile(o.name);
  } catch (err) {
    throw new ConfigError(`${at}.name`, (err as Error).message);
  }
  const parsed = parsedParams(ref.name, params, at);
  if (!fitsBackbone(entry, ref.name, parsed)) {
    const fit = KERAS_APPLICATIONS.filter((e) => fitsBackbone(e, ref.name, parsed)).map((e) => e.name);
    const mine = entry.backbone === ref.name ? describeFit(ref.name, Object.fromEntries(Object.keys(entry.params).map((k) => [k, parsed[k]]))) : ref.name;
    throw new ConfigError(
      `${at}.name`,
      `${entry.name} holds weights for ${describeFit(entry.backbone, entry.params)}, but this backbone is ${mine}; ` +
        (fit.length ? `files that fit it: ${fit.join(', ')}` : `it has no Keras ImageNet file ("imagenet" is available for ${imagenetBackbones()})`),
    );
  }
  if (o.dir !== undefined && (typeof o.dir !== 'string' || !o.dir)) throw new ConfigError(`${at}.dir`, `expected a folder (the weights cache), received ${JSON.stringify(o.dir)}`);
  return cachedSpec(entry, o.dir as string | undefined, opts);
}

/**
 * Splits a backbone reference into the architecture (what the backbone's own params schema
 * checks) and the external weights, validating `params.weights` with errors at `path.params.weights…`.
 * `weights: imagenet` and `{kind: keras-applications, name, dir?}` become the cached file (kind
 * keras-h5) in `dir` or `opts.weightsDir`, with `kerasApplications` set.
 */
export function splitBackboneWeights(ref: ComponentRef, path: string, opts: SplitOptions = {}): { model: ComponentRef; weights?: WeightSourceSpec } {
  const params = ref.params ?? {};
  if (!(WEIGHTS_PARAM in params)) return { model: ref };
  const { [WEIGHTS_PARAM]: raw, ...rest } = params;
  const at = `${path}.params.${WEIGHTS_PARAM}`;
  const model = { name: ref.name, params: rest };
  const example = 'a mapping like {kind: keras-h5, path: ./resnet50_notop.h5}, or "imagenet"';
  if (raw === 'imagenet') return { model, weights: cachedSpec(imagenetFileFor(ref.name, parsedParams(ref.name, rest, at), at), undefined, opts) };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(at, `expected ${example} (kinds: ${CONFIG_KINDS.join(', ')}), received ${JSON.stringify(raw)}`);
  }
  const o = raw as Record<string, unknown>;
  if (o.kind === 'keras-applications') return { model, weights: namedFile(o, ref, rest, at, opts) };
  if (typeof o.kind !== 'string' || !(WEIGHT_SOURCE_KINDS as readonly string[]).includes(o.kind)) {
    throw new ConfigError(`${at}.kind`, o.kind === undefined ? `missing (required); one of ${CONFIG_KINDS.join(', ')}` : unknownNameMessage('value', String(o.kind), CONFIG_KINDS));
  }
  const extra = Object.keys(o).filter((k) => k !== 'kind' && k !== 'path');
  if (extra.length) throw new ConfigError(`${at}.${extra[0]}`, unknownNameMessage('key', extra[0], ['kind', 'path']));
  const kind = o.kind as WeightSourceKind;
  if (typeof o.path !== 'string' || !o.path) {
    throw new ConfigError(`${at}.path`, `expected ${WHAT[kind]}, received ${o.path === undefined ? 'nothing (required)' : JSON.stringify(o.path)}`);
  }
  return { model, weights: { kind, path: o.path } };
}

/**
 * Checks, without reading the weights, that a weight source exists where the config says:
 * relative paths resolve against the working directory (as dataset paths do).
 */
export function checkWeightSource(spec: WeightSourceSpec, path: string): void {
  const at = `${path}.params.${WEIGHTS_PARAM}.path`;
  if (isUrl(spec.path)) {
    if (spec.kind !== 'tfjs-layers') {
      throw new ConfigError(at, `a URL is only read for kind tfjs-layers; download ${WHAT[spec.kind]} and give its local path, received ${spec.path}`);
    }
    return;
  }
  const abs = resolve(spec.path);
  const where = `${abs}${abs === spec.path ? '' : ` (relative paths resolve against ${process.cwd()})`}`;
  if (!existsSync(abs)) throw new ConfigError(at, `not found: ${where}; expected ${WHAT[spec.kind]}`);
  const isDir = statSync(abs).isDirectory();
  const need = spec.kind === 'checkpoint' ? [MANIFEST_FILE, WEIGHTS_FILE] : spec.kind === 'tfjs-layers' && isDir ? ['model.json'] : [];
  if (spec.kind === 'keras-h5' && isDir) throw new ConfigError(at, `${where} is a directory; expected ${WHAT[spec.kind]}`);
  if (spec.kind === 'checkpoint' && !isDir) throw new ConfigError(at, `${where} is a file; expected ${WHAT[spec.kind]}`);
  for (const f of need) if (!existsSync(join(abs, f))) throw new ConfigError(at, `${where} has no ${f}; expected ${WHAT[spec.kind]}`);
}

export interface ExternalWeights {
  spec: WeightSourceSpec;
  weights: NamedWeights;
  /** `sha256:<hex>` of the weights read (see `weightsFingerprint`): part of every trial key using them. */
  fingerprint: string;
}

/**
 * SHA-256 over every tensor (name, shape, float32 values) in name order. It hashes what was read
 * rather than the file's bytes: HDF5 files store timestamps, so saving the same weights twice
 * gives other bytes, and a URL's content is only known once downloaded.
 */
export function weightsFingerprint(weights: NamedWeights): string {
  const h = createHash('sha256');
  for (const key of [...weights.tensors.keys()].sort()) {
    const t = weights.tensors.get(key)!;
    h.update(`${key}[${t.shape.join(',')}]\n`);
    h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return `sha256:${h.digest('hex')}`;
}

/** Reads a weight source (a URL is downloaded) and fingerprints its content. */
export async function readWeightSource(spec: WeightSourceSpec): Promise<ExternalWeights> {
  const weights = await loadWeightSource(spec);
  return { spec, weights, fingerprint: weightsFingerprint(weights) };
}

export interface FittedWeights {
  weights: NamedWeights;
  /** The adaptation steps taken, one line each (also logged by the steps themselves). */
  steps: string[];
}

/** Keras' automatic layer-name prefixes for layers with weights. */
const AUTO_PREFIXES = ['conv2d', 'batch_normalization', 'dense', 'depthwise_conv2d'];

/**
 * Renames Keras 2.0–2.2 automatic layer names to tf.keras ones. Old Keras numbered unnamed layers
 * from 1 (`conv2d_1` … `conv2d_94` in the InceptionV3 ImageNet file of keras.applications); tf.keras
 * and Keras 3 number from none (`conv2d`, `conv2d_1` … `conv2d_93`), as our backbones do. The layer
 * order is the same, so the file maps by shifting the index down by one. Done per prefix only when
 * the model has the bare name, the weights lack it, and the weights' indices are exactly 1..n.
 */
export function renumberKerasAutoNames(m: ClassifierModel, weights: NamedWeights): { weights: NamedWeights; log?: string } {
  const modelLayers = new Set(m.model.layers.map((l) => l.name));
  const weightLayers = new Set([...weights.tensors.keys()].map(layerOf));
  const shifted: string[] = [];
  const rename = new Map<string, string>();
  for (const p of AUTO_PREFIXES) {
    if (!modelLayers.has(p) || weightLayers.has(p)) continue;
    const re = new RegExp(`^${p}_(\\d+)$`);
    const idx = [...weightLayers].map((l) => re.exec(l)?.[1]).filter((d): d is string => d !== undefined).map(Number).sort((a, b) => a - b);
    if (!idx.length || idx.some((v, i) => v !== i + 1)) continue;
    for (const i of idx) rename.set(`${p}_${i}`, i === 1 ? p : `${p}_${i - 1}`);
    shifted.push(`${p}_1 … ${p}_${idx.length} → ${p} … ${p}_${idx.length - 1}`);
  }
  if (!rename.size) return { weights };
  const tensors = new Map([...weights.tensors].map(([k, v]) => [`${rename.get(layerOf(k)) ?? layerOf(k)}/${k.slice(k.lastIndexOf('/') + 1)}`, v] as const));
  const log = `renumbered Keras 2.0–2.2 automatic layer names to tf.keras numbering: ${shifted.join('; ')}`;
  logger.info(`${log} (${weights.source})`);
  return { weights: { source: `${weights.source}, Keras 2.0–2.2 names renumbered`, tensors }, log };
}

/**
 * Fits external weights to a model before an init strategy loads them: renumbers old Keras
 * automatic layer names (see `renumberKerasAutoNames`), drops the weights of the
 * model's classifier layers (the target has its own classes), and when the model's first conv
 * takes 1 channel but the weights' takes 3, sums that kernel over RGB. Any other shape
 * difference is left for `loadWeights`, which refuses it naming the layer and both shapes.
 */
export function fitWeightsToModel(m: ClassifierModel, weights: NamedWeights): FittedWeights {
  const steps: string[] = [];
  const renumbered = renumberKerasAutoNames(m, weights);
  if (renumbered.log) steps.push(renumbered.log);
  const dropped = dropClassifier(renumbered.weights, m.headLayers);
  steps.push(dropped.log);
  let out = dropped.weights;
  const first = m.model.layers.find((l) => l.getClassName() === 'Conv2D');
  const kernel = first && namedWeights(m.model).find((w) => w.layer === first.name && w.key.endsWith('/kernel'));
  const theirs = kernel && out.tensors.get(kernel.key);
  if (first && kernel && theirs && theirs.shape.length === 4 && shapeOf(kernel.variable)[2] === 1 && theirs.shape[2] === 3) {
    const adapted = adaptFirstConv(out, first.name, 1);
    steps.push(adapted.log);
    out = adapted.weights;
  }
  return { weights: out, steps };
}
