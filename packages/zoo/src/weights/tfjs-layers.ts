// Reads the weights of a tfjs Layers model (model.json + binary shards) from a directory, a
// model.json path or an http(s) URL, decoding float32 and quantized (uint8/uint16/float16) weights.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DataFormatError, getLogger } from '@medtransfer/core';
import type { CheckpointTensor, NamedWeights } from '../checkpoint';
import { weightBase } from '../weight-names';
import { addTensor, numel } from './tensors';

export interface TfjsLayersWeights extends NamedWeights {
  /** The model.json that was read (absolute path or URL). */
  modelJson: string;
  /** Layer names from the model topology (empty when model.json has none). */
  layers: string[];
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; min?: number; scale?: number; original_dtype?: string };
}

interface ManifestGroup {
  paths: string[];
  weights: WeightSpec[];
}

const log = getLogger('zoo/weights');
const isUrl = (s: string) => /^https?:\/\//i.test(s);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

async function fetchBytes(url: string, what: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    throw new DataFormatError(url, `cannot fetch ${what}: ${e.cause?.code ?? e.cause?.message ?? e.message}; check the URL and the network`);
  }
  if (!res.ok) throw new DataFormatError(url, `cannot fetch ${what}: HTTP ${res.status} ${res.statusText}; check the URL (the shards must sit beside model.json)`);
  return new Uint8Array(await res.arrayBuffer());
}

function readBytes(file: string, what: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new DataFormatError(file, e.code === 'ENOENT' ? `${what} not found (the shards must sit beside model.json)` : `cannot read ${what}: ${e.message}`);
  }
}

/** Every layer name in a Keras/tfjs topology (nested models included). */
function topologyLayerNames(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const n of node) topologyLayerNames(n, out);
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    const config = o.config as Record<string, unknown> | undefined;
    if (typeof o.class_name === 'string' && config && typeof config === 'object' && typeof config.name === 'string') out.add(config.name);
    for (const v of Object.values(o)) topologyLayerNames(v, out);
  }
  return out;
}

/**
 * Our key for a tfjs weight name. The layer is the segment before the basename; a `_N` suffix on
 * it (a TF1 scope clash, `conv1_1/kernel` for layer conv1) is dropped only when the topology
 * names the unsuffixed layer and not the suffixed one — `conv_dw_1` is a real MobileNet layer.
 */
export function tfjsWeightKey(name: string, layers: ReadonlySet<string>): string | undefined {
  const segs = name.split('/');
  if (segs.length < 2) return undefined;
  let layer = segs[segs.length - 2];
  const stripped = layer.replace(/_\d+$/, '');
  if (layers.size && !layers.has(layer) && layers.has(stripped)) layer = stripped;
  return `${layer}/${weightBase(name)}`;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 };

function float16ToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** Decodes one weight from `bytes` (little-endian, as tfjs writes), dequantizing `q * scale + min` like tfjs. */
function decode(spec: WeightSpec, bytes: Uint8Array, where: string): Float32Array {
  const n = numel(spec.shape);
  const q = spec.quantization;
  // A copy: aligned for Float32Array, and not sharing the shard's memory (Buffer#slice would share it).
  const copy = () => new Uint8Array(bytes).buffer;
  if (!q) {
    if (spec.dtype !== 'float32') throw new DataFormatError(where, `weight "${spec.name}" has dtype ${spec.dtype}; layer weights are float32`);
    if (LITTLE_ENDIAN) return new Float32Array(copy());
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return Float32Array.from({ length: n }, (_, i) => view.getFloat32(4 * i, true));
  }
  if ((q.original_dtype ?? spec.dtype) !== 'float32') throw new DataFormatError(where, `weight "${spec.name}" is quantized from ${q.original_dtype}; layer weights are float32`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (q.dtype === 'float16') return Float32Array.from({ length: n }, (_, i) => float16ToFloat32(view.getUint16(2 * i, true)));
  if (q.dtype !== 'uint8' && q.dtype !== 'uint16') throw new DataFormatError(where, `weight "${spec.name}": unknown quantization dtype "${q.dtype}" (tfjs writes uint8, uint16 or float16)`);
  if (typeof q.min !== 'number' || typeof q.scale !== 'number') throw new DataFormatError(where, `weight "${spec.name}": ${q.dtype} quantization without numeric min and scale`);
  const { min, scale } = q;
  return q.dtype === 'uint8' ? Float32Array.from(bytes, (v) => v * scale + min) : Float32Array.from({ length: n }, (_, i) => view.getUint16(2 * i, true) * scale + min);
}

function parseModelJson(bytes: Uint8Array, where: string): { groups: ManifestGroup[]; layers: Set<string> } {
  let json: { format?: unknown; modelTopology?: unknown; weightsManifest?: unknown };
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new DataFormatError(where, `not valid JSON (${(err as Error).message}); expected a tfjs Layers model.json`);
  }
  if (json.format === 'graph-model') {
    throw new DataFormatError(where, 'is a tfjs GraphModel (inference only, no named layers); use a Layers model (format "layers-model"), e.g. one converted with tensorflowjs_converter --input_format keras');
  }
  const manifest = json.weightsManifest;
  const valid =
    Array.isArray(manifest) &&
    manifest.every(
      (g) =>
        Array.isArray(g?.paths) &&
        g.paths.every((p: unknown) => typeof p === 'string') &&
        Array.isArray(g?.weights) &&
        g.weights.every((w: WeightSpec) => typeof w?.name === 'string' && Array.isArray(w.shape) && w.shape.every((d) => Number.isInteger(d) && d >= 0) && typeof w.dtype === 'string'),
    );
  if (!valid) throw new DataFormatError(where, 'has no valid "weightsManifest" ([{ paths: string[], weights: [{ name, shape, dtype }] }]); expected a tfjs Layers model.json');
  return { groups: manifest as ManifestGroup[], layers: topologyLayerNames(json.modelTopology) };
}

/**
 * Reads a tfjs Layers model's weights under our names. `location` is an http(s) URL of a
 * model.json, a model.json path, or a directory holding model.json. Shards are fetched with
 * Node's fetch or read from disk, relative to model.json; each group's bytes must match the manifest.
 */
export async function readTfjsLayers(location: string): Promise<TfjsLayersWeights> {
  let modelJson: string;
  let fetchRel: (rel: string) => Promise<{ where: string; bytes: Uint8Array }>;
  let jsonBytes: Uint8Array;
  if (isUrl(location)) {
    modelJson = location;
    jsonBytes = await fetchBytes(modelJson, 'model.json');
    fetchRel = async (rel) => {
      const where = new URL(rel, modelJson).href;
      return { where, bytes: await fetchBytes(where, 'weight shard') };
    };
  } else {
    const abs = resolve(location);
    let isDir = false;
    try {
      isDir = statSync(abs).isDirectory();
    } catch {
      throw new DataFormatError(abs, 'not found; expected a directory holding model.json, a model.json path, or an http(s) URL of a model.json');
    }
    modelJson = isDir ? join(abs, 'model.json') : abs;
    jsonBytes = readBytes(modelJson, 'model.json');
    fetchRel = async (rel) => {
      const where = join(dirname(modelJson), rel);
      return { where, bytes: readBytes(where, 'weight shard') };
    };
  }
  const { groups, layers } = parseModelJson(jsonBytes, modelJson);
  const tensors = new Map<string, CheckpointTensor>();
  for (const group of groups) {
    const shards = await Promise.all(group.paths.map(fetchRel));
    const where = shards.map((s) => s.where).join(', ');
    const total = shards.reduce((n, s) => n + s.bytes.length, 0);
    const sizes = group.weights.map((w) => numel(w.shape) * (BYTES[w.quantization?.dtype ?? w.dtype] ?? NaN));
    const expected = sizes.reduce((a, b) => a + b, 0);
    if (Number.isNaN(expected)) {
      const bad = group.weights.find((w) => !BYTES[w.quantization?.dtype ?? w.dtype])!;
      throw new DataFormatError(modelJson, `weight "${bad.name}" has unknown dtype ${bad.quantization?.dtype ?? bad.dtype}`);
    }
    if (total !== expected) {
      throw new DataFormatError(
        where,
        `${total < expected ? 'truncated' : 'too long'}: ${total} bytes, but model.json describes ${expected} bytes (${group.weights.length} weights); download the model again`,
      );
    }
    const bytes = shards.length === 1 ? shards[0].bytes : new Uint8Array(Buffer.concat(shards.map((s) => s.bytes)));
    let offset = 0;
    group.weights.forEach((spec, i) => {
      const data = decode(spec, bytes.subarray(offset, offset + sizes[i]), where);
      offset += sizes[i];
      const key = tfjsWeightKey(spec.name, layers);
      if (!key) throw new DataFormatError(modelJson, `weight "${spec.name}" has no layer part (expected "layer/weight")`);
      addTensor(tensors, key, [...spec.shape], data, modelJson, `"${spec.name}"`);
    });
  }
  log.debug(`read ${tensors.size} tensors from ${modelJson}`);
  return { source: `tfjs Layers model ${modelJson}`, modelJson, layers: [...layers], tensors };
}
