// Statistics against SciPy reference values (reference/stats_reference.py → stats_reference.json).
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng } from '@medtransfer/core';
import { bootstrapInterval, describeSample, mean, quantileSorted, sampleSd, tInterval } from './describe';
import { normalSf, tCdf, tQuantile } from './distributions';
import { benjaminiHochberg, holm } from './multiple-comparisons';
import { pairedTTest, rankAverage, signedRankCounts, wilcoxonSignedRank } from './paired-tests';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ref: any = JSON.parse(fs.readFileSync(path.join(__dirname, '../../reference/stats_reference.json'), 'utf8'));

function close(actual: number, expected: number, rel = 1e-9, abs = 1e-14): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).to.be.at.most(abs + rel * Math.abs(expected));
}

describe('stats: distributions (SciPy reference)', () => {
  it('t cdf, t quantile and normal sf match scipy.stats', () => {
    for (const c of ref.distributions.tCdf) close(tCdf(c.x, c.df), c.value);
    for (const c of ref.distributions.tQuantile) close(tQuantile(c.p, c.df), c.value);
    for (const c of ref.distributions.normalSf) close(normalSf(c.z), c.value);
  });
});

describe('stats: describe', () => {
  it('mean, sd and the 95 % and 90 % t-intervals match SciPy', () => {
    for (const c of ref.describe) {
      const d = describeSample(c.x);
      close(d.mean!, c.mean);
      close(d.sd!, c.sd);
      close(d.lo!, c.lo);
      close(d.hi!, c.hi);
      const [lo90, hi90] = tInterval(c.x, 0.9);
      close(lo90, c.lo90);
      close(hi90, c.hi90);
    }
  });

  it('drops non-finite values and gives no spread for a single value', () => {
    const d = describeSample([0.8, null, NaN, undefined]);
    expect(d).to.include({ n: 1, mean: 0.8, sd: null, lo: null, hi: null });
    expect(describeSample([]).mean).to.equal(null);
  });

  it('bootstrap interval is seeded, brackets the mean, and is close to the t-interval for normal data', () => {
    const rng = new Rng(7);
    const xs = Array.from({ length: 40 }, () => rng.normal(0.9, 0.02));
    const a = bootstrapInterval(xs, { seed: 3 });
    expect(bootstrapInterval(xs, { seed: 3 })).to.deep.equal(a);
    expect(bootstrapInterval(xs, { seed: 4 })).to.not.deep.equal(a);
    const m = mean(xs);
    expect(a[0]).to.be.below(m);
    expect(a[1]).to.be.above(m);
    const [lo, hi] = tInterval(xs);
    expect(Math.abs(a[1] - a[0] - (hi - lo)) / (hi - lo)).to.be.below(0.15);
    const d = describeSample(xs, { method: 'bootstrap', seed: 3 });
    expect([d.lo, d.hi]).to.deep.equal(a);
    expect(d.sd).to.equal(sampleSd(xs));
  });

  it('quantiles interpolate like NumPy', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).to.equal(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0.025)).to.be.closeTo(1.075, 1e-12);
  });

  it('rejects a confidence level outside (0, 1) with a message naming it', () => {
    expect(() => describeSample([1, 2], { level: 95 })).to.throw(/level 95 must be a number in \(0, 1\)/);
  });
});

describe('stats: paired t-test (SciPy ttest_rel)', () => {
  it('t, p, CI of the mean difference and d_z match', () => {
    for (const c of ref.pairedT) {
      const r = pairedTTest(c.x, c.y);
      close(r.t, c.t);
      close(r.pValue, c.p);
      close(r.meanDiff, c.meanDiff);
      close(r.lo, c.lo);
      close(r.hi, c.hi);
      close(r.cohenDz, c.cohenDz);
      expect(r.df).to.equal(c.x.length - 1);
    }
  });

  it('says what is wrong with unpaired or too few samples', () => {
    expect(() => pairedTTest([1, 2], [1])).to.throw(/same length \(received 2 and 1\)/);
    expect(() => pairedTTest([1], [2])).to.throw(/at least 2 pairs/);
  });
});

describe('stats: Wilcoxon signed-rank (SciPy wilcoxon)', () => {
  it('statistic, R+, R−, p-value and rank-biserial match, exact and approximate, with ties and zeros', () => {
    for (const c of ref.wilcoxon) {
      const r = wilcoxonSignedRank(c.x, c.y, { method: c.method, correction: c.correction });
      expect(r.method).to.equal(c.method);
      close(r.statistic, c.statistic);
      close(r.rPlus, c.rPlus);
      close(r.rMinus, c.rMinus);
      close(r.pValue, c.p);
      close(r.rankBiserial, c.rankBiserial);
    }
  });

  it("'auto' is exact for small distinct samples and approximate with ties, zeros, or n > 50", () => {
    const [exact, , , , , ties, zeros, , big] = ref.wilcoxon;
    expect(wilcoxonSignedRank(exact.x, exact.y).method).to.equal('exact');
    expect(wilcoxonSignedRank(ties.x, ties.y).method).to.equal('approx');
    const z = wilcoxonSignedRank(zeros.x, zeros.y, { method: 'exact' });
    expect(z.method).to.equal('approx');
    expect(z.nNonZero).to.equal(7);
    expect(wilcoxonSignedRank(big.x, big.y).method).to.equal('approx');
  });

  it('all-zero differences give p = 1 rather than an error', () => {
    expect(wilcoxonSignedRank([0.8, 0.9], [0.8, 0.9])).to.include({ pValue: 1, nNonZero: 0, statistic: 0 });
  });

  it('the exact null distribution has 2^n subsets and is symmetric', () => {
    const c = signedRankCounts(10);
    expect(c.reduce((a, b) => a + b, 0)).to.equal(1024);
    for (let s = 0; s < c.length; s++) expect(c[s]).to.equal(c[c.length - 1 - s]);
    expect(rankAverage([3, 1, 3, 2]).ranks).to.deep.equal([3.5, 1, 3.5, 2]);
  });
});

describe('stats: multiple comparisons', () => {
  it('Holm and Benjamini–Hochberg adjusted p-values match', () => {
    for (const c of ref.padjust) {
      holm(c.p).forEach((v, i) => close(v, c.holm[i]));
      benjaminiHochberg(c.p).forEach((v, i) => close(v, c.bh[i]));
    }
  });

  it('leaves NaN p-values out of m', () => {
    const h = holm([0.01, NaN, 0.02]);
    expect(Number.isNaN(h[1])).to.equal(true);
    expect(h[0]).to.be.closeTo(0.02, 1e-15);
    expect(h[2]).to.be.closeTo(0.02, 1e-15);
  });
});
