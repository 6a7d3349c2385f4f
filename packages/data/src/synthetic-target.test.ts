import { expect } from 'chai';
import { ImageSplit } from '@medtransfer/core';
import { LESION_DEFAULTS, LesionParams, generateLesionDataset } from './synthetic-target';

const small: LesionParams = { ...LESION_DEFAULTS, train: 200, val: 20, test: 21, seed: 3 };

/** AUC of a per-image score against the binary labels (Mann–Whitney). */
function auc(scores: number[], labels: ArrayLike<number>): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    for (let j = 0; j < scores.length; j++) {
      if (labels[i] !== 1 || labels[j] !== 0) continue;
      pairs++;
      wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

function perImage(s: ImageSplit, f: (img: Uint8Array) => number): number[] {
  const px = s.height * s.width;
  return Array.from({ length: s.count }, (_v, i) => f(s.images.subarray(i * px, (i + 1) * px)));
}

/** Edge energy: sum of squared differences between neighbours (an irregular, rimmed outline has more). */
function edgeEnergy(S: number) {
  return (img: Uint8Array) => {
    let e = 0;
    for (let y = 1; y < S - 1; y++) for (let x = 1; x < S - 1; x++) e += (img[y * S + x] - img[y * S + x + 1]) ** 2 + (img[y * S + x] - img[(y + 1) * S + x]) ** 2;
    return e;
  };
}

describe('synthetic/lesions', () => {
  it('is byte-identical for the same seed and differs for another seed or difficulty', () => {
    const a = generateLesionDataset(small);
    const b = generateLesionDataset(small);
    const c = generateLesionDataset({ ...small, seed: 4 });
    const d = generateLesionDataset({ ...small, difficulty: 0.9 });
    expect(Buffer.from(a.splits.train!.images).equals(Buffer.from(b.splits.train!.images))).to.equal(true);
    expect(Buffer.from(a.splits.train!.images).equals(Buffer.from(c.splits.train!.images))).to.equal(false);
    expect(Buffer.from(a.splits.train!.images).equals(Buffer.from(d.splits.train!.images))).to.equal(false);
    expect(a.fingerprint).to.equal(b.fingerprint);
    expect(new Set([a.fingerprint, c.fingerprint, d.fingerprint]).size).to.equal(3);
  });

  it('is a balanced binary task with gray images of the requested size', () => {
    const ds = generateLesionDataset({ ...small, size: 32 });
    expect(ds.task).to.equal('binary');
    expect(ds.numClasses).to.equal(2);
    for (const [split, n] of Object.entries({ train: 200, val: 20, test: 21 })) {
      const s = ds.splits[split as 'train']!;
      expect([s.count, s.height, s.width, s.channels]).to.deep.equal([n, 32, 32, 1]);
      const positives = s.labels.reduce((a, b) => a + b, 0);
      expect(positives, split).to.equal(Math.floor(n / 2));
    }
  });

  it('does not give the class away by mean brightness, but does by shape', () => {
    const ds = generateLesionDataset({ ...small, train: 400, difficulty: 0.5 });
    const s = ds.splits.train!;
    const mean = auc(perImage(s, (img) => img.reduce((a, b) => a + b, 0)), s.labels);
    expect(mean).to.be.within(0.4, 0.6);
    // A crude shape statistic separates the classes at low difficulty, less so at high difficulty.
    const easy = generateLesionDataset({ ...small, train: 400, difficulty: 0 }).splits.train!;
    const hard = generateLesionDataset({ ...small, train: 400, difficulty: 1 }).splits.train!;
    const edgeEasy = auc(perImage(easy, edgeEnergy(28)), easy.labels);
    const edgeHard = auc(perImage(hard, edgeEnergy(28)), hard.labels);
    expect(edgeEasy).to.be.above(0.75); // 0.92 when written
    expect(edgeHard).to.be.below(0.7); // 0.55 when written
  });
});
