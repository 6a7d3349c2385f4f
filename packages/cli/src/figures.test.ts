// `medtransfer figures transfusion` and `figures compare` on the committed reference results
// (results/reference/): every output is written, the numbers in transfusion.md are those of the
// stored summaries, and the committed compare.md is what figures compare writes from the store.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');
const reference = join(root, 'results/reference/transfusion-breastmnist');

interface Summary {
  backbone: string;
  init: string;
  seed: number;
  dataset: string;
  test: { auc: number; acc: number };
}

/** Every trial summary.json of the reference experiment. */
function summaries(): Summary[] {
  const out: Summary[] = [];
  for (const trial of readdirSync(reference, { withFileTypes: true }).filter((e) => e.isDirectory())) {
    const file = join(reference, trial.name, 'summary.json');
    if (existsSync(file)) out.push(JSON.parse(readFileSync(file, 'utf8')) as Summary);
  }
  return out;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('cli: figures transfusion on the reference results', function () {
  this.timeout(120_000);
  let out: string;
  before(function () {
    if (!existsSync(reference)) {
      console.log(`    (skipped: ${reference} is missing)`);
      this.skip();
    }
    out = mkdtempSync(join(tmpdir(), 'mt-figures-'));
  });
  after(() => out && rmSync(out, { recursive: true, force: true }));

  it('writes the tables and figures, and the model table holds the stored means', () => {
    const r = spawnSync(process.execPath, [join(root, 'packages/cli/bin/medtransfer'), 'figures', 'transfusion', '--results', reference, '--out', out], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).to.equal(0);
    for (const f of ['transfusion.md', 'transfusion.html', 'final-auc.svg', 'final-auc.png', 'final-auc.vl.json', 'convergence-speedup.svg', 'convergence-speedup.png', 'similarity-by-layer.svg']) {
      expect(existsSync(join(out, f)), f).to.equal(true);
    }
    const md = readFileSync(join(out, 'transfusion.md'), 'utf8');
    const all = summaries();
    expect(all.length).to.be.greaterThan(3);
    const groups = new Map<string, Summary[]>();
    for (const s of all) groups.set(`${s.backbone}|${s.init}`, [...(groups.get(`${s.backbone}|${s.init}`) ?? []), s]);
    const backbones = [...new Set(all.map((s) => s.backbone))];
    for (const b of backbones) {
      const row = md.split('\n').find((l) => l.startsWith(`| ${b} |`));
      expect(row, `model table row of ${b}`).to.not.equal(undefined);
      const cells = row!.split('|').map((c) => c.trim());
      // | backbone | params | AUC scratch | AUC pretrained | Δ AUC | p | ACC scratch | ACC pretrained |
      const scratch = groups.get(`${b}|scratch`)!;
      const pre = groups.get(`${b}|pretrained`)!;
      expect(cells[3]).to.match(new RegExp(`^${mean(scratch.map((s) => s.test.auc)).toFixed(3)} ± \\d\\.\\d{3} \\(${scratch.length}\\)$`));
      expect(cells[4]).to.match(new RegExp(`^${mean(pre.map((s) => s.test.auc)).toFixed(3)} ± \\d\\.\\d{3} \\(${pre.length}\\)$`));
      const delta = mean(pre.map((s) => s.test.auc)) - mean(scratch.map((s) => s.test.auc));
      expect(Number(cells[5])).to.be.closeTo(delta, 0.0006);
      expect(cells[7]).to.match(new RegExp(`^${mean(scratch.map((s) => s.test.acc)).toFixed(3)} `));
      expect(cells[8]).to.match(new RegExp(`^${mean(pre.map((s) => s.test.acc)).toFixed(3)} `));
    }
    // Sections without reference results name the experiment file that produces them.
    expect(md).to.contain('*Skipped: the transfusion-k curve');
    expect(md).to.contain('experiments/transfusion/retina-transfusion.yaml');
  });

  it('are finished wherever they are copied: status of a copy says every trial is done', function () {
    const breast = join(root, '../shared/data/medmnist/breastmnist.npz');
    if (!existsSync(breast)) {
      console.log(`    (skipped: keys need the BreastMNIST file, ${breast} is missing)`);
      this.skip();
    }
    const copy = join(out, 'copied', 'results');
    cpSync(reference, join(copy, 'transfusion-breastmnist'), { recursive: true });
    const r = spawnSync(process.execPath, [join(root, 'packages/cli/bin/medtransfer'), 'status', 'experiments/transfusion/reference-breastmnist.yaml', '--results', copy], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('12 trial(s): 12 done, 0 running, 0 failed, 0 pending');
  });
});

describe('cli: figures compare on the reference results', function () {
  this.timeout(120_000);
  const experiment = 'experiments/cbr-vs-imagenet-reference.yaml';
  const committed = join(root, 'results/reference/cbr-vs-imagenet-reference/figures-compare');
  let out: string;
  before(function () {
    if (!existsSync(committed)) {
      console.log(`    (skipped: ${committed} is missing)`);
      this.skip();
    }
    out = mkdtempSync(join(tmpdir(), 'mt-compare-ref-'));
  });
  after(() => out && rmSync(out, { recursive: true, force: true }));

  it('writes the committed report again from the stored trials and throughput records', () => {
    const r = spawnSync(process.execPath, [join(root, 'packages/cli/bin/medtransfer'), 'figures', 'compare', experiment, '--results', 'results/reference', '--out', out, '--no-png'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('34 finished trial(s), 17 row(s)');
    expect(readFileSync(join(out, 'compare.md'), 'utf8')).to.equal(readFileSync(join(committed, 'compare.md'), 'utf8'));
    for (const f of ['pareto-breastmnist-flops.vl.json', 'convergence-breastmnist-latency.vl.json']) {
      expect(readFileSync(join(out, f), 'utf8'), f).to.equal(readFileSync(join(committed, f), 'utf8'));
    }
  });
});
