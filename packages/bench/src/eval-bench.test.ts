// `npm run bench:eval` and the main bench's --eval-path: option parsing with did-you-mean errors,
// and one tiny measurement on the cpu backend that fills every column of the table.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { ConfigError } from '@medtransfer/core';
import { DEFAULT_EVAL_PATH, selectBackend } from '@medtransfer/engine';
import { parseBenchArgs } from './args';
import { EVAL_DEFAULTS, formatEvalReport, parseEvalBenchArgs, runEvalBench } from './eval-bench';

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected the options to be rejected');
}

describe('bench:eval', () => {
  it('fills the defaults and reads lists', () => {
    expect(parseEvalBenchArgs([])).to.include({ timeSeconds: EVAL_DEFAULTS.timeSeconds, rounds: EVAL_DEFAULTS.rounds, help: false });
    const o = parseEvalBenchArgs(['--nets', 'resnet18,cbr-small', '--batches', '1,32,1', '--params', 'resnet18:{"stem":"small"}']);
    expect(o.nets).to.deep.equal(['resnet18', 'cbr-small']);
    expect(o.batches).to.deep.equal([1, 32]);
    expect(o.params).to.deep.equal({ resnet18: { stem: 'small' } });
  });

  it('rejects unknown nets, backends and evaluation paths with the nearest name', () => {
    expect(errorOf(() => parseEvalBenchArgs(['--nets', 'resnet-18'])).message).to.include('--nets[0]').and.include('did you mean "resnet18"');
    expect(errorOf(() => parseEvalBenchArgs(['--backends', 'nativ'])).message).to.include('--backends[0]').and.include('did you mean "native"');
    expect(parseBenchArgs([]).evalPath).to.equal(DEFAULT_EVAL_PATH);
    expect(parseBenchArgs(['--eval-path', 'layers']).evalPath).to.equal('layers');
    expect(errorOf(() => parseBenchArgs(['--eval-path', 'fold'])).message).to.include('--eval-path').and.include('did you mean "folded"');
  });

  it('measures both paths side by side and prints one row per configuration', async () => {
    const previous = tf.getBackend() || 'cpu';
    const before = tf.memory().numTensors;
    try {
      const report = await runEvalBench({ ...parseEvalBenchArgs(['--nets', 'cbr-tiny', '--sizes', '16', '--backends', 'cpu', '--batches', '2']), timeSeconds: 0.05, rounds: 2 });
      expect(report.rows).to.have.length(1);
      const row = report.rows[0];
      expect(row.plan).to.equal('4 fused convs, 10 steps');
      expect(row.paths.layers.rounds).to.have.length(2);
      expect(row.paths.folded.kernels).to.be.below(row.paths.layers.kernels);
      expect(row.speedup).to.be.above(0);
      expect(formatEvalReport(report)).to.match(/\| cbr-tiny \| 16 \| cpu \| 2 \| [\d.]+ \([\d., ]+\) \| [\d.]+ \([\d., ]+\) \| [\d.]+× \| \d+ → \d+ \| [\d.]+ \|/);
      expect(tf.memory().numTensors).to.equal(before);
    } finally {
      await selectBackend(previous as 'cpu');
    }
  });
});
