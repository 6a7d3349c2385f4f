// `cache: disk` from the experiment file: a PNG folder decoded once into the disk cache trains
// with the same fingerprint, order, pixels and hence the same curve as the in-memory run.
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePng, isDiskSplit } from '@medtransfer/data';
import { loadPlan, runExperimentFile } from './experiment';
import { createContext } from './context';

const experiment = (dir: string, cache: 'disk' | 'memory') => `
name: cached-${cache}
target:
  dataset: { name: folder, params: { path: ${join(dir, 'images')}, channels: 1, valFraction: 0.2, testFraction: 0.2, cache: ${cache}, cacheDir: ${join(dir, 'cache')} } }
  imageSize: 12
  transforms: { normalize: dataset, augment: { flip: horizontal, rotate: 10, brightness: 0.1 } }
  training: { steps: 4, batchSize: 6, evalEvery: 2 }
sweep:
  backbone: [cbr-tiny]
  dataFraction: [0.5, 1]
  seed: [1]
`;

/** A curve point without its wall-clock fields (the only thing allowed to differ). */
const noTime = (p: object) => Object.fromEntries(Object.entries(p).filter(([k]) => !/seconds/i.test(k)));

describe('cache: disk in an experiment file', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'medtransfer-diskrun-'));
    // two classes of 16×16 gray PNGs: a bright blob left (class a) or right (class b), with texture
    for (const [c, cls] of ['a', 'b'].entries()) {
      mkdirSync(join(dir, 'images', cls), { recursive: true });
      for (let i = 0; i < 20; i++) {
        const samples = Array.from({ length: 256 }, (_, k) => {
          const [x, y] = [k % 16, Math.floor(k / 16)];
          const cx = c === 0 ? 4 : 11;
          return Math.min(255, ((x - cx) ** 2 + (y - 8) ** 2 < 12 ? 200 : 40) + ((i * 37 + k * 11) % 50));
        });
        writeFileSync(join(dir, 'images', cls, `${i}.png`), encodePng({ width: 16, height: 16, colorType: 0, bitDepth: 8, samples }));
      }
    }
    for (const cache of ['disk', 'memory'] as const) writeFileSync(join(dir, `${cache}.yaml`), experiment(dir, cache));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the splits on disk with the in-memory fingerprint', async () => {
    const fingerprints: string[] = [];
    for (const cache of ['disk', 'memory']) {
      const ctx = await createContext(loadPlan(join(dir, `${cache}.yaml`)), join(dir, 'unused'), 'wasm', { batches: false });
      const ds = ctx.target.dataset;
      expect(isDiskSplit(ds.splits.train), cache).to.equal(cache === 'disk');
      fingerprints.push(ds.fingerprint);
    }
    expect(fingerprints[0]).to.equal(fingerprints[1]);
    expect(readdirSync(join(dir, 'cache')).filter((f) => f.startsWith('folder-'))).to.have.length(1);
  });

  it('trains every fraction with exactly the in-memory curve', async () => {
    const disk = await runExperimentFile(join(dir, 'disk.yaml'), { resultsDir: join(dir, 'results'), workers: 1, backend: 'wasm' });
    const memory = await runExperimentFile(join(dir, 'memory.yaml'), { resultsDir: join(dir, 'results'), workers: 1, backend: 'wasm' });
    expect(disk.ran).to.equal(2);
    expect(memory.ran).to.equal(2);
    const [cacheFolder] = readdirSync(join(dir, 'cache'));
    expect(existsSync(join(dir, 'cache', cacheFolder, 'train-images.npy'))).to.equal(true);
    const byFraction = (rs: typeof disk.results) => [...rs].sort((a, b) => (a.summary.dataFraction ?? 1) - (b.summary.dataFraction ?? 1));
    const [d, m] = [byFraction(disk.results), byFraction(memory.results)];
    expect(d.map((r) => r.summary.dataFraction)).to.deep.equal([0.5, 1]);
    for (let k = 0; k < 2; k++) {
      expect(d[k].curve.length).to.be.greaterThan(1);
      expect(d[k].curve.map(noTime)).to.deep.equal(m[k].curve.map(noTime));
    }
    // the two fractions really differ, so the comparison above can fail
    expect(d[0].curve.map(noTime)).to.not.deep.equal(d[1].curve.map(noTime));
  });
});
