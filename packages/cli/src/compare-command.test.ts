// `medtransfer figures compare` from the command line: bad flags and an experiment without results
// fail with exit code 2 and a message saying what to do (the report itself: runner's compare-figures.test.ts).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');
const cli = (...args: string[]) => spawnSync(process.execPath, [join(root, 'packages/cli/bin/medtransfer'), 'figures', 'compare', ...args], { cwd: root, encoding: 'utf8' });

describe('cli: figures compare', function () {
  this.timeout(120_000);
  let empty: string;
  before(() => (empty = mkdtempSync(join(tmpdir(), 'mt-compare-cli-'))));
  after(() => rmSync(empty, { recursive: true, force: true }));

  it('refuses an unknown cost with the valid names', () => {
    const x = cli('experiments/quickstart.yaml', '--results', empty, '--x', 'flop');
    expect(x.status).to.equal(2);
    expect(x.stderr).to.match(/--x: unknown cost "flop"; did you mean "flops"\?/);
  });

  it('without results, says to run the experiment first', () => {
    const r = cli('experiments/quickstart.yaml', '--results', empty);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/no finished trial of experiments\/quickstart\.yaml in .*; run the experiment first \(`medtransfer run experiments\/quickstart\.yaml --results /);
  });
});
