import { expect } from 'chai';
import { setLogSink } from '@medtransfer/core';
import { fmtDelta, fmtMeanStd, markdownTable } from './format';
import { summarize, summaryMarkdown, type SummaryRow } from './summary';
import { FIXTURE_THRESHOLD, fixtureResults, makeResult } from './test-fixtures';

const opts = { metric: 'auc' as const, threshold: FIXTURE_THRESHOLD };
const rowsOf = (t: ReturnType<typeof summarize>) => t.objects() as unknown as SummaryRow[];

describe('analysis/summary: summarize', () => {
  const rows = rowsOf(summarize(fixtureResults(), opts));
  const row = (backbone: string, init: string) => {
    const r = rows.find((x) => x.backbone === backbone && x.init === init);
    if (!r) throw new Error(`no row ${backbone}/${init}`);
    return r;
  };

  it('has one row per backbone × init, ordered by backbone then scratch before pretrained', () => {
    expect(rows.map((r) => `${r.backbone}/${r.init}`)).to.deep.equal([
      'cbr-small/scratch',
      'cbr-small/pretrained',
      'resnet50/scratch',
      'resnet50/pretrained',
    ]);
    expect(rows.every((r) => r.n === 3)).to.equal(true);
  });

  it('computes means and sample (n − 1) standard deviations of test AUC and ACC', () => {
    const r = row('cbr-small', 'scratch');
    expect(r.auc_mean).to.be.closeTo(0.82, 1e-9);
    expect(r.auc_std).to.be.closeTo(0.02, 1e-9); // population std would be 0.01633
    expect(r.acc_mean).to.be.closeTo(0.72, 1e-9);
    expect(row('resnet50', 'scratch').auc_std).to.be.closeTo(0.05, 1e-9);
    expect(row('cbr-small', 'pretrained').acc_std).to.be.closeTo(0, 1e-12);
    expect(row('resnet50', 'pretrained').acc_std).to.be.closeTo(0.02, 1e-9);
  });

  it('gives delta_auc = pretrained − scratch mean test AUC for the same backbone, null for scratch', () => {
    expect(row('cbr-small', 'pretrained').delta_auc).to.be.closeTo(0.04, 1e-9);
    expect(row('resnet50', 'pretrained').delta_auc).to.be.closeTo(0.15, 1e-9);
    expect(row('cbr-small', 'scratch').delta_auc).to.equal(null);
    expect(row('resnet50', 'scratch').delta_auc).to.equal(null);
  });

  it('averages steps to threshold over the seeds that reached it and counts them', () => {
    expect(row('cbr-small', 'scratch').steps_mean).to.be.closeTo(80 / 3, 1e-9);
    expect(row('cbr-small', 'scratch').reached).to.equal(3);
    expect(row('cbr-small', 'pretrained').steps_mean).to.be.closeTo(40 / 3, 1e-9);
    // One censored seed: excluded from the mean (40 and 20 → 30), counted as not reached.
    expect(row('resnet50', 'scratch').steps_mean).to.equal(30);
    expect(row('resnet50', 'scratch').reached).to.equal(2);
    expect(row('resnet50', 'pretrained').steps_mean).to.equal(null);
    expect(row('resnet50', 'pretrained').reached).to.equal(0);
  });

  it('leaves std empty for a single seed and delta empty without a scratch baseline; other inits follow pretrained', () => {
    const t = summarize(
      [
        makeResult('cbr-tiny', 'mean-var', 1, { auc: 0.7, acc: 0.6 }, [0.9]),
        makeResult('cbr-tiny', 'pretrained', 1, { auc: 0.8, acc: 0.7 }, [0.9]),
        makeResult('cbr-tiny', 'scratch', 1, { auc: 0.6, acc: 0.5 }, [0.9]),
        makeResult('vgg', 'pretrained', 1, { auc: 0.8, acc: 0.7 }, [0.9]),
      ],
      opts,
    );
    const rs = rowsOf(t);
    expect(rs.map((r) => `${r.backbone}/${r.init}`)).to.deep.equal(['cbr-tiny/scratch', 'cbr-tiny/pretrained', 'cbr-tiny/mean-var', 'vgg/pretrained']);
    expect(rs[0].auc_std).to.equal(null);
    expect(rs[0].acc_std).to.equal(null);
    expect(rs[2].delta_auc).to.be.closeTo(0.1, 1e-9);
    expect(rs[3].delta_auc).to.equal(null);
  });

  it('warns when the same seed appears twice, and refuses an empty result list', () => {
    const lines: string[] = [];
    const restore = setLogSink((_l, line) => lines.push(line));
    try {
      const r = makeResult('cbr-tiny', 'scratch', 1, { auc: 0.6, acc: 0.5 }, [0.9]);
      summarize([r, r], opts);
    } finally {
      restore();
    }
    expect(lines.join('\n')).to.match(/cbr-tiny scratch seed 1 appears twice/);
    expect(() => summarize([], opts)).to.throw(/no trial results/);
  });
});

describe('analysis/summary: summaryMarkdown', () => {
  const md = summaryMarkdown(summarize(fixtureResults(), opts), { title: 'fixture: summary', metric: 'auc', threshold: 0.8 });

  it('has a heading, column definitions and the header row', () => {
    expect(md.startsWith('# fixture: summary\n')).to.equal(true);
    expect(md).to.contain('| backbone | init | n | test AUC | test ACC | steps to val AUC ≥ 0.8 | Δ test AUC vs scratch |');
    expect(md).to.match(/censored — excluded from the mean and counted/);
    expect(md).to.contain('Dataset: `synthetic/fractal`');
  });

  it('formats values to 3 decimals with ± std, steps with (reached/n), and signed deltas', () => {
    expect(md).to.contain('| cbr-small | scratch | 3 | 0.820 ± 0.020 | 0.720 ± 0.020 | 27 (3/3) |  |');
    expect(md).to.contain('| cbr-small | pretrained | 3 | 0.860 ± 0.010 | 0.750 ± 0.000 | 13 (3/3) | +0.040 |');
    expect(md).to.contain('| resnet50 | scratch | 3 | 0.750 ± 0.050 | 0.650 ± 0.050 | 30 (2/3) |  |');
    expect(md).to.contain('| resnet50 | pretrained | 3 | 0.900 ± 0.000 | 0.820 ± 0.020 | — (0/3) | +0.150 |');
  });

  it('adds a dataset column only when results span several datasets', () => {
    const two = summarize(
      [makeResult('cbr-tiny', 'scratch', 1, { auc: 0.6, acc: 0.5 }, [0.9], 'a'), makeResult('cbr-tiny', 'scratch', 1, { auc: 0.7, acc: 0.5 }, [0.9], 'b')],
      opts,
    );
    const text = summaryMarkdown(two, { title: 't', metric: 'acc', threshold: 0.5 });
    expect(text).to.contain('| dataset | backbone | init | n | test AUC | test ACC | steps to val ACC ≥ 0.5 |');
    expect(text).to.contain('| a | cbr-tiny | scratch | 1 | 0.600 |');
    expect(text).to.contain('| b | cbr-tiny | scratch | 1 | 0.700 |');
  });
});

describe('analysis/format', () => {
  it('formats mean ± std, missing values and signed deltas', () => {
    expect(fmtMeanStd(0.91234, 0.01267)).to.equal('0.912 ± 0.013');
    expect(fmtMeanStd(0.9, null)).to.equal('0.900');
    expect(fmtMeanStd(null, 0.1)).to.equal('—');
    expect(fmtDelta(-0.0001)).to.equal('0.000');
    expect(fmtDelta(-0.0123)).to.equal('-0.012');
    expect(fmtDelta(null)).to.equal('');
  });

  it('escapes pipes in Markdown cells', () => {
    expect(markdownTable(['a'], ['left'], [['x|y']])).to.equal('| a |\n|:---|\n| x\\|y |');
  });
});

describe('analysis/summary: data fractions', () => {
  it('groups by data fraction, compares with scratch at the same fraction, and shows the column', () => {
    const at = (f: number, auc: number, init: string, seed: number) => {
      const r = makeResult('cbr-small', init, seed, { auc, acc: 0.7 }, [0.9]);
      return { ...r, summary: { ...r.summary, dataFraction: f } };
    };
    const results = [at(0.1, 0.7, 'scratch', 1), at(0.1, 0.8, 'pretrained', 1), at(1, 0.9, 'scratch', 1), at(1, 0.92, 'pretrained', 1)];
    const rows = summarize(results, { metric: 'auc', threshold: 0.8 }).objects() as unknown as SummaryRow[];
    expect(rows.map((r) => [r.fraction, r.init])).to.deep.equal([[0.1, 'scratch'], [0.1, 'pretrained'], [1, 'scratch'], [1, 'pretrained']]);
    expect(rows[1].delta_auc).to.be.closeTo(0.1, 1e-12);
    expect(rows[3].delta_auc).to.be.closeTo(0.02, 1e-12);
    const md = summaryMarkdown(summarize(results, { metric: 'auc', threshold: 0.8 }), { title: 't', metric: 'auc', threshold: 0.8 });
    expect(md).to.contain('| backbone | data fraction | init |');
    expect(md).to.contain('| cbr-small | 0.1 | pretrained | 1 |');
  });
});
