// Sweep-level statistics on the hand-made fixture (numbers in test-fixtures.ts).
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { groupStats, pairedComparisons, speedupTable } from './comparisons';
import { fixtureResults, makeResult } from './test-fixtures';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ref: any = JSON.parse(fs.readFileSync(path.join(__dirname, '../reference/stats_reference.json'), 'utf8'));

describe('analysis/comparisons', () => {
  it('groupStats: mean, sd and t-interval of test AUC per backbone × init, scratch first', () => {
    const rows = groupStats(fixtureResults(), { metric: 'auc' });
    expect(rows.map((r) => `${r.backbone}/${r.init}`)).to.deep.equal([
      'cbr-small/scratch', 'cbr-small/pretrained', 'resnet50/scratch', 'resnet50/pretrained',
    ]);
    const s = rows[0];
    expect(s.n).to.equal(3);
    expect(s.mean).to.be.closeTo(0.82, 1e-12);
    expect(s.sd).to.be.closeTo(0.02, 1e-12);
    // t(0.975, 2) = 4.302652729911275 (SciPy), sd/√3
    const half = (4.302652729911275 * 0.02) / Math.sqrt(3);
    expect(s.lo).to.be.closeTo(0.82 - half, 1e-9);
    expect(s.hi).to.be.closeTo(0.82 + half, 1e-9);
    const boot = groupStats(fixtureResults(), { metric: 'auc', method: 'bootstrap', seed: 5 });
    expect(boot[0].method).to.equal('bootstrap');
    expect(boot[0].lo).to.be.within(0.8, 0.82);
    expect(groupStats(fixtureResults(), { metric: 'auc', method: 'bootstrap', seed: 5 })).to.deep.equal(boot);
  });

  it('pairedComparisons: pretrained vs scratch on the same seeds, matching SciPy, Holm-adjusted', () => {
    const rows = pairedComparisons(fixtureResults(), { metric: 'auc' });
    expect(rows.map((r) => `${r.backbone}/${r.init}`)).to.deep.equal(['cbr-small/pretrained', 'resnet50/pretrained']);
    const cbr = rows[0];
    const c = ref.pairedT[0]; // x = [0.85, 0.86, 0.87], y = [0.80, 0.82, 0.84]: the cbr-small fixture
    expect(cbr.seeds).to.deep.equal([1, 2, 3]);
    expect(cbr.t!).to.be.closeTo(c.t, 1e-9 * Math.abs(c.t));
    expect(cbr.pT!).to.be.closeTo(c.p, 1e-9 * c.p);
    expect(cbr.cohenDz!).to.be.closeTo(c.cohenDz, 1e-9 * c.cohenDz);
    expect(cbr.wilcoxonMethod).to.equal('exact');
    expect(cbr.pW).to.equal(0.25); // n = 3, all positive: 2 / 2³
    expect(cbr.rankBiserial).to.equal(1);
    const ps = rows.map((r) => r.pT!);
    const [lo, hi] = [...ps].sort((a, b) => a - b);
    const adjusted = rows.map((r) => r.pTAdjusted!);
    expect(Math.min(...adjusted)).to.be.closeTo(2 * lo, 1e-15);
    expect(Math.max(...adjusted)).to.be.closeTo(Math.max(2 * lo, hi), 1e-15);
    const bh = pairedComparisons(fixtureResults(), { metric: 'auc', adjust: 'bh' });
    expect(Math.max(...bh.map((r) => r.pTAdjusted!))).to.be.closeTo(hi, 1e-15);
  });

  it('pairedComparisons: unmatched seeds are left out, and one pair gives no test', () => {
    const results = [
      makeResult('cbr-small', 'scratch', 1, { auc: 0.8, acc: 0.7 }, [0.8]),
      makeResult('cbr-small', 'pretrained', 1, { auc: 0.85, acc: 0.7 }, [0.8]),
      makeResult('cbr-small', 'pretrained', 9, { auc: 0.95, acc: 0.7 }, [0.8]),
    ];
    const [row] = pairedComparisons(results, { metric: 'auc' });
    expect(row.seeds).to.deep.equal([1]);
    expect(row.pT).to.equal(null);
    expect(() => pairedComparisons(results, { metric: 'auc', adjust: 'bonferroni' as never })).to.throw(/use "holm", "bh" or "none"/);
  });

  it('speedupTable: scratch steps ÷ pretrained steps, censored runs at their training length', () => {
    const rows = speedupTable(fixtureResults(), { metric: 'auc', threshold: 0.8, seed: 1 });
    const cbr = rows.find((r) => r.backbone === 'cbr-small')!;
    expect(cbr.speedup).to.be.closeTo(26.666666666666668 / 13.333333333333334, 1e-12);
    expect(cbr.bound).to.equal('exact');
    expect(cbr.lo!).to.be.at.most(cbr.speedup!);
    expect(cbr.hi!).to.be.at.least(cbr.speedup!);
    const rn = rows.find((r) => r.backbone === 'resnet50')!;
    // scratch 40, 20, censored at 40; pretrained censored at 40 three times
    expect(rn.speedup).to.be.closeTo(100 / 3 / 40, 1e-12);
    expect(rn).to.include({ bound: 'unknown', censoredBaseline: 1, censoredTreatment: 3 });
  });

  it('groups by data fraction when trials record one', () => {
    const withFraction = (f: number) =>
      fixtureResults().map((r) => ({ ...r, summary: { ...r.summary, dataFraction: f } }));
    const rows = groupStats([...withFraction(0.1), ...withFraction(1)], { metric: 'auc' });
    expect(rows).to.have.length(8);
    expect(rows.slice(0, 2).map((r) => r.fraction)).to.deep.equal([0.1, 0.1]);
    expect(speedupTable([...withFraction(0.1), ...withFraction(1)], { metric: 'auc', threshold: 0.8 })).to.have.length(4);
  });
});
