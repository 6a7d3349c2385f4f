// Reads Keras HDF5 weight files (`save_weights('x.h5')`, `save('x.h5')`, the keras.applications
// ImageNet files) into named weights, matched to our models by Keras layer name.
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Dataset, Group } from 'h5wasm';
import { DataFormatError, MedtransferError, getLogger } from '@medtransfer/core';
import type { CheckpointTensor, NamedWeights } from '../checkpoint';
import { weightBase } from '../weight-names';
import { addTensor } from './tensors';

type H5Api = (typeof import('h5wasm'))['default'];

export interface KerasH5Weights extends NamedWeights {
  file: string;
  /** 'weights': layers at the root (`save_weights`, keras.applications); 'model': under `/model_weights` (`save`). */
  layout: 'weights' | 'model';
  /** `layer_names` in file order, including layers without weights. */
  layers: string[];
  kerasVersion?: string;
  backend?: string;
}

const log = getLogger('zoo/weights');

// With `module: commonjs`, TypeScript turns `import()` into `require()`, which cannot load the
// ESM-only h5wasm; an import() built with Function survives compilation.
const nativeImport = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;
let h5wasmLoading: Promise<H5Api> | undefined;

/** The file of `h5wasm/node`. Its `exports` has only an `import` condition, so require.resolve cannot find it. */
function h5wasmNodeEntry(): string {
  for (const dir of require.resolve.paths('h5wasm') ?? []) {
    const pkgFile = join(dir, 'h5wasm', 'package.json');
    if (!existsSync(pkgFile)) continue;
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports?: Record<string, { import?: string }> };
    return join(dir, 'h5wasm', pkg.exports?.['./node']?.import ?? './dist/node/hdf5_hl.js');
  }
  throw new MedtransferError('cannot read Keras .h5 files: the h5wasm package is not installed; run `npm install` in the medtransfer checkout');
}

/** h5wasm (Node build, reading the host file system directly), loaded once and ready. */
export function loadH5wasm(): Promise<H5Api> {
  h5wasmLoading ??= (async () => {
    const mod = (await nativeImport(pathToFileURL(h5wasmNodeEntry()).href)) as { default: H5Api };
    await mod.default.ready;
    return mod.default;
  })().catch((err: unknown) => {
    h5wasmLoading = undefined;
    throw err;
  });
  return h5wasmLoading;
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Finds the HDF5 signature (at byte 0, or 512, 1024, … after a user block) and, when the
 * superblock says so, where the file should end. Checked before opening because the HDF5
 * library only prints a long diagnostic to stderr for non-HDF5 or truncated files.
 */
function readHeader(file: string, size: number): { at: number; end?: number } | undefined {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(64);
    for (let at = 0; at + 8 <= size; at = at === 0 ? 512 : at * 2) {
      const n = readSync(fd, buf, 0, 64, at);
      if (n < 8 || !buf.subarray(0, 8).equals(HDF5_SIGNATURE)) continue;
      return { at, end: superblockEnd(buf.subarray(0, n)) };
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Base address + end-of-file address from a superblock (HDF5 file format spec, versions 0–3); undefined if unsure. */
function superblockEnd(sb: Buffer): number | undefined {
  const version = sb[8];
  const sizeOfOffsets = version <= 1 ? sb[13] : sb[9];
  if (sizeOfOffsets !== 8 && sizeOfOffsets !== 4) return undefined;
  // v0: 24 bytes of fixed fields before the addresses; v1 adds 4 (indexed storage K + reserved); v2/v3: 12.
  const first = version === 0 ? 24 : version === 1 ? 28 : version <= 3 ? 12 : -1;
  if (first < 0) return undefined;
  const addr = (i: number): number | undefined => {
    const at = first + i * sizeOfOffsets;
    if (at + sizeOfOffsets > sb.length) return undefined;
    return sizeOfOffsets === 8 ? Number(sb.readBigUInt64LE(at)) : sb.readUInt32LE(at);
  };
  // Addresses: base, then (v0/v1) free-space info or (v2/v3) superblock extension, then end of file.
  const base = addr(0);
  const eof = addr(2);
  return base === undefined || eof === undefined ? undefined : base + eof;
}

/** A string-list attribute; Keras splits long ones into `name0`, `name1`, … (HDF5's 64 KB header limit). */
function stringList(node: Group, name: string): string[] | undefined {
  const attrs = node.attrs;
  const asList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);
  if (name in attrs) return asList(attrs[name].value);
  if (!(`${name}0` in attrs)) return undefined;
  const out: string[] = [];
  for (let i = 0; `${name}${i}` in attrs; i++) out.push(...asList(attrs[`${name}${i}`].value));
  return out;
}

function stringAttr(node: Group, name: string): string | undefined {
  const v = name in node.attrs ? node.attrs[name].value : undefined;
  return typeof v === 'string' ? v : undefined;
}

/** Follows `a/b/c` one segment at a time (a lookup of a missing path makes HDF5 print diagnostics). */
function childAt(group: Group, path: string): Dataset | Group | undefined {
  let node: Dataset | Group = group;
  for (const seg of path.split('/').filter(Boolean)) {
    if (node.type !== 'Group' || !(node as Group).keys().includes(seg)) return undefined;
    const next = (node as Group).get(seg);
    if (!next || !('type' in next) || (next.type !== 'Group' && next.type !== 'Dataset')) return undefined;
    node = next as Dataset | Group;
  }
  return node;
}

function toFloat32(value: unknown): Float32Array | undefined {
  if (value instanceof Float32Array) return value.slice();
  if (value instanceof Float64Array) return Float32Array.from(value);
  if (typeof value === 'number') return Float32Array.of(value);
  return undefined;
}

const FORMAT_HINT =
  'expected a Keras HDF5 weight file in the classic layout: tf.keras `model.save_weights("x.h5")` or `model.save("x.h5")` ' +
  '(Keras 3: `model.save("x.h5")`), or a keras.applications file such as resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5';

/**
 * Reads every weight of a Keras .h5 file under our names (`conv1_conv/kernel`, `conv1_bn/moving_mean`).
 * Keras and tfjs share tensor layouts (conv kernels HWIO, depthwise HWC1, dense [in, out]), so
 * values are taken as stored. Throws DataFormatError naming the file (and layer) when it cannot.
 */
export async function readKerasH5(path: string): Promise<KerasH5Weights> {
  const file = resolve(path);
  let size: number;
  try {
    size = statSync(file).size;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new DataFormatError(file, e.code === 'ENOENT' ? `not found; ${FORMAT_HINT}` : `cannot read: ${e.message}`);
  }
  const header = readHeader(file, size);
  if (!header) throw new DataFormatError(file, `not an HDF5 file (no HDF5 signature); ${FORMAT_HINT}`);
  if (header.end !== undefined && header.end > size) {
    throw new DataFormatError(file, `is truncated: ${size} bytes, but its HDF5 header says ${header.end}; download or save it again`);
  }
  const h5 = await loadH5wasm();
  const f = new h5.File(file, 'r');
  if (f.file_id < 0n) throw new DataFormatError(file, 'the HDF5 library cannot open it (see its messages above); the file is damaged — download or save it again');
  try {
    let root: Group = f;
    let layout: KerasH5Weights['layout'] = 'weights';
    let layers = stringList(f, 'layer_names');
    if (!layers && f.keys().includes('model_weights')) {
      root = f.get('model_weights') as Group;
      layout = 'model';
      layers = stringList(root, 'layer_names');
    }
    if (!layers) {
      const keras3 = f.keys().includes('layers') || f.keys().includes('_layer_checkpoint_dependencies');
      throw new DataFormatError(
        file,
        keras3
          ? `holds the Keras 3 ".weights.h5" layout (variables by index under /layers), which does not name its weights; ${FORMAT_HINT}`
          : `has no "layer_names" attribute at / or /model_weights, so it is not a Keras weight file; ${FORMAT_HINT}`,
      );
    }
    const prefix = layout === 'model' ? '/model_weights/' : '/';
    const tensors = new Map<string, CheckpointTensor>();
    for (const layer of layers) {
      const g = childAt(root, layer);
      if (!g || g.type !== 'Group') throw new DataFormatError(file, `layer "${layer}" is listed in layer_names but the group ${prefix}${layer} is missing; the file is damaged`);
      const weightNames = stringList(g as Group, 'weight_names');
      if (!weightNames) throw new DataFormatError(file, `layer "${layer}": group ${prefix}${layer} has no "weight_names" attribute; the file is damaged`);
      for (const wn of weightNames) {
        const ds = childAt(g as Group, wn);
        if (!ds || ds.type !== 'Dataset') {
          throw new DataFormatError(file, `layer "${layer}": weight "${wn}" is listed in weight_names but the dataset ${prefix}${layer}/${wn} is missing; the file is damaged`);
        }
        const data = toFloat32((ds as Dataset).value);
        if (!data) throw new DataFormatError(file, `layer "${layer}": weight "${wn}" has HDF5 type ${JSON.stringify((ds as Dataset).dtype)}; expected float32 or float64`);
        // Keyed by the layer group, not the prefix inside the weight name: TF1-era files can say `conv1_1/kernel:0` for layer conv1.
        addTensor(tensors, `${layer}/${weightBase(wn)}`, [...((ds as Dataset).shape ?? [])], data, file, `"${wn}" of layer "${layer}"`);
      }
    }
    log.debug(`read ${tensors.size} tensors from ${layers.length} layers of ${file}`);
    return { source: `Keras .h5 ${file}`, file, layout, layers, tensors, kerasVersion: stringAttr(f, 'keras_version'), backend: stringAttr(f, 'backend') };
  } finally {
    f.close();
  }
}
