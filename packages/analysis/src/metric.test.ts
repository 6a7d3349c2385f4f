// Analyses take any registered metric: tables, statistics, figures and the convergence columns
// read it by name from the summaries and curves.
import { expect } from 'chai';
import type { TrialResult } from '@medtransfer/core';
import { groupStats, speedupTable } from './comparisons';
import { curveIntervals } from './figures-stats';
import { learningCurveSpec } from './figures';
import { checkMetricOptions, metricLabel, metricTitle, thresholdText } from './metric';
import { summaryMarkdown, summarize } from './summary';
import { curveRows, trialRows } from './tables';
import { fixtureResults } from './test-fixtures';

/** The fixture with a kappa on every curve point (val AUC − 0.3) and on the test split (test AUC − 0.2). */
function withKappa(): TrialResult[] {
  return fixtureResults().map((r) => ({
    summary: { ...r.summary, task: 'ordinal', test: { ...r.summary.test, kappa: r.summary.test.auc - 0.2 } },
    curve: r.curve.map((p) => ({ ...p, val: { ...p.val, kappa: p.val.auc - 0.3 } })),
  }));
}

describe('analysis: any registered metric', () => {
  it('labels, titles and threshold texts come from the registry', () => {
    expect([metricLabel('auc'), metricTitle('acc'), metricTitle('kappa')]).to.deep.equal(['AUC', 'accuracy', 'quadratic kappa']);
    expect(thresholdText('auc', 0.8)).to.equal('val AUC ≥ 0.8');
    expect(thresholdText('ece', 0.1)).to.equal('val ECE ≤ 0.1');
    expect(() => checkMetricOptions({ metric: 'kapa' }, 'summarize')).to.throw(/summarize: unknown metric "kapa"; did you mean "kappa"\?/);
  });

  it('puts every registered metric in the trial and curve rows (null where a trial has none)', () => {
    const [row] = trialRows(fixtureResults(), { metric: 'auc', threshold: 0.8 });
    expect(row).to.include({ test_auc: 0.9, test_acc: 0.82, test_kappa: null });
    const [point] = curveRows(withKappa());
    expect(point.val_kappa).to.be.closeTo(0.4, 1e-12);
  });

  it('a kappa study: convergence on val kappa, statistics on test kappa', () => {
    const results = withKappa();
    const md = summaryMarkdown(summarize(results, { metric: 'kappa', threshold: 0.5 }), { title: 't', metric: 'kappa', threshold: 0.5 });
    expect(md).to.contain('steps to val kappa ≥ 0.5');
    const stats = groupStats(results, { metric: 'kappa' });
    const cbr = stats.find((s) => s.backbone === 'cbr-small' && s.init === 'scratch')!;
    expect(cbr.mean).to.be.closeTo(0.62, 1e-9);
    // val kappa = val AUC − 0.3 ≥ 0.5 ⇔ val AUC ≥ 0.8: the same steps as AUC at 0.8
    const onKappa = speedupTable(results, { metric: 'kappa', threshold: 0.5 }).map((r) => r.speedup);
    const onAuc = speedupTable(results, { metric: 'auc', threshold: 0.8 }).map((r) => r.speedup);
    expect(onKappa).to.deep.equal(onAuc);
    const spec = learningCurveSpec(results, { metric: 'kappa' }) as { title: { text: string } };
    expect(spec.title.text).to.equal('Validation quadratic kappa during training');
    expect(curveIntervals(results, 'kappa').every((r) => r.lo >= -1 && r.hi <= 1)).to.equal(true);
  });
});
