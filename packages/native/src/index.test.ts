// The addon loader and the addon's GEMM: blocking edges (sizes past the register tile and cache
// blocks, transposes, batches) against a plain JavaScript product; argument checks; the switches.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type NativeKernels, loadNative, nativeTestSkipReason } from '.';
import { matMul as naive } from './reference-kernels';
import { expectClose, filled, inChild } from './test-support';

const expectNear = (actual: Float32Array, expected: Float32Array, label: string) => expectClose(actual, expected, label, 1e-4);

describe('@medtransfer/native', function () {
  let native: NativeKernels;

  before(function () {
    const skip = nativeTestSkipReason(); // throws under MEDTRANSFER_REQUIRE_NATIVE=1
    const load = loadNative();
    if (!load.kernels) {
      console.log(`      (skipped: ${skip})`);
      this.skip();
    }
    native = load.kernels;
  });

  it('reports its instruction set and thread count', () => {
    const info = native.info();
    expect(['avx512', 'avx2', 'generic']).to.include(info.isa);
    expect(info.threads).to.be.at.least(1);
  });

  for (const [m, n, k] of [[1, 1, 1], [13, 33, 7], [150, 70, 300], [5, 2100, 40], [301, 17, 513]]) {
    it(`matMul ${m}×${k} · ${k}×${n} in every transpose combination`, () => {
      for (const ta of [false, true])
        for (const tb of [false, true]) {
          const a = filled(m * k, 1), b = filled(k * n, 2), c = new Float32Array(m * n).fill(Number.NaN);
          native.matMul(a, b, c, 1, m, n, k, ta ? 1 : 0, tb ? 1 : 0, 0, 0);
          expectNear(c, naive(a, b, m, n, k, ta, tb), `ta=${ta} tb=${tb}`);
        }
    });
  }

  it('matMul over a batch, with the second operand broadcast', () => {
    const [batch, m, n, k] = [3, 7, 9, 11];
    const a = filled(batch * m * k, 3), b = filled(k * n, 4), c = new Float32Array(batch * m * n);
    native.matMul(a, b, c, batch, m, n, k, 0, 0, m * k, 0);
    for (let i = 0; i < batch; i++) {
      expectNear(c.subarray(i * m * n, (i + 1) * m * n), naive(a.subarray(i * m * k, (i + 1) * m * k), b, m, n, k, false, false), `batch ${i}`);
    }
  });

  it('rejects arguments of the wrong type with a TypeError', () => {
    expect(() => native.maxPool(new Int32Array(3), new Float32Array(1), new Float32Array(1))).to.throw(TypeError, /geometry/);
    const g = Int32Array.from([1, 2, 2, 1, 1, 1, 1, 1, 1, 1, 0, 0, 2, 2, 1]);
    expect(() => native.maxPool(g, new Float64Array(4) as unknown as Float32Array, new Float32Array(4))).to.throw(TypeError, /Float32Array/);
  });

  it('depthwise kernels: a 2×2 window by hand, and a RangeError when co is not a multiple of c', () => {
    // one 3×3 image of 2 channels (channel 1 = −channel 0), 2×2 filter, stride 1, valid, bias, relu
    const g = Int32Array.from([1, 3, 3, 2, 2, 2, 1, 1, 1, 1, 0, 0, 2, 2, 2]);
    const x = Float32Array.from([1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6, -6, 7, -7, 8, -8, 9, -9]);
    const w = Float32Array.from([1, 1, 0, 0, 0, 0, 1, 1]); // taps (0,0) and (1,1) per channel
    const y = new Float32Array(8);
    native.depthwiseConv2d(g, x, w, y, Float32Array.from([0.5, 20]), 1);
    // channel 0: x[i,j] + x[i+1,j+1] + 0.5; channel 1: 20 − that sum
    expect(Array.from(y)).to.deep.equal([6.5, 14, 8.5, 12, 12.5, 8, 14.5, 6]);
    const dw = new Float32Array(8);
    native.depthwiseConv2dBackpropFilter(g, x, new Float32Array(8).fill(1), dw);
    expect(Array.from(dw)).to.deep.equal([12, -12, 16, -16, 24, -24, 28, -28]);
    const dx = new Float32Array(18);
    native.depthwiseConv2dBackpropInput(g, new Float32Array(8).fill(1), w, dx);
    expect(Array.from(dx.filter((_, i) => i % 2 === 0))).to.deep.equal([1, 1, 0, 1, 2, 1, 0, 1, 1]);
    const bad = Int32Array.from([1, 3, 3, 2, 2, 2, 1, 1, 1, 1, 0, 0, 2, 2, 3]);
    expect(() => native.depthwiseConv2d(bad, x, w, y, null, 0)).to.throw(RangeError, /multiple of input channels/);
  });
});

describe('@medtransfer/native switches', () => {
  const loader = path.join(__dirname, 'index.ts');
  let unbuilt: string;

  before(() => {
    // A copy of the loader in a package directory without build/: an addon that was never compiled.
    unbuilt = fs.mkdtempSync(path.join(os.tmpdir(), 'medtransfer-native-'));
    fs.mkdirSync(path.join(unbuilt, 'src'));
    fs.copyFileSync(loader, path.join(unbuilt, 'src', 'index.ts'));
  });
  after(() => fs.rmSync(unbuilt, { recursive: true, force: true }));

  it('MEDTRANSFER_NATIVE=0 turns the addon off and says so', () => {
    expect(inChild(loader, 'n.loadNative().reason', { MEDTRANSFER_NATIVE: '0' })).to.deep.equal({ value: 'turned off by MEDTRANSFER_NATIVE=0' });
  });

  it('without MEDTRANSFER_REQUIRE_NATIVE an addon that is not built makes the kernel tests skip, saying how to build it', () => {
    const r = inChild(path.join(unbuilt, 'src', 'index.ts'), 'n.nativeTestSkipReason()', { MEDTRANSFER_NATIVE: undefined, MEDTRANSFER_REQUIRE_NATIVE: undefined });
    expect(r.value).to.be.a('string').and.match(/^the addon is not compiled; build it with "npm run build -w @medtransfer\/native"/);
  });

  it('MEDTRANSFER_REQUIRE_NATIVE=1 turns that skip into an error naming the switch and the build command', () => {
    const r = inChild(path.join(unbuilt, 'src', 'index.ts'), 'n.nativeTestSkipReason()', { MEDTRANSFER_NATIVE: undefined, MEDTRANSFER_REQUIRE_NATIVE: '1' });
    expect(r.error).to.be.a('string');
    for (const s of ['cannot be loaded although MEDTRANSFER_REQUIRE_NATIVE=1', 'the addon is not compiled', 'npm run build -w @medtransfer/native', 'Unset MEDTRANSFER_REQUIRE_NATIVE']) {
      expect(r.error).to.include(s);
    }
  });

  it('MEDTRANSFER_REQUIRE_NATIVE=1 still skips an addon turned off with MEDTRANSFER_NATIVE=0 (a choice, not a broken build)', () => {
    const r = inChild(loader, 'n.nativeTestSkipReason()', { MEDTRANSFER_NATIVE: '0', MEDTRANSFER_REQUIRE_NATIVE: '1' });
    expect(r).to.deep.equal({ value: 'turned off by MEDTRANSFER_NATIVE=0' });
  });
});
