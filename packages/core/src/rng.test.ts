import { expect } from 'chai';
import { Rng } from './rng';
import { canonicalJson, runName, stableHash } from './hash';

describe('Rng', () => {
  it('repeats exactly for the same seed and differs for another', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({ length: 20 }, () => a.nextUint32());
    const sb = Array.from({ length: 20 }, () => b.nextUint32());
    const sc = Array.from({ length: 20 }, () => c.nextUint32());
    expect(sa).to.deep.equal(sb);
    expect(sa).to.not.deep.equal(sc);
  });

  it('produces uniform values in [0, 1) with the right mean', () => {
    const r = new Rng(1);
    let sum = 0;
    for (let i = 0; i < 20000; i++) {
      const v = r.next();
      expect(v).to.be.at.least(0).and.below(1);
      sum += v;
    }
    expect(sum / 20000).to.be.closeTo(0.5, 0.01);
  });

  it('produces standard normals', () => {
    const r = new Rng(7);
    const xs = Array.from({ length: 20000 }, () => r.normal());
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    expect(mean).to.be.closeTo(0, 0.03);
    expect(variance).to.be.closeTo(1, 0.05);
  });

  it('permutes without losing elements', () => {
    const p = Array.from(new Rng(3).permutation(100)).sort((x, y) => x - y);
    expect(p).to.deep.equal(Array.from({ length: 100 }, (_, i) => i));
  });

  it('forks independent streams without advancing the parent', () => {
    const r = new Rng(5);
    const before = r.getState();
    const f1 = r.fork('data');
    const f2 = r.fork('init');
    expect(r.getState()).to.deep.equal(before);
    expect(f1.nextUint32()).to.not.equal(f2.nextUint32());
    expect(new Rng(5).fork('data').nextUint32()).to.equal(new Rng(5).fork('data').nextUint32());
  });

  it('resumes from a saved state', () => {
    const r = new Rng(9);
    r.next();
    const copy = new Rng(r.getState());
    expect(copy.next()).to.equal(r.next());
  });
});

describe('stable hashing', () => {
  it('ignores key order and undefined values', () => {
    expect(canonicalJson({ b: 1, a: [2, { d: 3, c: undefined }] })).to.equal('{"a":[2,{"d":3}],"b":1}');
    expect(stableHash({ x: 1, y: 2 })).to.equal(stableHash({ y: 2, x: 1 }));
    expect(stableHash({ x: 1 })).to.not.equal(stableHash({ x: 2 }));
  });

  it('names runs with sorted keys', () => {
    expect(runName('target', { seed: 1, backbone: 'cbr-small', init: 'scratch' })).to.equal(
      'target[backbone=cbr-small,init=scratch,seed=1]',
    );
  });
});
