// bench:soak: its options, the flat/not-flat verdict on hand-made samples, and a short real run.
import { expect } from 'chai';
import { ConfigError } from '@medtransfer/core';
import { RSS_SLACK_MB, type SoakSample, formatSoakReport, parseSoakArgs, runSoak, soakVerdict } from './soak';

const sample = (step: number, tensors: number, rssMb: number): SoakSample => ({ step, tensors, tensorMb: tensors / 10, rssMb, seconds: step / 10 });

describe('bench:soak', () => {
  it('fills the defaults: CBR-Small @ 28 px on native, 2 000 steps, memory every 200, evaluation every 50', () => {
    expect(parseSoakArgs([])).to.deep.include({ net: 'cbr-small', size: 28, backend: 'native', batch: 32, steps: 2000, every: 200, evalEvery: 50, help: false });
    expect(parseSoakArgs(['--net', 'cbr-tiny', '--steps', '20', '--every', '5', '--params', '{"padding":"valid"}'])).to.deep.include({ net: 'cbr-tiny', steps: 20, every: 5, params: { padding: 'valid' } });
  });

  it('names the option of a bad value', () => {
    expect(() => parseSoakArgs(['--net', 'cbr-smal'])).to.throw(ConfigError, /--net: unknown backbone "cbr-smal"; did you mean "cbr-small"/);
    expect(() => parseSoakArgs(['--steps', '0'])).to.throw(ConfigError, /--steps: expected a whole number/);
    expect(() => parseSoakArgs(['--steps', '10', '--every', '6'])).to.throw(ConfigError, /--every: 6 leaves fewer than two samples in 10 steps; give at most 5/);
    expect(() => parseSoakArgs(['--backend', 'gpu'])).to.throw(ConfigError, /--backend: unknown backend "gpu"/);
    expect(() => parseSoakArgs(['--nets', 'x'])).to.throw(ConfigError, /arguments: .*--nets/);
  });

  it('is flat when the live tensors do not change after warm-up and RSS stays within its slack', () => {
    const flat = soakVerdict([sample(0, 10, 300), sample(200, 40, 400), sample(400, 40, 410), sample(600, 40, 400 + RSS_SLACK_MB)]);
    expect(flat).to.deep.equal({ fromStep: 200, tensorGrowth: 0, rssGrowthMb: RSS_SLACK_MB, flat: true });
    expect(soakVerdict([sample(0, 10, 300), sample(200, 40, 400), sample(400, 41, 400)])).to.deep.include({ tensorGrowth: 1, flat: false });
    // 5 % of 1 000 MB is more than the fixed slack
    expect(soakVerdict([sample(0, 10, 900), sample(200, 40, 1000), sample(400, 40, 1049)]).flat).to.equal(true);
    expect(soakVerdict([sample(0, 10, 900), sample(200, 40, 1000), sample(400, 40, 1051)]).flat).to.equal(false);
    expect(() => soakVerdict([sample(0, 1, 1), sample(1, 1, 1)])).to.throw(ConfigError, /at least 3 memory samples/);
  });

  it('runs training and evaluation steps and leaves no tensor behind them (CBR-Tiny, 16 px, wasm)', async function () {
    this.timeout(120_000);
    const seen: number[] = [];
    const r = await runSoak({ net: 'cbr-tiny', size: 16, backend: 'wasm', batch: 4, steps: 12, every: 4, evalEvery: 3, params: {} }, (s) => seen.push(s.step));
    expect(seen).to.deep.equal([0, 4, 8, 12]);
    expect(r.backend).to.equal('wasm');
    expect(r.verdict.tensorGrowth).to.equal(0);
    expect(r.samples.every((s) => s.rssMb > 0 && s.tensors > 0)).to.equal(true);
    const text = formatSoakReport(r);
    expect(text).to.match(/cbr-tiny @ 16 px on wasm, batch 4, 12 training steps, an evaluation pass every 3/);
    expect(text.split('\n').filter((l) => /^\| \d+ \|/.test(l))).to.have.length(4);
    expect(text).to.match(/(flat|NOT FLAT) from step 4 to 12: live tensors \+0/);
  });
});
