// Test fixtures for the weight sources: Keras-layout .h5 files and tfjs Layers model artifacts
// written from our own models, so tests never need downloaded weights.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ClassifierModel } from '../model';
import { namedWeights, shapeOf } from '../weight-names';
import { loadH5wasm } from './keras-h5';

export interface H5Weight {
  /** As Keras writes it, e.g. `conv1_conv/kernel:0`. */
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface H5Layer {
  name: string;
  weights: H5Weight[];
}

/** Every layer of `m` (weightless ones too) with Keras weight names. */
export function kerasLayers(m: ClassifierModel): H5Layer[] {
  const named = namedWeights(m.model);
  return m.model.layers.map((l) => ({
    name: l.name,
    weights: named
      .filter((w) => w.layer === l.name)
      .map((w) => ({ name: `${w.key}:0`, shape: shapeOf(w.variable), data: Float32Array.from(w.variable.read().dataSync() as Float32Array) })),
  }));
}

/**
 * Writes `layers` in Keras's classic HDF5 layout: `layer_names` on the root (or on
 * `/model_weights` for a full-model file), `weight_names` on each layer group, and each
 * weight at `/<layer>/<weight name>` — so `conv1/kernel:0` lives at `/conv1/conv1/kernel:0`.
 * Names are fixed-length byte strings, as h5py stores numpy `S` arrays.
 */
export async function writeKerasH5(file: string, layers: H5Layer[], opts: { layout?: 'weights' | 'model'; chunkLayerNames?: number } = {}): Promise<void> {
  const layout = opts.layout ?? 'weights';
  const h5 = await loadH5wasm();
  const f = new h5.File(file, 'w');
  const strings = (g: { create_attribute: (n: string, d: string[], s: number[] | null, t: string) => void }, name: string, list: string[]) =>
    g.create_attribute(name, list, [list.length], `S${Math.max(1, ...list.map((s) => s.length))}`);
  try {
    f.create_attribute('keras_version', '2.13.1');
    f.create_attribute('backend', 'tensorflow');
    const root = layout === 'model' ? f.create_group('model_weights') : f;
    if (layout === 'model') f.create_attribute('model_config', '{"class_name": "Functional"}');
    const names = layers.map((l) => l.name);
    const chunk = opts.chunkLayerNames;
    // Keras splits attributes past HDF5's 64 KB object-header limit into name0, name1, …
    if (chunk) for (let i = 0; i * chunk < names.length; i++) strings(root, `layer_names${i}`, names.slice(i * chunk, (i + 1) * chunk));
    else strings(root, 'layer_names', names);
    for (const layer of layers) {
      const g = root.create_group(layer.name);
      strings(g, 'weight_names', layer.weights.map((w) => w.name));
      for (const w of layer.weights) {
        const parts = w.name.split('/');
        let parent = g;
        for (const p of parts.slice(0, -1)) parent = parent.keys().includes(p) ? (parent.get(p) as typeof g) : parent.create_group(p);
        parent.create_dataset({ name: parts[parts.length - 1], data: w.data, shape: w.shape, dtype: '<f' });
      }
    }
  } finally {
    f.close();
  }
}

export interface SavedLayersModel {
  modelJson: { format?: string; modelTopology: unknown; weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }> };
  weightData: Uint8Array;
}

/** Saves `m` the way `tf.LayersModel.save` would, returning model.json's content and the weight bytes. */
export async function saveLayersArtifacts(m: ClassifierModel, shardName = 'group1-shard1of1.bin'): Promise<SavedLayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await m.model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved?.weightData || !saved.weightSpecs) throw new Error('internal: the model saved no weights');
  const parts = Array.isArray(saved.weightData) ? saved.weightData : [saved.weightData];
  const weightData = new Uint8Array(Buffer.concat(parts.map((p) => Buffer.from(p))));
  return {
    modelJson: { format: 'layers-model', modelTopology: saved.modelTopology, weightsManifest: [{ paths: [shardName], weights: saved.weightSpecs }] },
    weightData,
  };
}

/** Writes model.json and its one shard into `dir`. */
export function writeLayersModel(dir: string, saved: SavedLayersModel): void {
  writeFileSync(join(dir, 'model.json'), JSON.stringify(saved.modelJson));
  writeFileSync(join(dir, saved.modelJson.weightsManifest[0].paths[0]), saved.weightData);
}
