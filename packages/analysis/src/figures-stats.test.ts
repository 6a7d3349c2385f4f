// The CI figures: data, spec and a headless render to SVG and PNG.
import { expect } from 'chai';
import { finalMetricSpec, curveIntervals, hasDataFractions, learningCurveCiSpec, speedupSpec } from './figures-stats';
import { inkFraction, svgToPng } from './png';
import { renderSvg } from './render';
import { fixtureResults } from './test-fixtures';

const withFractions = () =>
  [0.1, 0.5, 1].flatMap((f) => fixtureResults().map((r) => ({ ...r, summary: { ...r.summary, dataFraction: f } })));

/** Paths in the mark groups of one kind (`rule`, `symbol`, `line`, `area`) of a rendered SVG. */
function markCount(svg: string, kind: string): number {
  const groups = [...svg.matchAll(new RegExp(`<g class="mark-${kind} role-mark[^"]*"[^>]*>([\\s\\S]*?)</g>`, 'g'))];
  return groups.reduce((n, g) => n + (g[1].match(/<(path|line)/g) ?? []).length, 0);
}

describe('analysis/figures-stats', () => {
  it('final metric: one point and one CI bar per backbone × init, axis titled with the CI', async () => {
    const spec = finalMetricSpec(fixtureResults(), { metric: 'auc' });
    const svg = await renderSvg(spec);
    expect(svg).to.contain('test AUC (mean ± 95 % CI)');
    expect(svg).to.contain('backbone');
    expect(markCount(svg, 'symbol')).to.equal(4);
    expect(markCount(svg, 'rule')).to.equal(4);
    expect(svg).to.contain('#0072B2');
  });

  it('learning curves: the band is the t-interval over seeds at each step', async () => {
    const rows = curveIntervals(fixtureResults(), 'auc');
    const p = rows.find((r) => r.backbone === 'cbr-small' && r.init === 'scratch' && r.step === 20)!;
    const xs = [0.7, 0.79, 0.82];
    const m = (0.7 + 0.79 + 0.82) / 3;
    const sd = Math.sqrt(xs.reduce((s, v) => s + (v - m) ** 2, 0) / 2);
    expect(p.mean).to.be.closeTo(m, 1e-12);
    expect(p.hi - p.mean).to.be.closeTo((4.302652729911275 * sd) / Math.sqrt(3), 1e-9);
    const wide = rows.find((r) => r.backbone === 'resnet50' && r.init === 'scratch' && r.step === 20)!;
    expect(wide.hi).to.equal(1); // clipped: AUC cannot exceed 1
    const svg = await renderSvg(learningCurveCiSpec(fixtureResults(), { metric: 'auc', threshold: 0.8 }));
    expect(markCount(svg, 'line')).to.equal(4); // 2 panels × 2 inits
    expect(svg).to.contain('cbr-small');
    expect(svg).to.contain('resnet50');
    expect(svg).to.contain('training step (batch updates)');
  });

  it('speed-up vs data fraction: one point per backbone × fraction, hollow when censored', async () => {
    expect(hasDataFractions(fixtureResults())).to.equal(false);
    expect(() => speedupSpec(fixtureResults(), { metric: 'auc', threshold: 0.8 })).to.throw(/needs a small-data sweep/);
    const results = withFractions();
    expect(hasDataFractions(results)).to.equal(true);
    const svg = await renderSvg(speedupSpec(results, { metric: 'auc', threshold: 0.8 }));
    expect(markCount(svg, 'symbol')).to.equal(6);
    expect(svg).to.contain('fraction of training data');
    expect(svg).to.contain('speed-up vs scratch (×)');
    expect(svg).to.match(/fill="white"/); // resnet50 runs are censored
  });

  it('renders figures to a non-blank PNG with text (fonts found)', async () => {
    const textOnly = svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><text x="5" y="30" font-size="24" font-family="sans-serif">AUC</text></svg>', { scale: 1 });
    expect(inkFraction(textOnly.pixels)).to.be.above(0.02);
    const blank = svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="50" height="50"></svg>', { scale: 1 });
    expect(inkFraction(blank.pixels)).to.equal(0);
    const img = svgToPng(await renderSvg(finalMetricSpec(fixtureResults(), { metric: 'auc' })));
    expect(img.png.subarray(1, 4).toString()).to.equal('PNG');
    expect(img.width).to.be.above(1000); // scale 2
    expect(inkFraction(img.pixels)).to.be.above(0.005);
  });
});
