import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderSvg } from './render';
import { ccaDegenerate, checkSimilarityResult, similarityByLayerSpec, similarityMarkdown, writeSimilarity, type SimilarityResult, type SimilarityRow } from './similarity-report';

const row = (pair: string, group: string, depth: number, metric: SimilarityRow['metric'], value: number, sizes: Partial<SimilarityRow> = {}): SimilarityRow => ({
  pair,
  a: pair.split(' vs ')[0],
  b: pair.split(' vs ')[1],
  group,
  depth,
  metric,
  value,
  ...sizes,
});

const RESULT: SimilarityResult = {
  format: 'medtransfer-similarity',
  version: 1,
  probe: { dataset: 'medmnist/breastmnist', split: 'test', count: 156, spatial: 'fold' },
  models: [],
  rows: [
    // Given out of depth order: tables and the figure sort by depth.
    row('p vs s', 'head', 2, 'cka', 0.3),
    row('p vs s', 'block1', 0, 'cka', 0.95),
    row('p vs s', 'block1', 0, 'pwcca', 0.9, { rows: 1000, featuresA: 32, featuresB: 32 }),
    row('p vs s', 'block2', 1, 'cka', 0.6),
    row('p vs s', 'block2', 1, 'pwcca', 0.99, { rows: 100, featuresA: 64, featuresB: 64 }),
    row('p vs p@initial', 'block1', 0, 'cka', 0.8),
  ],
};

describe('analysis/similarity-report', () => {
  it('flags CCA values whose features reach the number of rows, never CKA', () => {
    expect(ccaDegenerate(RESULT.rows[2])).to.equal(false);
    expect(ccaDegenerate(RESULT.rows[4])).to.equal(true);
    expect(ccaDegenerate(row('a vs b', 'g', 0, 'cka', 1, { rows: 10, featuresA: 10, featuresB: 10 }))).to.equal(false);
  });

  it('writes one table per pair, groups in depth order, measures as columns, † on degenerate CCA', () => {
    const md = similarityMarkdown(RESULT);
    expect(md).to.contain('the first 156 images of the test split of `medmnist/breastmnist`');
    const table = md.slice(md.indexOf('**p vs s**'), md.indexOf('**p vs p@initial**'));
    expect(table).to.contain('| layer group | linear CKA | PWCCA |');
    const groups = [...table.matchAll(/^\| (block1|block2|head) /gm)].map((m) => m[1]);
    expect(groups).to.deep.equal(['block1', 'block2', 'head']);
    expect(table).to.contain('| block2 | 0.600 | 0.990 † |');
    expect(table).to.contain('| head | 0.300 | — |');
    expect(md).to.contain('† CCA-based value');
  });

  it('renders one panel per measure with a line per pair', async () => {
    const svg = await renderSvg(similarityByLayerSpec(RESULT.rows));
    expect(svg).to.contain('layer group (input → output)');
    expect(svg).to.contain('linear CKA');
    expect(svg).to.contain('PWCCA');
    const lines = [...svg.matchAll(/<g class="mark-line role-mark[^"]*"[^>]*>([\s\S]*?)<\/g>/g)].reduce((n, g) => n + (g[1].match(/<path/g) ?? []).length, 0);
    expect(lines).to.equal(3); // CKA: 2 pairs; PWCCA: 1
  });

  it('writes json, md, html and the figure; the json reads back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mt-sim-'));
    try {
      const out = await writeSimilarity(RESULT, dir, { png: false });
      expect(out.files.map((f) => f.slice(dir.length + 1))).to.deep.equal(['similarity.json', 'similarity.md', 'similarity.html', 'similarity-by-layer.svg', 'similarity-by-layer.vl.json']);
      const back = checkSimilarityResult(JSON.parse(readFileSync(join(dir, 'similarity.json'), 'utf8')), 'x');
      expect(back.rows).to.deep.equal(RESULT.rows);
      expect(() => checkSimilarityResult({ rows: [] }, 'f.json')).to.throw(/f\.json: not a similarity result/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
