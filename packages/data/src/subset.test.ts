import { expect } from 'chai';
import { ImageDataset, ImageSplit } from '@medtransfer/core';
import { applySubset, describeSubset, strata, subsetIndices } from './subset';

/** 300 images: class c has 50·(c+1) images (50, 100, 150), interleaved; pixel value = index mod 256. */
function unbalanced(): ImageSplit {
  const labels: number[] = [];
  for (let i = 0; labels.length < 300; i++) for (const c of [0, 1, 2]) if (labels.filter((l) => l === c).length < 50 * (c + 1)) labels.push(c);
  const count = labels.length;
  return { images: Uint8Array.from({ length: count * 4 }, (_v, i) => Math.floor(i / 4) % 256), labels: Int32Array.from(labels), count, height: 2, width: 2, channels: 1, labelWidth: 1 };
}
const classCounts = (split: ImageSplit, idx: Int32Array) => [0, 1, 2].map((c) => Array.from(idx).filter((i) => split.labels[i] === c).length);

describe('data-scarcity subsets', () => {
  const split = unbalanced();

  it('keeps each class in proportion (stratified) and is nested across fractions for one seed', () => {
    const f10 = subsetIndices(split, { fraction: 0.1 }, 7);
    const f20 = subsetIndices(split, { fraction: 0.2 }, 7);
    const f50 = subsetIndices(split, { fraction: 0.5 }, 7);
    expect(classCounts(split, f10)).to.deep.equal([5, 10, 15]);
    expect(classCounts(split, f20)).to.deep.equal([10, 20, 30]);
    const in20 = new Set(f20);
    expect(Array.from(f10).every((i) => in20.has(i))).to.equal(true);
    const in50 = new Set(f50);
    expect(Array.from(f20).every((i) => in50.has(i))).to.equal(true);
    expect(Array.from(f10)).to.deep.equal([...f10].sort((a, b) => a - b));
  });

  it('is seeded: the same seed repeats, another seed draws other images', () => {
    expect(Array.from(subsetIndices(split, { fraction: 0.1 }, 7))).to.deep.equal(Array.from(subsetIndices(split, { fraction: 0.1 }, 7)));
    expect(Array.from(subsetIndices(split, { fraction: 0.1 }, 8))).to.not.deep.equal(Array.from(subsetIndices(split, { fraction: 0.1 }, 7)));
  });

  it('N per class takes min(N, class size), nested across N', () => {
    const p20 = subsetIndices(split, { perClass: 20 }, 3);
    const p60 = subsetIndices(split, { perClass: 60 }, 3);
    expect(classCounts(split, p20)).to.deep.equal([20, 20, 20]);
    expect(classCounts(split, p60)).to.deep.equal([50, 60, 60]);
    const in60 = new Set(p60);
    expect(Array.from(p20).every((i) => in60.has(i))).to.equal(true);
    expect(describeSubset({ perClass: 20 })).to.equal('20/class');
    expect(describeSubset({ fraction: 0.1 })).to.equal('10%');
  });

  it('keeps at least one image of a class however small the fraction', () => {
    expect(classCounts(split, subsetIndices(split, { fraction: 0.001 }, 1))).to.deep.equal([1, 1, 1]);
  });

  it('stratifies multi-label rows by their first positive label', () => {
    const labels = Int32Array.from([0, 1, 0, /**/ 1, 1, 0, /**/ 0, 0, 0, /**/ -1, 0, 1]);
    expect(Array.from(strata(labels, 3, 4))).to.deep.equal([1, 0, 3, 2]);
  });

  it('applySubset replaces only the train split, copies the pixels and labels, and changes the fingerprint', () => {
    const ds: ImageDataset = { name: 't', task: 'multi-class', numClasses: 3, splits: { train: split, val: split }, fingerprint: 'abc', source: 'mem' };
    const a = applySubset(ds, { fraction: 0.1 }, 7);
    const idx = subsetIndices(split, { fraction: 0.1 }, 7);
    expect(a.splits.train!.count).to.equal(30);
    expect(a.splits.val).to.equal(split);
    expect(Array.from(a.splits.train!.labels)).to.deep.equal(Array.from(idx).map((i) => split.labels[i]));
    expect(a.splits.train!.images[4 * 3]).to.equal(idx[3] % 256);
    expect(a.fingerprint).to.not.equal('abc');
    expect(applySubset(ds, { fraction: 0.2 }, 7).fingerprint).to.not.equal(a.fingerprint);
    expect(applySubset(ds, { fraction: 0.1 }, 8).fingerprint).to.not.equal(a.fingerprint);
    expect(applySubset(ds, { fraction: 0.1 }, 7).fingerprint).to.equal(a.fingerprint);
    expect(a.source).to.contain('train subset 10%, seed 7: 30 of 300');
  });
});
