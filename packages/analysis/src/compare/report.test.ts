// The accuracy-for-cost figures rendered headless, and the report's table and notes.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { renderSvg } from '../render';
import { convergenceCostSpec, paretoSpec } from './figures';
import { writeCompareFiles } from './report';
import { compareRows } from './rows';
import { T1, T2, compareFixture, throughputRecord } from './test-fixtures';

/** Paths in the mark groups of one kind (`rule`, `symbol`, `line`, `text`) of a rendered SVG. */
function markCount(svg: string, kind: string): number {
  // an empty group is written as `<g …/>`
  const groups = [...svg.matchAll(new RegExp(`<g class="mark-${kind} role-mark[^"]*"[^>]*?(?<!/)>([\\s\\S]*?)</g>`, 'g'))];
  return groups.reduce((n, g) => n + (g[1].match(/<(path|line|text)/g) ?? []).length, 0);
}

const convergence = { metric: 'auc', threshold: 0.8 };

/** The fixture plus a cheaper, better mobilenet (so cbr-small is dominated) at a second image size. */
function fixture() {
  const results = compareFixture();
  const mobile = results.slice(0, 3).map((r, i) => ({
    ...r,
    summary: {
      ...r.summary,
      backbone: 'mobilenet',
      trial: `m${i}`,
      imageSize: 64,
      test: { ...r.summary.test, auc: 0.9 + i * 0.01 },
      cost: { paramsTotal: 1_000_000, paramsTrainable: 1_000_000, flopsPerImage: 20e6, checkpointBytes: 4e6, throughputKey: 'k-mob' },
    },
  }));
  return [...results, ...mobile];
}

const throughput = new Map([
  ['k-cbr', throughputRecord('k-cbr', 'cbr-small', { train: 100, infer: 20, latency: 4 })],
  ['k-mob', throughputRecord('k-mob', 'mobilenet', { train: 200, infer: 40, latency: 8 })],
]);

describe('analysis/compare: figures and report', () => {
  it('Pareto figure: a point and a CI bar per row with a cost, the front as a step line, the dominated faded', async () => {
    const rows = compareRows({ results: fixture(), throughput }, { metric: 'auc', convergence });
    const spec = paretoSpec(rows, { metric: 'auc', axis: 'flops' });
    const svg = await renderSvg(spec);
    // resnet50 has no FLOPs: two points (mobilenet on the front, cbr-small dominated), two bars
    expect(markCount(svg, 'symbol')).to.equal(2);
    expect(markCount(svg, 'rule')).to.equal(2);
    expect(markCount(svg, 'line')).to.equal(1);
    expect(svg).to.contain('forward MFLOPs per image, log scale');
    expect(svg).to.contain('test AUC');
    expect(svg).to.match(/opacity="0\.35"/);
    expect(JSON.stringify(spec)).to.contain('"interpolate":"step-after"');
    // sizes differ: each point is labelled with its size
    expect(svg).to.contain('64 px');
    // latency: the same two (resnet50 has no throughput record)
    expect(markCount(await renderSvg(paretoSpec(rows, { metric: 'auc', axis: 'latency' })), 'symbol')).to.equal(2);
    expect(() => paretoSpec(rows.filter((r) => r.backbone === 'resnet50'), { metric: 'auc', axis: 'flops' })).to.throw(/no result has a FLOPs cost/);
  });

  it('convergence figure: steps and seconds side by side, hollow where runs were censored', async () => {
    const results = fixture();
    // resnet50 seed 2 never reaches 0.8: its point is hollow
    const rows = compareRows({ results, throughput }, { metric: 'auc', convergence });
    const svg = await renderSvg(convergenceCostSpec(rows, { axis: 'params', thresholds: [convergence] }));
    expect(svg).to.contain('training steps to threshold');
    expect(svg).to.contain('training seconds to threshold');
    expect(svg).to.contain('parameters (millions), log scale');
    // 3 rows with params × 2 panels
    expect(markCount(svg, 'symbol')).to.equal(6);
    expect(svg).to.match(/fill="white"/);
  });

  it('writes compare.md, compare.html and the figures; the table marks the front and the missing costs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-compare-'));
    try {
      const out = await writeCompareFiles(
        { experiment: 'fixture', results: fixture(), throughput, coverage: { planned: 9 }, throughputProblems: [{ file: 'cost/x/throughput.json', message: 'not valid JSON' }] },
        dir,
        { metric: 'auc', convergence, axes: ['flops', 'latency'], png: false },
      );
      const names = fs.readdirSync(dir).sort();
      expect(names).to.include.members(['compare.md', 'compare.html', 'pareto-synthetic-fractal-flops.svg', 'pareto-synthetic-fractal-flops.vl.json', 'convergence-synthetic-fractal-latency.svg']);
      expect(names.some((n) => n.endsWith('.png'))).to.equal(false);
      const md = out.markdown;
      expect(md).to.contain('> **Partial: 8 of 9 trials.**');
      expect(md).to.contain('> **Cost missing for 2 of 8 trials**');
      expect(md).to.contain('cost/x/throughput.json: not valid JSON');
      const row = (b: string) => md.split('\n').find((l) => l.startsWith(`| ${b} |`))!.split('|').map((c) => c.trim());
      // | backbone | size | init | seeds | AUC | ACC | params | MFLOPs | latency | infer | train | steps | seconds | AUC/GFLOP | AUC/M | front (FLOPs) | front (latency) |
      expect(row('mobilenet').slice(1, 18)).to.deep.equal(['mobilenet', '64', 'scratch', '3', `0.910 ± ${((T2 * 0.01) / Math.sqrt(3)).toFixed(3)}`, '0.720', '1.00', '20.0', '8.00', '800', '160', '27', '13.3', '45.5', '0.910', '✓', '✓']);
      expect(row('cbr-small').slice(14, 18)).to.deep.equal(['16.4', '0.410', '', '✓']);
      expect(row('resnet50').slice(5, 18)).to.deep.equal([`0.750 ± ${(T1 * 0.05).toFixed(3)}`, '0.650', '23.5', '—', '—', '—', '—', '≥ 35 (1/2 censored)', '≥ 17.5 (1/2 censored)', '—', '0.0319', '—', '—']);
      expect(md).to.contain('AUC for FLOPs: dominated: cbr-small · scratch · 28 px (by mobilenet · scratch · 64 px).');
      expect(md).to.contain('## Throughput measurements');
      expect(fs.readFileSync(path.join(dir, 'compare.html'), 'utf8')).to.contain('<svg');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
