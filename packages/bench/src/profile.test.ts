// The kernel profile: options, a real (small) training step and evaluation pass, the table.
import { expect } from 'chai';
import { ConfigError } from '@medtransfer/core';
import * as tf from '@tensorflow/tfjs';
import { formatProfile, parseProfileArgs, profileStep } from './profile';

describe('bench:profile', function () {
  this.timeout(120_000);

  it('parses options with defaults, and names the option at fault', () => {
    expect(parseProfileArgs([])).to.include({ net: 'cbr-small', size: 28, batch: 32, backend: 'native', phase: 'train', steps: 10, warmup: 3 });
    expect(parseProfileArgs(['--net', 'mobilenet-v1', '--params', '{"alpha":0.5}', '--phase', 'infer', '--warmup', '0']).params).to.deep.equal({ alpha: 0.5 });
    expect(() => parseProfileArgs(['--net', 'resnet51'])).to.throw(ConfigError, /--net.*resnet51/s);
    expect(() => parseProfileArgs(['--phase', 'eval'])).to.throw(ConfigError, /--phase: must be train or infer, not "eval"/);
    expect(() => parseProfileArgs(['--batch', '0'])).to.throw(ConfigError, /--batch/);
    expect(() => parseProfileArgs(['--bogus'])).to.throw(ConfigError, /bogus/);
  });

  for (const phase of ['train', 'infer'] as const) {
    it(`${phase}: the convolutions are among the kernels, kernel times add up to at most the step, the timers are removed after`, async () => {
      const p = await profileStep({ net: 'cbr-tiny', size: 16, batch: 4, backend: 'wasm', phase, steps: 2, warmup: 1, params: {} });
      const names = p.kernels.map((k) => k.kernel);
      expect(names.some((n) => n.includes('Conv2D'))).to.equal(true);
      if (phase === 'train') expect(names).to.include('Conv2DBackpropFilter');
      const inKernels = p.kernels.reduce((s, k) => s + k.ms, 0);
      expect(inKernels).to.be.above(0).and.at.most(p.profiledStepMs);
      expect(p.kernels.every((k, i) => i === 0 || p.kernels[i - 1].ms >= k.ms), 'slowest first').to.equal(true);
      const table = formatProfile(p, 3);
      expect(table).to.match(/\| \d+ other kernels \|/).and.match(/\| \(outside kernels\) \|/).and.contain(`cbr-tiny @ 16 px, batch 4, ${phase === 'train' ? 'training step' : 'evaluation pass'} on wasm`);
      // unwrapped: one more call no longer counts
      const conv = tf.getKernel('Conv2D', tf.getBackend());
      expect(conv?.kernelFunc.toString()).to.not.contain('performance.now');
    });
  }
});
