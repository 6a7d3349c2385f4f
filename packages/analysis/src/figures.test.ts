import { expect } from 'chai';
import { OKABE_ITO, TABLEAU_20, seriesColours } from './figure-style';
import { curveBands, learningCurveSpec, type VegaLiteSpec } from './figures';
import { renderSvg } from './render';
import { fixtureResults, makeResult } from './test-fixtures';

/** Paths inside the line-mark groups of a rendered SVG: one per drawn series. */
function linePaths(svg: string): number {
  const groups = [...svg.matchAll(/<g class="mark-line role-mark[^"]*"[^>]*>([\s\S]*?)<\/g>/g)];
  return groups.reduce((n, g) => n + (g[1].match(/<path/g) ?? []).length, 0);
}

describe('analysis/figures: learning curves', () => {
  it('averages the validation metric over seeds per backbone × init × step, with min and max', () => {
    const bands = curveBands(fixtureResults(), 'auc');
    const p = bands.find((b) => b.backbone === 'cbr-small' && b.init === 'scratch' && b.step === 20);
    expect(p).to.not.equal(undefined);
    expect(p!.mean).to.be.closeTo((0.7 + 0.79 + 0.82) / 3, 1e-12);
    expect([p!.lo, p!.hi, p!.n]).to.deep.equal([0.7, 0.82, 3]);
    expect(bands).to.have.length(4 * 4); // 4 series × 4 steps
  });

  it('builds a spec with labelled axes, Okabe–Ito colours, dash by init and a threshold rule', () => {
    const spec = learningCurveSpec(fixtureResults(), { metric: 'auc', threshold: 0.8, title: 'T' });
    const text = JSON.stringify(spec);
    expect(spec.width).to.equal(560);
    expect(text).to.contain('"training step (batch updates)"');
    expect(text).to.contain('"validation AUC"');
    expect(text).to.contain(JSON.stringify(OKABE_ITO.slice(0, 2)));
    expect(text).to.contain('"domain":["scratch","pretrained"],"range":[[1,0],[7,4]]');
    const layers = spec.layer as VegaLiteSpec[];
    expect(layers.map((l) => (l.mark as { type: string }).type)).to.deep.equal(['area', 'line', 'rule', 'text']);
    const without = learningCurveSpec(fixtureResults(), { metric: 'acc' });
    expect((without.layer as unknown[]).length).to.equal(2);
    expect(JSON.stringify(without)).to.contain('"validation accuracy"');
  });

  it('renders headless to an SVG with axis titles and one line path per series', async () => {
    const svg = await renderSvg(learningCurveSpec(fixtureResults(), { metric: 'auc', threshold: 0.8, title: 'fixture curves' }));
    expect(svg.startsWith('<svg')).to.equal(true);
    expect(svg).to.contain('training step (batch updates)');
    expect(svg).to.contain('validation AUC');
    expect(svg).to.contain('fixture curves');
    expect(linePaths(svg)).to.equal(4);
    expect(svg).to.contain('stroke="#0072B2"');
    expect(svg).to.match(/stroke-dasharray="7,4"/);

    const withExtraInit = [...fixtureResults(), makeResult('cbr-small', 'mean-var', 1, { auc: 0.8, acc: 0.7 }, [0.6, 0.7])];
    expect(linePaths(await renderSvg(learningCurveSpec(withExtraInit, { metric: 'auc' })))).to.equal(5);
  });

  it('refuses empty results with a message instead of drawing an empty plot', () => {
    expect(() => learningCurveSpec([], { metric: 'auc' })).to.throw(/no trial results/);
  });
});

describe('series colours', () => {
  it('Okabe–Ito up to 8 series, then Tableau 20 strong hues first: no two series alike up to 20', () => {
    expect(seriesColours(3)).to.deep.equal(OKABE_ITO.slice(0, 3));
    expect(seriesColours(8)).to.deep.equal([...OKABE_ITO]);
    for (const n of [9, 11, 20]) expect(new Set(seriesColours(n)).size, String(n)).to.equal(n);
    // the 10 strong hues first, then the light ones
    expect(seriesColours(11)).to.deep.equal([...TABLEAU_20.filter((_, i) => i % 2 === 0), TABLEAU_20[1]]);
  });
});
