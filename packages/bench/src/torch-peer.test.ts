// The PyTorch peer's JSON answer: parsed into typed results, with clear errors when it is broken;
// and, where torch imports, the peer's nets have exactly our FLOP counts (same architecture).
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { createModel } from '@medtransfer/zoo';
import { countFlops } from './flops';
import { PEER_SCRIPT, parsePeerOutput, peerEnv, probeTorch } from './torch-peer';

const timing = (mean: number) => ({ mean_s: mean, rme: 2.5, samples: 12, img_per_s: 32 / mean });
const good = {
  peer: 'torch',
  torch: '1.13.0',
  threads: 2,
  python: '3.11.2',
  net: 'cbr-small',
  size: 28,
  batch: 32,
  variant: 'same',
  flops_forward: 137433088,
  layouts: { nchw: { train: timing(0.05), infer: timing(0.02) }, channels_last: { train: timing(0.04), infer: timing(0.025) } },
};

describe('peerEnv', () => {
  it('drops the OpenBLAS tuning variables for the peer only, keeping the rest and the given object', () => {
    const env = { PATH: '/usr/bin', OPENBLAS_CORETYPE: 'Haswell', OPENBLAS_L2_SIZE: '1048576', OMP_NUM_THREADS: '2' };
    expect(peerEnv(env)).to.deep.equal({ PATH: '/usr/bin', OMP_NUM_THREADS: '2' });
    expect(env).to.have.property('OPENBLAS_CORETYPE', 'Haswell');
  });
});

describe('parsePeerOutput', () => {
  it('reads the JSON object on the last line, after any warnings', () => {
    const r = parsePeerOutput(`UserWarning: something\n${JSON.stringify(good)}\n\n`);
    expect(r).to.include({ torchVersion: '1.13.0', threads: 2, net: 'cbr-small', size: 28, batch: 32, variant: 'same', flopsForward: 137433088 });
    expect(r.layouts.nchw?.train).to.deep.equal({ meanSeconds: 0.05, rme: 2.5, samples: 12, imagesPerSecond: 640 });
    expect(r.layouts.channels_last?.infer.imagesPerSecond).to.be.closeTo(1280, 1e-9);
  });

  it('reports the error the peer gives', () => {
    expect(() => parsePeerOutput(JSON.stringify({ peer: 'torch', torch: '1.13', error: 'the torch peer does not define net "x"' }))).to.throw(/does not define net "x"/);
  });

  it('rejects output that is not JSON, naming what it saw', () => {
    expect(() => parsePeerOutput('Traceback (most recent call last):\nImportError: no torch')).to.throw(/expected a JSON object[\s\S]*ImportError/);
    expect(() => parsePeerOutput('{"torch": ')).to.throw(/not valid JSON/);
  });

  it('rejects missing or impossible timings', () => {
    const noInfer = { ...good, layouts: { nchw: { train: timing(0.05) } } };
    expect(() => parsePeerOutput(JSON.stringify(noInfer))).to.throw(/layouts\.nchw\.infer is missing/);
    const zero = { ...good, layouts: { nchw: { train: timing(0.05), infer: { ...timing(1), mean_s: 0 } } } };
    expect(() => parsePeerOutput(JSON.stringify(zero))).to.throw(/mean_s should be positive/);
    expect(() => parsePeerOutput(JSON.stringify({ ...good, layouts: {} }))).to.throw(/no layout/);
    expect(() => parsePeerOutput(JSON.stringify({ ...good, layouts: { nhwc: good.layouts.nchw } }))).to.throw(/unknown layout "nhwc"/);
  });
});

describe('torch peer script (needs /usr/bin/python3 with torch)', function () {
  this.timeout(60_000);
  let torchReason: string | undefined;
  before(function () {
    const probe = probeTorch('/usr/bin/python3', 1);
    torchReason = 'info' in probe ? undefined : probe.reason;
  });
  beforeEach(function () {
    if (torchReason === undefined) return;
    console.log(`      skipped: ${torchReason}`);
    this.skip();
  });

  /** Runs the peer on `net` at `size` px (batch 2, a few steps, NCHW only), as the bench does when `expectFlops` is given. */
  function peerRun(net: string, size: number, expectFlops?: number) {
    const args = [PEER_SCRIPT, '--net', net, '--size', String(size), '--batch', '2', '--time', '0.01', '--warmup', '0', '--threads', '1', '--layouts', 'nchw'];
    if (expectFlops !== undefined) args.push('--expect-flops', String(expectFlops));
    const r = spawnSync('/usr/bin/python3', args, { encoding: 'utf8', env: peerEnv() });
    expect(r.status, r.stderr).to.equal(0);
    return parsePeerOutput(r.stdout);
  }

  /** Forward FLOPs per image of the zoo's `name` with `params` at `size` px. */
  async function zooFlops(name: string, params: Record<string, unknown>, size: number): Promise<number> {
    await tf.setBackend('cpu');
    const m = createModel({ name, params }, { inputShape: [size, size, 3], numClasses: 2, seed: 0 });
    try {
      return countFlops(m.model).forward;
    } finally {
      m.dispose();
    }
  }

  it('defines CBR-Tiny with the same FLOPs as the zoo model', async function () {
    const peer = peerRun('cbr-tiny', 16);
    expect(peer.flopsForward).to.equal(await zooFlops('cbr-tiny', {}, 16));
    expect(peer.layouts.nchw?.train.samples).to.be.at.least(3);
  });

  // The peer picks, among its variants, the one whose count matches ours: exactly the zoo's net.
  const cases: { net: string; params: Record<string, unknown>; size: number; variant: string }[] = [
    { net: 'mobilenet-v1', params: { alpha: 0.5 }, size: 64, variant: 'alpha-0.5-imagenet' },
    { net: 'mobilenet-v1', params: { alpha: 0.25, stem: 'small' }, size: 32, variant: 'alpha-0.25-small' },
    { net: 'inception-v3', params: {}, size: 75, variant: 'keras' },
    { net: 'resnet50', params: {}, size: 64, variant: 'keras' },
  ];
  for (const c of cases) {
    it(`defines ${c.net} ${JSON.stringify(c.params)} at ${c.size} px (variant ${c.variant}) with the zoo's FLOPs`, async function () {
      this.timeout(30_000);
      const ours = await zooFlops(c.net, c.params, c.size);
      const peer = peerRun(c.net, c.size, ours);
      expect(peer.variant).to.equal(c.variant);
      expect(peer.flopsForward).to.equal(ours);
      expect(peer.layouts.nchw?.train.samples).to.be.at.least(3);
    });
  }
});
