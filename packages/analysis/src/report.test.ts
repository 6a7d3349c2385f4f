import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { reportHtml } from './markdown-html';
import { inkFraction } from './png';
import { writeReport } from './report';
import { fixtureResults } from './test-fixtures';
import { Resvg } from '@resvg/resvg-js';

const FIGURES = ['final-metric', 'learning-curves-ci', 'learning-curves'];

describe('analysis/report: writeReport', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medtransfer-report-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes summary.md, report.html and every figure as .svg, .png and .vl.json', async () => {
    const out = path.join(dir, 'reports', 'fixture');
    const { markdown, files } = await writeReport(fixtureResults(), out, { experiment: 'fixture', metric: 'auc', threshold: 0.8 });
    const expected = ['summary.md', 'report.html', ...FIGURES.flatMap((f) => [`${f}.svg`, `${f}.png`, `${f}.vl.json`])];
    expect(files.map((f) => path.relative(out, f))).to.deep.equal(expected);
    expect(fs.readFileSync(files[0], 'utf8')).to.equal(markdown);
    expect(markdown).to.match(/^# fixture: summary/);
    expect(markdown).to.contain('| resnet50 | scratch | 3 | 0.750 ± 0.050 | 0.650 ± 0.050 | 30 (2/3) |  |');
    expect(markdown).to.contain('## Paired comparisons with scratch (same seeds)');
    expect(markdown).to.contain('| cbr-small | pretrained | 3 | +0.040 | [0.015, 0.065] |');
    expect(markdown).to.contain('| resnet50 | pretrained | ? 0.83× |');
    expect(fs.readFileSync(path.join(out, 'learning-curves.svg'), 'utf8')).to.match(/^<svg[\s\S]*fixture: validation AUC during training/);
    const png = fs.readFileSync(path.join(out, 'final-metric.png'));
    expect(png.subarray(1, 4).toString()).to.equal('PNG');
    const spec = JSON.parse(fs.readFileSync(path.join(out, 'final-metric.vl.json'), 'utf8'));
    expect(spec.$schema).to.match(/vega-lite\/v6/);
    // Atomic writes leave no temporary files behind.
    expect(fs.readdirSync(out).sort()).to.deep.equal([...expected].sort());
  });

  it('report.html is self-contained: tables and inline SVG figures, no external references', async () => {
    const out = path.join(dir, 'r');
    await writeReport(fixtureResults(), out, { experiment: 'fixture', metric: 'auc', threshold: 0.8, png: false });
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).to.match(/^<!DOCTYPE html>/);
    expect(html).to.contain('<th class="r">n</th>');
    expect(html).to.contain('<td>resnet50</td>');
    expect((html.match(/<figure[^>]*><svg/g) ?? []).length).to.equal(3);
    expect(html).to.not.match(/(src|href)\s*=\s*["']?(https?:|\/\/)/i);
    expect(html).to.not.match(/url\(\s*["']?https?:/i);
    expect(html).to.not.contain('<script');
    expect(fs.readdirSync(out).some((f) => f.endsWith('.png'))).to.equal(false);
  });

  it('a data-fraction sweep without a speed-up (only scratch ran) gets no speed-up figure, not an error', async () => {
    const results = fixtureResults()
      .filter((r) => r.summary.init === 'scratch')
      .map((r) => ({ ...r, summary: { ...r.summary, dataFraction: 0.5 } }));
    const { files } = await writeReport(results, dir, { experiment: 'fixture', metric: 'auc', threshold: 0.8 });
    expect(files.map((f) => path.basename(f))).to.include('final-metric.svg').and.not.include('speedup-vs-fraction.svg');
  });

  it('writes nothing when the input is bad', async () => {
    const out = path.join(dir, 'bad');
    let err: unknown;
    try {
      await writeReport(fixtureResults(), out, { experiment: 'x', metric: 'auc-roc', threshold: 0.8 });
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.match(/writeReport: unknown metric "auc-roc"; did you mean "auc"\?/);
    expect(fs.existsSync(out)).to.equal(false);
  });

  it('reportHtml escapes cell text and keeps right alignment from the Markdown table', () => {
    const html = reportHtml('# T <x>\n\n| a | b |\n|:---|---:|\n| <b> | 1 \\| 2 |\n', { title: 'T', figures: new Map() });
    expect(html).to.contain('<h1>T &lt;x&gt;</h1>');
    expect(html).to.contain('<td>&lt;b&gt;</td><td class="r">1 | 2</td>');
  });
});

/** Debian's chromium, if installed. */
function findChromium(): string | null {
  for (const bin of ['chromium', 'chromium-browser', 'google-chrome']) {
    const r = spawnSync('which', [bin], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return null;
}

describe('analysis/report: report.html in headless Chromium (MEDTRANSFER_SLOW_TESTS=1)', function () {
  this.timeout(120_000);
  it('renders to a non-blank screenshot', async function () {
    if (process.env.MEDTRANSFER_SLOW_TESTS !== '1') {
      console.log('      (skipped: set MEDTRANSFER_SLOW_TESTS=1 to screenshot report.html in headless Chromium)');
      this.skip();
    }
    const chromium = findChromium();
    if (!chromium) {
      console.log('      (skipped: no chromium on PATH; install Debian\'s "chromium" package to run this check)');
      this.skip();
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medtransfer-html-'));
    try {
      await writeReport(fixtureResults(), dir, { experiment: 'fixture', metric: 'auc', threshold: 0.8, png: false });
      const shot = path.join(dir, 'shot.png');
      const r = spawnSync(
        chromium!,
        ['--headless', '--no-sandbox', '--disable-gpu', `--user-data-dir=${path.join(dir, 'profile')}`, `--screenshot=${shot}`, '--window-size=1200,2400', `file://${path.join(dir, 'report.html')}`],
        { encoding: 'utf8', timeout: 90_000 },
      );
      expect(fs.existsSync(shot), `chromium exited ${r.status}: ${r.stderr}`).to.equal(true);
      // Decode the screenshot with resvg (an <image> in an SVG) to count its ink.
      const b64 = fs.readFileSync(shot).toString('base64');
      const img = new Resvg(`<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="2400"><image width="1200" height="2400" href="data:image/png;base64,${b64}"/></svg>`).render();
      expect(inkFraction(img.pixels)).to.be.above(0.01);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
