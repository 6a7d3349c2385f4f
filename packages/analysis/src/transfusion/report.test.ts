import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TrialResult } from '@medtransfer/core';
import { renderSvg } from '../render';
import type { SimilarityResult } from '../similarity-report';
import { FIXTURE_THRESHOLD, fixtureResults, makeResult } from '../test-fixtures';
import { transfusionKSpec } from './figures';
import { writeTransfusionReport, type TransfusionSection } from './report';
import { fmtMeanCi, modelTable, transfusionCurve, type ResultSet } from './tables';

const PRODUCERS: Record<TransfusionSection, string> = {
  model: 'M.yaml',
  smallData: 'S.yaml',
  convergence: 'C.yaml',
  transfusion: 'T.yaml',
  meanVar: 'V.yaml',
  similarity: 'SIM',
};

function set(results: TrialResult[]): ResultSet {
  return { dataset: 'synthetic/fractal', metric: 'auc', threshold: FIXTURE_THRESHOLD, results };
}

/** cbr-small with transfusion-1 and -2 (3 seeds each) beside the fixture's scratch and pretrained. */
function withTransfusion(): TrialResult[] {
  return [
    ...fixtureResults(),
    makeResult('cbr-small', 'transfusion-1', 1, { auc: 0.83, acc: 0.7 }, [0.6, 0.81, 0.85, 0.86]), // steps 20
    makeResult('cbr-small', 'transfusion-1', 2, { auc: 0.84, acc: 0.7 }, [0.7, 0.75, 0.82, 0.86]), // 30
    makeResult('cbr-small', 'transfusion-1', 3, { auc: 0.85, acc: 0.7 }, [0.65, 0.8, 0.85, 0.86]), // 20
    makeResult('cbr-small', 'transfusion-2', 1, { auc: 0.85, acc: 0.7 }, [0.82, 0.85, 0.86, 0.86]), // 10
    makeResult('cbr-small', 'transfusion-2', 2, { auc: 0.85, acc: 0.7 }, [0.7, 0.75, 0.78, 0.79]), // censored at 40
  ];
}

const SIMILARITY: SimilarityResult = {
  format: 'medtransfer-similarity',
  version: 1,
  probe: { dataset: 'synthetic/fractal', split: 'test', count: 10, spatial: 'fold' },
  models: [],
  rows: [
    { pair: 'a vs b', a: 'a', b: 'b', group: 'block1', depth: 0, metric: 'cka', value: 0.91 },
    { pair: 'a vs b', a: 'a', b: 'b', group: 'block2', depth: 1, metric: 'cka', value: 0.42 },
    { pair: 'a vs b', a: 'a', b: 'b', group: 'block2', depth: 1, metric: 'svcca', value: 0.97, rows: 10, featuresA: 8, featuresB: 8 },
  ],
};

describe('analysis/transfusion: tables', () => {
  it('model table: scratch vs pretrained mean ± t half-width, Δ and a paired test per backbone', () => {
    const rows = modelTable(set(fixtureResults()), 'auc');
    const small = rows.find((r) => r.backbone === 'cbr-small')!;
    expect(small.scratch!.mean).to.be.closeTo(0.82, 1e-12);
    expect(small.pretrained!.mean).to.be.closeTo(0.86, 1e-12);
    expect(small.delta).to.be.closeTo(0.04, 1e-12);
    // sd 0.02, n 3: half-width t(0.975, 2) · 0.02 / √3 = 4.302653 · 0.011547 = 0.0497
    expect(fmtMeanCi(small.scratch)).to.equal('0.820 ± 0.050 (3)');
    expect(small.p).to.be.a('number');
  });

  it('transfusion curve: k = 0 scratch … all = pretrained, censored runs counted at their length', () => {
    const pts = transfusionCurve(set(withTransfusion())).filter((p) => p.backbone === 'cbr-small');
    expect(pts.map((p) => p.label)).to.deep.equal(['0 (scratch)', '1', '2', 'all (pretrained)']);
    expect(pts.map((p) => p.k)).to.deep.equal([0, 1, 2, 3]);
    expect(pts[1].steps).to.be.closeTo(70 / 3, 1e-12);
    expect(pts[2].steps).to.equal(25); // (10 + 40) / 2, the second censored
    expect(pts[2].censored).to.equal(1);
  });

  it('renders the transfusion-k figure with its axis titles', async () => {
    const svg = await renderSvg(transfusionKSpec(transfusionCurve(set(withTransfusion())), { metric: 'auc' }));
    expect(svg).to.contain('layer groups transfused (k)');
    expect(svg).to.contain('training steps to threshold');
  });
});

describe('analysis/transfusion: writeTransfusionReport', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'mt-transfusion-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes every section it has results for and names the producer of the others', async () => {
    const out = await writeTransfusionReport({ sets: [set(withTransfusion())], similarity: [{ file: 'x/similarity.json', result: SIMILARITY }], producers: PRODUCERS }, dir, { png: false });
    expect(out.skipped).to.deep.equal(['smallData', 'meanVar']);
    const md = readFileSync(join(dir, 'transfusion.md'), 'utf8');
    expect(md).to.contain('| cbr-small | 1 k | 0.820 ± 0.050 (3) | 0.860 ± ');
    expect(md).to.contain('Produced by S.yaml');
    expect(md).to.contain('Produced by V.yaml');
    expect(md).to.contain('| block2 | 0.420 | 0.970 † |');
    for (const base of ['final-auc', 'convergence-speedup', 'transfusion-k', 'similarity-by-layer']) {
      expect(existsSync(join(dir, `${base}.svg`)), base).to.equal(true);
      expect(existsSync(join(dir, `${base}.vl.json`)), base).to.equal(true);
    }
    const html = readFileSync(join(dir, 'transfusion.html'), 'utf8');
    expect((html.match(/<svg/g) ?? []).length).to.equal(4);
  });

  it('skips every section, saying which file produces it, when there are no results', async () => {
    const out = await writeTransfusionReport({ sets: [], similarity: [], producers: PRODUCERS }, dir, { png: false });
    expect(out.skipped).to.have.length(6);
    expect(out.files.map((f) => f.slice(dir.length + 1))).to.deep.equal(['transfusion.md', 'transfusion.html']);
    expect(out.markdown).to.contain('Produced by M.yaml');
  });
});
