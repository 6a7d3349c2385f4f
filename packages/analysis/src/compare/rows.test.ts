// Aggregation per architecture, checked against values computed by hand from the fixture.
import { expect } from 'chai';
import { compareRows, convergenceThresholds, costOf, missingCosts } from './rows';
import { CBR_COST, T1, T2, compareFixture, throughputRecord } from './test-fixtures';

const throughput = new Map([['k-cbr', throughputRecord('k-cbr', 'cbr-small', { train: 100, infer: 20, latency: 4 })]]);
const convergence = { metric: 'auc', threshold: 0.8 };

describe('analysis/compare/rows', () => {
  it('aggregates over seeds: mean test metric with its t-interval, ACC, costs, ratios', () => {
    const [cbr, resnet] = compareRows({ results: compareFixture(), throughput }, { metric: 'auc', convergence });
    expect([cbr.backbone, resnet.backbone]).to.deep.equal(['cbr-small', 'resnet50']);
    expect([cbr.label, resnet.label]).to.deep.equal(['cbr-small', 'resnet50']);
    // AUC 0.80, 0.82, 0.84: mean 0.82, sd 0.02, half-width t(0.975, 2) · 0.02 / √3
    expect(cbr.score.n).to.equal(3);
    expect(cbr.score.mean).to.be.closeTo(0.82, 1e-12);
    expect(cbr.score.hi! - cbr.score.mean!).to.be.closeTo((T2 * 0.02) / Math.sqrt(3), 1e-9);
    expect(cbr.score.mean! - cbr.score.lo!).to.be.closeTo((T2 * 0.02) / Math.sqrt(3), 1e-9);
    expect(cbr.acc).to.be.closeTo(0.72, 1e-12);
    expect(cbr).to.deep.include({ imageSize: 28, params: 2_000_000, paramsTrainable: 1_990_000, flops: 50e6, flopsSource: 'recorded', throughputKeys: ['k-cbr'] });
    // measured: latency 4 ms for one image; batch 32 in 20 ms = 1600 img/s inference, in 100 ms = 320 img/s training
    expect(cbr.latencyMs).to.equal(4);
    expect(cbr.inferPerSecond).to.be.closeTo(1600, 1e-9);
    expect(cbr.trainPerSecond).to.be.closeTo(320, 1e-9);
    // 0.82 AUC ÷ 0.05 GFLOPs; ÷ 2 M params
    expect(cbr.scorePerGflop).to.be.closeTo(16.4, 1e-9);
    expect(cbr.scorePerMParams).to.be.closeTo(0.41, 1e-12);
    expect(costOf(cbr, 'flops')).to.equal(50);
    expect(costOf(cbr, 'params')).to.equal(2);
    expect(costOf(cbr, 'latency')).to.equal(4);
    // steps 30, 30, 20: mean 26.667, sd 5.7735; seconds 15, 15, 10
    expect(cbr.steps.mean).to.be.closeTo(80 / 3, 1e-12);
    expect(cbr.steps.hi! - cbr.steps.mean!).to.be.closeTo((T2 * Math.sqrt(100 / 3)) / Math.sqrt(3), 1e-9);
    expect(cbr.steps.censored).to.equal(0);
    expect(cbr.seconds.mean).to.be.closeTo(40 / 3, 1e-12);
  });

  it('shows a backbone by its label when given one, ordering rows by it', () => {
    const backboneLabels = new Map([['cbr-small', 'zeta (width 2)']]);
    const rows = compareRows({ results: compareFixture(), throughput, backboneLabels }, { metric: 'auc', convergence });
    expect(rows.map((r) => [r.backbone, r.label])).to.deep.equal([
      ['resnet50', 'resnet50'],
      ['cbr-small', 'zeta (width 2)'],
    ]);
  });

  it('a trial without a cost takes its latency and throughput from the records matched to it, and says so', () => {
    const resnetTrials = compareFixture().filter((r) => !r.summary.cost).map((r) => r.summary.trial);
    const later = new Map([...throughput, ['k-r50', throughputRecord('k-r50', 'resnet50', { train: 800, infer: 200, latency: 30 })]]);
    const throughputByTrial = new Map(resnetTrials.map((t) => [t, ['k-r50']]));
    const input = { results: compareFixture(), throughput: later, throughputByTrial };
    const resnet = compareRows(input, { metric: 'auc', convergence })[1];
    expect(resnet).to.deep.include({ latencyMs: 30, throughputKeys: ['k-r50'], flops: null });
    expect(resnet.inferPerSecond).to.be.closeTo(160, 1e-9);
    expect(missingCosts(input).map((m) => [m.reason, m.throughputMatched])).to.deep.equal([
      ['no-cost', true],
      ['no-cost', true],
    ]);
  });

  it('a trial without a cost: params from the summary, FLOPs only when recounted, no throughput; censored runs at their length', () => {
    const rows = compareRows({ results: compareFixture(), throughput }, { metric: 'auc', convergence });
    const resnet = rows[1];
    expect(resnet).to.deep.include({ params: 23_500_000, paramsTrainable: null, flops: null, flopsSource: null, latencyMs: null, inferPerSecond: null, trainPerSecond: null, scorePerGflop: null });
    // AUC 0.7, 0.8: mean 0.75, half-width t(0.975, 1) · sd / √2 with sd = 0.1/√2
    expect(resnet.score.hi! - resnet.score.mean!).to.be.closeTo((T1 * (0.1 / Math.SQRT2)) / Math.SQRT2, 1e-9);
    // seed 1 reaches 0.8 at step 30 (15 s); seed 2 never does: counted at 40 steps, 20 s
    expect(resnet.steps).to.deep.include({ n: 2, mean: 35, censored: 1 });
    expect(resnet.seconds).to.deep.include({ n: 2, mean: 17.5, censored: 1 });
    const recounted = compareRows(
      { results: compareFixture(), throughput, recountedFlops: new Map(compareFixture().filter((r) => !r.summary.cost).map((r) => [r.summary.trial, 8e9])) },
      { metric: 'auc', convergence },
    )[1];
    expect(recounted).to.deep.include({ flops: 8e9, flopsSource: 'recounted' });
    expect(recounted.scorePerGflop).to.be.closeTo(0.75 / 8, 1e-12);
  });

  it('the threshold a summary records comes before the fallback, and names the missing costs', () => {
    const results = compareFixture();
    // seed 3 of cbr-small records reaching its threshold at step 10 (5 s)
    results[2].summary.convergence = {
      metric: 'auc',
      areaUnderCurve: 0.8,
      reached: [{ threshold: 0.6, basis: 'absolute', steps: 10, epochs: 1, imagesSeen: 320, trainSeconds: 5, censored: false }],
    };
    results[1].summary.cost = { ...CBR_COST, throughputKey: 'k-gone' };
    results[0].summary.cost = { ...CBR_COST, throughputKey: undefined };
    const [cbr] = compareRows({ results, throughput }, { metric: 'auc', convergence });
    expect(cbr.steps.mean).to.be.closeTo((30 + 30 + 10) / 3, 1e-12);
    expect(convergenceThresholds(results, convergence)).to.deep.equal([{ metric: 'auc', threshold: 0.8 }, { metric: 'auc', threshold: 0.6 }]);
    expect(missingCosts({ results, throughput }).map((m) => [m.trial.replace(/^target/, ''), m.reason])).to.deep.equal([
      ['[backbone=cbr-small,init=scratch,seed=1]', 'not-measured'],
      ['[backbone=cbr-small,init=scratch,seed=2]', 'no-record'],
      ['[backbone=resnet50,init=scratch,seed=1]', 'no-cost'],
      ['[backbone=resnet50,init=scratch,seed=2]', 'no-cost'],
    ]);
  });

  it('no ratios for a lower-is-better metric; an unknown metric is refused with the valid names', () => {
    const results = compareFixture().map((r) => ({ ...r, summary: { ...r.summary, test: { ...r.summary.test, ece: 0.1 } } }));
    const rows = compareRows({ results, throughput }, { metric: 'ece', convergence });
    expect(rows[0].score.mean).to.be.closeTo(0.1, 1e-12);
    expect(rows.every((r) => r.scorePerGflop === null && r.scorePerMParams === null)).to.equal(true);
    expect(() => compareRows({ results: compareFixture(), throughput }, { metric: 'aucc', convergence })).to.throw(/unknown metric "aucc"; did you mean/);
    expect(() => compareRows({ results: [], throughput }, { metric: 'auc', convergence })).to.throw(/no trial results/);
  });
});
