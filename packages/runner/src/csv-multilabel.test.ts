// End to end across data and engine: a CheXpert-style CSV with PNGs → a multi-label dataset with
// a masked (U-Ignore) entry → the engine's `train`; the masked entry must not count in the loss.
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { trainingSchema } from '@medtransfer/core';
import { createBatchSource, crc32, loadDataset } from '@medtransfer/data';
import { train, type TrainProgress } from '@medtransfer/engine';

/** A 4×4 8-bit gray PNG (filter 0 rows). */
function png(pixels: number[]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.from([0, 0, 0, 4, 0, 0, 0, 4, 8, 0, 0, 0, 0]);
  const raw = Buffer.concat([0, 1, 2, 3].map((y) => Buffer.from([0, ...pixels.slice(4 * y, 4 * y + 4)])));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** Mean sigmoid cross-entropy of logits z against targets over the entries with weight 1. */
function bce(z: Float32Array, y: number[], w: number[]): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < z.length; i++) {
    if (!w[i]) continue;
    sum += Math.max(z[i], 0) - z[i] * y[i] + Math.log1p(Math.exp(-Math.abs(z[i])));
    n++;
  }
  return sum / n;
}

describe('CSV manifest → multi-label training (U-Ignore masks)', function () {
  this.timeout(60_000);
  let root: string;
  before(async () => {
    await tf.setBackend('cpu');
    root = mkdtempSync(join(tmpdir(), 'mt-chexpert-'));
    mkdirSync(join(root, 'train'));
    const lines = ['Path,Frontal/Lateral,Edema,Effusion,Pneumonia,Split'];
    const labels = ['1,0,', '0,1,0', '-1,0,1', '1,1,0', '0,0,1', '1,,0', '0,1,1', '1,0,0'];
    for (let i = 0; i < 8; i++) {
      writeFileSync(join(root, 'train', `p${i}.png`), png(Array.from({ length: 16 }, (_, k) => (i * 29 + k * 13) % 256)));
      lines.push(`train/p${i}.png,Frontal,${labels[i]},${i < 6 ? 'train' : 'val'}`);
    }
    lines.push('train/p0.png,Lateral,1,1,1,train'); // dropped by frontalOnly
    writeFileSync(join(root, 'train.csv'), lines.join('\n') + '\n');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('trains, and the masked entry does not change the loss', async () => {
    const ds = loadDataset(
      {
        name: 'csv',
        params: { file: join(root, 'train.csv'), labelColumns: ['Edema', 'Effusion', 'Pneumonia'], uncertainty: 'u-ignore', blank: 'mask', frontalOnly: true, splitColumn: 'Split' },
      },
      { path: 'target.dataset', seed: 0 },
    );
    const trainSplit = ds.splits.train!;
    expect(trainSplit.count).to.equal(6);
    const y = Array.from(trainSplit.labels);
    const masked = y.map((v): number => (v === -1 ? 1 : 0));
    expect(masked.reduce((a, b) => a + b)).to.equal(3); // row 0 Pneumonia blank, row 2 Edema uncertain, row 5 Effusion blank
    const source = createBatchSource(ds, 'train', { imageSize: 4, channels: 1 });
    const val = createBatchSource(ds, 'val', { imageSize: 4, channels: 1 });

    const model = tf.sequential({
      layers: [tf.layers.flatten({ inputShape: [4, 4, 1] }), tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }), biasInitializer: 'zeros' })],
    });
    // logits of the initial model on the whole split (one batch: the mean is order-free)
    const [batch] = [...source.epoch(6)];
    const z = tf.tidy(() => (model.predict(tf.tensor4d(batch.x, batch.shape)) as tf.Tensor).dataSync() as Float32Array);
    const known = Array.from(batch.labels).map((v) => (v === -1 ? 0 : 1));
    const expected = bce(z, Array.from(batch.labels), known);
    // the same batch with the masked entries given as 0 or as 1 (counted): different losses
    const asZero = bce(z, Array.from(batch.labels, (v) => (v === -1 ? 0 : v)), known.map(() => 1));
    const asOne = bce(z, Array.from(batch.labels, (v) => (v === -1 ? 1 : v)), known.map(() => 1));
    expect(Math.abs(asZero - asOne)).to.be.greaterThan(1e-3);

    const steps: TrainProgress[] = [];
    const result = await train({
      model,
      train: source,
      val,
      training: trainingSchema.parse({ steps: 3, batchSize: 6, evalEvery: 3, optimizer: { name: 'sgd', lr: 0.1, momentum: 0 } }),
      seed: 1,
      onProgress: (p) => steps.push(p),
    });
    expect(steps[0].loss).to.be.closeTo(expected, 1e-5);
    expect(Math.abs(steps[0].loss - asZero)).to.be.greaterThan(1e-4);
    expect(Math.abs(steps[0].loss - asOne)).to.be.greaterThan(1e-4);
    expect(steps.map((s) => s.loss).every(Number.isFinite)).to.equal(true);
    expect(steps[2].loss).to.be.lessThan(steps[0].loss); // it learns
    expect(Number.isFinite(result.finalVal.loss)).to.equal(true);
    model.dispose();
  });
});
