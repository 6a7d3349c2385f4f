import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeReport } from './report';
import { fixtureResults } from './test-fixtures';

describe('analysis/report: writeReport', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medtransfer-report-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes summary.md and the learning-curve figure and returns the markdown', async () => {
    const out = path.join(dir, 'reports', 'fixture');
    const { markdown, files } = await writeReport(fixtureResults(), out, { experiment: 'fixture', metric: 'auc', threshold: 0.8 });
    expect(files.map((f) => path.relative(out, f))).to.deep.equal(['summary.md', 'learning-curves.svg', 'learning-curves.vl.json']);
    expect(fs.readFileSync(files[0], 'utf8')).to.equal(markdown);
    expect(markdown).to.match(/^# fixture: summary/);
    expect(markdown).to.contain('| resnet50 | scratch | 3 | 0.750 ± 0.050 | 0.650 ± 0.050 | 30 (2/3) |  |');
    expect(fs.readFileSync(files[1], 'utf8')).to.match(/^<svg[\s\S]*fixture: validation AUC during training/);
    const spec = JSON.parse(fs.readFileSync(files[2], 'utf8'));
    expect(spec.$schema).to.match(/vega-lite\/v6/);
    // Atomic writes leave no temporary files behind.
    expect(fs.readdirSync(out).sort()).to.deep.equal(['learning-curves.svg', 'learning-curves.vl.json', 'summary.md']);
  });

  it('writes nothing when the input is bad', async () => {
    const out = path.join(dir, 'bad');
    let err: unknown;
    try {
      await writeReport(fixtureResults(), out, { experiment: 'x', metric: 'f1' as never, threshold: 0.8 });
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.match(/metric "f1" is not supported/);
    expect(fs.existsSync(out)).to.equal(false);
  });
});
