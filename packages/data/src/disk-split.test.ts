// `cache: disk` through the dataset registry: disk splits give the in-memory stage sources' batches
// exactly (subset, dataset statistics, augmentation), and refuse to hand out their pixels.
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Batch, ImageDataset, transformsSchema } from '@medtransfer/core';
import { isDiskSplit } from './disk-split';
import { encodePng } from './image-fixtures';
import { loadDataset } from './registry';
import { createStageSources } from './stage-sources';
import { applySubset } from './subset';

const all = (it: Iterable<Batch>) => [...it].map((b) => ({ x: Array.from(b.x), labels: Array.from(b.labels) }));

describe('cache: disk datasets', function () {
  this.timeout(30_000);
  let dir: string;
  const load = (cache: 'disk' | 'memory', extra: Record<string, unknown> = {}): ImageDataset =>
    loadDataset({ name: 'folder', params: { path: join(dir, 'img'), cache, cacheDir: join(dir, 'cache'), size: 10, ...extra } }, { path: 'target.dataset', seed: 3 });
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mt-disksplit-'));
    for (const cls of ['x', 'y']) {
      mkdirSync(join(dir, 'img', cls), { recursive: true });
      for (let i = 0; i < 12; i++) {
        const samples = Array.from({ length: 3 * 14 * 14 }, (_, k) => (k * (i + 2) + cls.charCodeAt(0) * 17) % 256);
        writeFileSync(join(dir, 'img', cls, `${i}.png`), encodePng({ width: 14, height: 14, colorType: 2, bitDepth: 8, samples }));
      }
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('matches the in-memory batches with a subset, dataset statistics and augmentation', async () => {
    const [disk, memory] = [load('disk'), load('memory')];
    expect(isDiskSplit(disk.splits.train)).to.equal(true);
    expect(disk.fingerprint).to.equal(memory.fingerprint);
    const transforms = transformsSchema.parse({ normalize: 'dataset', augment: { flip: 'both', rotate: 15, randomResizedCrop: {}, contrast: 0.3 } });
    for (const subset of [undefined, { perClass: 3 }] as const) {
      const [d, m] = [disk, memory].map((ds) => (subset ? applySubset(ds, subset, 5) : ds));
      expect(d.fingerprint).to.equal(m.fingerprint);
      const opts = { imageSize: 8, channels: 1 as const, transforms };
      const ds = createStageSources(d, ['train', 'val', 'test'], opts);
      const ms = createStageSources(m, ['train', 'val', 'test'], opts);
      expect(ds.train.count).to.equal(subset ? 6 : ms.train.count);
      for (const split of ['train', 'val', 'test'] as const) {
        expect(all(ds[split].epoch(4, 9)), split).to.deep.equal(all(ms[split].epoch(4, 9)));
        await (ds[split] as unknown as { close(): Promise<void> }).close();
      }
    }
  });

  it('says where the pixels are instead of handing them out, and checks the cache param', () => {
    expect(() => load('disk').splits.train!.images).to.throw(/stay in the disk cache .*cache: disk.*createDiskBatchSource/);
    expect(() => load('disk', { cache: 'ram' })).to.throw(/target\.dataset\.params\.cache/);
  });
});
