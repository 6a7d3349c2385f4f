// tfjs Layers models as a weight source: from a directory, a model.json path and a loopback HTTP
// server; quantized weights; name mapping; 404s, truncated shards and GraphModels.
import { expect } from 'chai';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DataFormatError } from '@medtransfer/core';
import { loadWeights } from '../checkpoint';
import { ClassifierModel, createModel } from '../model';
import { images, predict, tempDir, useCpuBackend } from '../test-helpers';
import { SavedLayersModel, saveLayersArtifacts, writeLayersModel } from './test-fixtures';
import { readTfjsLayers, tfjsWeightKey } from './tfjs-layers';

const small = (numClasses: number, seed: number): ClassifierModel =>
  createModel({ name: 'cbr-small', params: {} }, { inputShape: [16, 16, 3], numClasses, seed });

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

/** uint8-quantizes every weight of `saved` the way tensorflowjs_converter --quantize_uint8 does (per-tensor min and scale). */
function quantizeUint8(saved: SavedLayersModel): SavedLayersModel {
  const specs = saved.modelJson.weightsManifest[0].weights;
  const out: number[] = [];
  let offset = 0;
  const weights = specs.map((spec) => {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(saved.weightData.slice(offset, offset + 4 * n).buffer);
    offset += 4 * n;
    const min = v.reduce((a, b) => Math.min(a, b), Infinity);
    const scale = (v.reduce((a, b) => Math.max(a, b), -Infinity) - min) / 255 || 1;
    for (const x of v) out.push(Math.round((x - min) / scale));
    return { ...spec, quantization: { dtype: 'uint8' as const, min, scale, original_dtype: 'float32' as const } };
  });
  return { modelJson: { ...saved.modelJson, weightsManifest: [{ paths: ['q.bin'], weights }] }, weightData: Uint8Array.from(out) };
}

describe('weight sources: tfjs Layers models', () => {
  let dir: string;
  let cleanup: () => void;
  let source: ClassifierModel;
  let saved: SavedLayersModel;
  let server: Server;
  let base: string;
  const served = new Map<string, Uint8Array | string>();

  before(async () => {
    await useCpuBackend();
    ({ dir, cleanup } = tempDir('tfjs'));
    source = small(4, 21);
    saved = await saveLayersArtifacts(source);
    writeLayersModel(dir, saved);
    served.set('/m/model.json', JSON.stringify(saved.modelJson));
    served.set('/m/group1-shard1of1.bin', saved.weightData);
    served.set('/cut/model.json', JSON.stringify(saved.modelJson));
    served.set('/cut/group1-shard1of1.bin', saved.weightData.subarray(0, 1000));
    server = createServer((req, res) => {
      const body = served.get(req.url ?? '');
      if (body === undefined) res.writeHead(404).end('not found');
      else res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    source.dispose();
    cleanup();
    await new Promise((ok) => server.close(ok));
  });

  async function loadsLikeSource(location: string): Promise<void> {
    const w = await readTfjsLayers(location);
    const m = small(4, 77);
    const x = images(2, 16, 3, 4);
    try {
      expect(predict(m, x)).not.to.deep.equal(predict(source, x));
      const report = loadWeights(m, w, { strict: true });
      expect(report.matched).to.have.length(source.model.weights.length);
      expect(predict(m, x)).to.deep.equal(predict(source, x));
    } finally {
      x.dispose();
      m.dispose();
    }
  }

  it('reads from a directory and from a model.json path, loading into a fresh model with identical predictions', async () => {
    await loadsLikeSource(dir);
    await loadsLikeSource(join(dir, 'model.json'));
    const w = await readTfjsLayers(dir);
    expect(w.layers).to.include.members(['block1_conv', 'head_dense']);
    expect(w.tensors.get('block1_bn/moving_mean')!.shape).to.deep.equal([32]);
  });

  it('reads from an http URL (loopback server)', async () => {
    await loadsLikeSource(`${base}/m/model.json`);
  });

  it('names the URL and the status for a 404, and the shard for a truncated one', async () => {
    let e = await rejection(readTfjsLayers(`${base}/absent/model.json`));
    expect(e).to.be.instanceOf(DataFormatError);
    expect(e.message).to.contain(`${base}/absent/model.json`).and.contain('HTTP 404');
    e = await rejection(readTfjsLayers(`${base}/cut/model.json`));
    expect(e).to.be.instanceOf(DataFormatError);
    expect(e.message)
      .to.contain(`${base}/cut/group1-shard1of1.bin`)
      .and.contain(`truncated: 1000 bytes, but model.json describes ${saved.weightData.length} bytes`);
  });

  it('names the file for a missing or truncated shard on disk, and refuses a GraphModel', async () => {
    const d = join(dir, 'broken');
    mkdirSync(d);
    writeFileSync(join(d, 'model.json'), JSON.stringify(saved.modelJson));
    let e = await rejection(readTfjsLayers(d));
    expect(e.message).to.contain(join(d, 'group1-shard1of1.bin')).and.contain('weight shard not found');
    writeFileSync(join(d, 'group1-shard1of1.bin'), saved.weightData.subarray(0, 64));
    e = await rejection(readTfjsLayers(d));
    expect(e.message).to.contain(join(d, 'group1-shard1of1.bin')).and.contain('truncated: 64 bytes');
    writeFileSync(join(d, 'model.json'), JSON.stringify({ format: 'graph-model', modelTopology: {}, weightsManifest: [] }));
    e = await rejection(readTfjsLayers(d));
    expect(e.message).to.contain('GraphModel (inference only');
  });

  it('dequantizes uint8 weights as tfjs does (q × scale + min)', async () => {
    const q = quantizeUint8(saved);
    const d = join(dir, 'quantized');
    mkdirSync(d);
    writeLayersModel(d, q);
    const w = await readTfjsLayers(d);
    const spec = q.modelJson.weightsManifest[0].weights.find((s) => s.name.startsWith('block2_conv/'))!;
    const got = w.tensors.get('block2_conv/kernel')!.data;
    // Reference: tfjs's own decoder on the same bytes.
    const ref = tf.io.decodeWeights(q.weightData.slice().buffer, q.modelJson.weightsManifest[0].weights);
    try {
      expect(Array.from(got)).to.deep.equal(Array.from(ref[spec.name].dataSync()));
      // And the formula itself, on the stored bytes.
      const specs = q.modelJson.weightsManifest[0].weights;
      const at = specs.slice(0, specs.indexOf(spec)).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
      const { min, scale } = spec.quantization as { min: number; scale: number };
      for (const i of [0, 1, 100, got.length - 1]) expect(got[i]).to.equal(Math.fround(q.weightData[at + i] * scale + min));
      expect(new Set(got).size).to.be.at.most(256);
    } finally {
      Object.values(ref).forEach((t) => t.dispose());
    }
  });

  it('decodes float16-quantized weights (normal, negative, largest and subnormal values)', async () => {
    const d = join(dir, 'half');
    mkdirSync(d);
    const halves = Uint16Array.of(0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x0000);
    const weights = [{ name: 'head_dense/bias', shape: [6], dtype: 'float32' as const, quantization: { dtype: 'float16' as const, original_dtype: 'float32' as const } }];
    writeLayersModel(d, { modelJson: { format: 'layers-model', modelTopology: null, weightsManifest: [{ paths: ['h.bin'], weights }] }, weightData: new Uint8Array(halves.buffer) });
    const w = await readTfjsLayers(d);
    expect(Array.from(w.tensors.get('head_dense/bias')!.data)).to.deep.equal([1, -2, 0.5, 65504, 2 ** -24, 0]);
  });

  it('maps tfjs weight names to our keys without breaking real names ending in _N', () => {
    const layers = new Set(['conv1', 'conv_dw_1', 'conv_dw_1_bn']);
    expect(tfjsWeightKey('conv1_1/kernel', layers)).to.equal('conv1/kernel');
    expect(tfjsWeightKey('conv_dw_1/depthwise_kernel', layers)).to.equal('conv_dw_1/depthwise_kernel');
    expect(tfjsWeightKey('conv_dw_1_bn/moving_mean_2', layers)).to.equal('conv_dw_1_bn/moving_mean');
    expect(tfjsWeightKey('mobilenet/conv1/kernel', layers)).to.equal('conv1/kernel');
    expect(tfjsWeightKey('kernel', layers)).to.equal(undefined);
  });
});
