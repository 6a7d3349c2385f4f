// Weight adaptations: the first-conv channel sum (exact arithmetic, and the gray-image identity
// through a real model) and dropping the classifier, each with its log line.
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { MedtransferError, setLogSink } from '@medtransfer/core';
import { NamedWeights, loadWeights } from '../checkpoint';
import { createModel } from '../model';
import { images, predict, useCpuBackend } from '../test-helpers';
import { namedWeights } from '../weight-names';
import { adaptFirstConv, dropClassifier } from './adapt';

const named = (entries: Array<[string, number[], number[]]>): NamedWeights => ({
  source: 'test weights',
  tensors: new Map(entries.map(([k, shape, data]) => [k, { shape, data: Float32Array.from(data) }])),
});

describe('weight sources: adaptations', () => {
  let lines: string[];
  let restore: () => void;
  before(useCpuBackend);
  beforeEach(() => {
    lines = [];
    restore = setLogSink((_l, line) => lines.push(line));
  });
  afterEach(() => restore());

  it('sums a [1,2,3,2] HWIO kernel over axis 2, exactly, and logs it', () => {
    // Values v = 100·pos + 10·c + o make every sum identifiable.
    const data: number[] = [];
    for (let pos = 0; pos < 2; pos++) for (let c = 0; c < 3; c++) for (let o = 0; o < 2; o++) data.push(100 * pos + 10 * c + o);
    const w = named([['conv1/kernel', [1, 2, 3, 2], data], ['conv1/bias', [2], [5, 6]]]);
    const { weights, log } = adaptFirstConv(w, 'conv1', 1);
    const k = weights.tensors.get('conv1/kernel')!;
    expect(k.shape).to.deep.equal([1, 2, 1, 2]);
    // pos 0: Σc (10c + o) = 30 + 3o; pos 1: 300 + 30 + 3o.
    expect(Array.from(k.data)).to.deep.equal([30, 33, 330, 333]);
    expect(weights.tensors.get('conv1/bias')).to.equal(w.tensors.get('conv1/bias'));
    expect(w.tensors.get('conv1/kernel')!.shape).to.deep.equal([1, 2, 3, 2]); // input untouched
    expect(log).to.equal('first conv conv1: kernel [1,2,3,2] summed over its RGB input channels to [1,2,1,2] for 1-channel input');
    expect(lines.join('\n')).to.contain(log);
  });

  it('a summed CBR first conv on gray images equals the RGB model on the same images replicated to 3 channels', () => {
    const rgb = createModel({ name: 'cbr-tiny', params: {} }, { inputShape: [12, 12, 3], numClasses: 3, seed: 2 });
    const gray = createModel({ name: 'cbr-tiny', params: {} }, { inputShape: [12, 12, 1], numClasses: 3, seed: 3 });
    const x1 = images(2, 12, 1, 8);
    const x3 = tf.tile(x1, [1, 1, 1, 3]);
    try {
      const w: NamedWeights = {
        source: 'rgb model',
        tensors: new Map(namedWeights(rgb.model).map((n) => [n.key, { shape: n.variable.shape as number[], data: n.variable.read().dataSync() as Float32Array }])),
      };
      const report = loadWeights(gray, adaptFirstConv(w, 'block1_conv', 1).weights, { strict: true });
      expect(report.shapeMismatch).to.deep.equal([]);
      const a = predict(gray, x1);
      const b = predict(rgb, x3);
      a.forEach((v, i) => expect(v).to.be.closeTo(b[i], 1e-4 * (1 + Math.abs(b[i]))));
    } finally {
      tf.dispose([x1, x3]);
      rgb.dispose();
      gray.dispose();
    }
  });

  it('refuses an unknown layer (did you mean), a non-RGB kernel, and leaves a 1-channel kernel unchanged', () => {
    const w = named([['conv1/kernel', [1, 1, 2, 1], [1, 2]], ['conv2/kernel', [1, 1, 1, 1], [3]]]);
    expect(() => adaptFirstConv(w, 'conv_1', 1)).to.throw(MedtransferError, /unknown conv layer "conv_1"; did you mean "conv1"/);
    expect(() => adaptFirstConv(w, 'conv1', 1)).to.throw(MedtransferError, /takes 2 input channels \[1,1,2,1\]/);
    const same = adaptFirstConv(w, 'conv2', 1);
    expect(same.weights).to.equal(w);
    expect(same.log).to.contain('already takes 1 channel');
  });

  it('drops the classifier layers and logs what went (and which named layers were absent)', () => {
    const w = named([['conv1/kernel', [1], [1]], ['predictions/kernel', [2, 3], [1, 2, 3, 4, 5, 6]], ['predictions/bias', [3], [0, 0, 0]]]);
    const { weights, log } = dropClassifier(w, ['predictions', 'conv_preds']);
    expect([...weights.tensors.keys()]).to.deep.equal(['conv1/kernel']);
    expect(log).to.equal('dropped classifier 2 tensors: predictions/kernel [2,3], predictions/bias [3]; not in the weights: conv_preds');
    expect(w.tensors.size).to.equal(3);
    expect(lines.join('\n')).to.contain(log);
  });
});
