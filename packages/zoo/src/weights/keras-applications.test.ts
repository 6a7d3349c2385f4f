// The Keras Applications table (names, URLs, published hashes, layouts checked against our own
// models), the layout check on files written from our models, and `weights: imagenet` /
// `{kind: keras-applications}` in an experiment's backbone params.
import { expect } from 'chai';
import { join } from 'node:path';
import { ConfigError } from '@medtransfer/core';
import { createModel } from '../model';
import { tempDir, useCpuBackend } from '../test-helpers';
import { namedWeights, shapeOf } from '../weight-names';
import { splitBackboneWeights } from './external';
import { readKerasH5 } from './keras-h5';
import { KERAS_APPLICATIONS, KERAS_APPLICATIONS_URL, type KerasApplicationsFile, imagenetFileFor, kerasApplicationsFile, kerasApplicationsUrl } from './keras-applications';
import { checkKerasApplicationsLayout } from './keras-applications-layout';
import { kerasLayers, writeKerasH5 } from './test-fixtures';

/** A Keras-layout .h5 of our mobilenet-v1 (3 channels, 1000 classes), without the classifier unless `top`. */
async function writeMobilenet(file: string, alpha: number, top = false): Promise<void> {
  const m = createModel({ name: 'mobilenet-v1', params: { alpha } }, { inputShape: [32, 32, 3], numClasses: 1000, seed: 5 });
  try {
    const head = new Set(m.headLayers);
    await writeKerasH5(file, kerasLayers(m).filter((l) => top || !head.has(l.name)));
  } finally {
    m.dispose();
  }
}

describe('Keras Applications weight files', function () {
  this.timeout(120_000);
  let dir: string;
  let cleanup: () => void;
  before(async () => {
    await useCpuBackend();
    ({ dir, cleanup } = tempDir('keras-apps'));
  });
  after(() => cleanup());

  it('lists ResNet50, InceptionV3 and 16 MobileNets, each with and without the classifier, under unique names', () => {
    expect(KERAS_APPLICATIONS).to.have.length(36);
    expect(new Set(KERAS_APPLICATIONS.map((e) => e.name)).size).to.equal(36);
    expect(new Set(KERAS_APPLICATIONS.map((e) => e.file)).size).to.equal(36);
    expect(KERAS_APPLICATIONS.filter((e) => e.top)).to.have.length(18);
    for (const e of KERAS_APPLICATIONS) expect(e.md5 === null || /^[0-9a-f]{32}$/.test(e.md5), e.name).to.equal(true);
  });

  it('has the URLs and MD5s Keras publishes (keras/src/applications/resnet.py, inception_v3.py, mobilenet.py)', () => {
    const r = kerasApplicationsFile('resnet50-notop');
    expect(kerasApplicationsUrl(r)).to.equal('https://storage.googleapis.com/tensorflow/keras-applications/resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5');
    expect(r.md5).to.equal('4d473c1dd8becc155b73f8504c6f6626');
    expect(kerasApplicationsFile('resnet50').md5).to.equal('2cb95161c43110f7111970584f804107');
    const i = kerasApplicationsFile('inception-v3-notop');
    expect(kerasApplicationsUrl(i)).to.equal(`${KERAS_APPLICATIONS_URL}/inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5`);
    expect(i.md5).to.equal('bcbd6486424b2319ff4ef7d526e38f63');
    expect(kerasApplicationsFile('inception-v3').md5).to.equal('9a0d58056eeedaa3f26cb7ebd46da564');
    const m = kerasApplicationsFile('mobilenet-0.5-224-notop');
    expect(kerasApplicationsUrl(m)).to.equal(`${KERAS_APPLICATIONS_URL}/mobilenet/mobilenet_5_0_224_tf_no_top.h5`);
    expect(m).to.include({ md5: null, backbone: 'mobilenet-v1', top: false });
    expect(kerasApplicationsFile('mobilenet-1.0-128').file).to.equal('mobilenet_1_0_128_tf.h5');
    expect(kerasApplicationsFile('mobilenet-0.25-160-notop').file).to.equal('mobilenet_2_5_160_tf_no_top.h5');
    expect(kerasApplicationsUrl(m, 'http://127.0.0.1:9/mirror/')).to.equal('http://127.0.0.1:9/mirror/mobilenet/mobilenet_5_0_224_tf_no_top.h5');
    expect(() => kerasApplicationsFile('resnet50_notop')).to.throw(/unknown Keras Applications weight file "resnet50_notop"; did you mean "resnet50-notop"/);
  });

  it('records layouts that are those of our own models (tensor count and key shapes)', () => {
    const kinds = new Map<string, KerasApplicationsFile>();
    for (const e of KERAS_APPLICATIONS) kinds.set(`${e.backbone}${JSON.stringify(e.params)}${e.top}`, e);
    expect(kinds.size).to.equal(12);
    for (const e of kinds.values()) {
      const size = e.backbone === 'inception-v3' ? 75 : 32;
      const m = createModel({ name: e.backbone, params: e.params }, { inputShape: [size, size, 3], numClasses: 1000, seed: 0 });
      try {
        const head = new Set(m.headLayers);
        const named = namedWeights(m.model).filter((w) => e.top || !head.has(w.layer));
        expect(named.length, e.name).to.equal(e.layout.tensors);
        const shapes = new Map(named.map((w) => [w.key, shapeOf(w.variable)]));
        for (const [key, shape] of Object.entries(e.layout.keys)) expect(shapes.get(key), `${e.name} ${key}`).to.deep.equal(shape);
      } finally {
        m.dispose();
      }
    }
  });

  it('accepts a file with the backbone’s layout and names the layer and shapes of one that does not fit', async () => {
    const entry = kerasApplicationsFile('mobilenet-0.25-128-notop');
    const good = join(dir, 'good.h5');
    await writeMobilenet(good, 0.25);
    const ok = checkKerasApplicationsLayout(entry, await readKerasH5(good));
    expect(ok).to.deep.equal({ matched: 135, problems: [], notes: [] });

    const withTop = join(dir, 'top.h5');
    await writeMobilenet(withTop, 0.25, true);
    expect(checkKerasApplicationsLayout(kerasApplicationsFile('mobilenet-0.25-128'), await readKerasH5(withTop)).problems).to.deep.equal([]);
    const extra = checkKerasApplicationsLayout(entry, await readKerasH5(withTop));
    expect(extra.problems).to.deep.equal([]);
    expect(extra.notes.join()).to.contain('also holds the classifier (conv_preds/kernel, conv_preds/bias)');
    const noTop = checkKerasApplicationsLayout(kerasApplicationsFile('mobilenet-0.25-128'), await readKerasH5(good));
    expect(noTop.problems).to.deep.equal(['2 weight(s) of mobilenet-v1 alpha 0.25 are not in the file: conv_preds/kernel, conv_preds/bias']);

    const wide = join(dir, 'wide.h5');
    await writeMobilenet(wide, 0.5);
    const bad = checkKerasApplicationsLayout(entry, await readKerasH5(wide));
    expect(bad.problems[0]).to.equal('layer "conv1": conv1/kernel is [3,3,3,16] in the file but [3,3,3,8] in mobilenet-v1 alpha 0.25');
    expect(bad.problems.join('\n')).to.match(/more weight\(s\) of other shapes/).and.contain('the table expects [3,3,3,8]');
  });

  it('resolves `weights: imagenet` to the no-top file of the backbone and its params, in the weights folder', () => {
    const split = (name: string, params: Record<string, unknown>) => splitBackboneWeights({ name, params: { ...params, weights: 'imagenet' } }, 'sweep.backbone[1]', { weightsDir: '/cache/w' });
    expect(split('mobilenet-v1', { alpha: 0.5 })).to.deep.equal({
      model: { name: 'mobilenet-v1', params: { alpha: 0.5 } },
      weights: { kind: 'keras-h5', path: '/cache/w/mobilenet_5_0_224_tf_no_top.h5', kerasApplications: { name: 'mobilenet-0.5-224-notop', dir: '/cache/w' } },
    });
    expect(split('mobilenet-v1', {}).weights?.kerasApplications?.name).to.equal('mobilenet-1.0-224-notop');
    expect(split('resnet50', {}).weights?.path).to.equal('/cache/w/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5');
    expect(split('mobilenet-v1', { alpha: 0.25, stem: 'small' }).weights?.kerasApplications?.name).to.equal('mobilenet-0.25-224-notop');
    // ResNet-50's small stem has a 3×3 conv1 where the file's is 7×7: refused at plan time, not when loading
    expect(() => split('resnet50', { stem: 'small' })).to.throw(ConfigError, /^sweep\.backbone\[1\]\.params\.weights: resnet50 stem small has no Keras ImageNet weight file/);
    expect(split('inception-v3', {}).weights?.kerasApplications?.name).to.equal('inception-v3-notop');
    expect(() => split('resnet18', {})).to.throw(
      ConfigError,
      'sweep.backbone[1].params.weights: resnet18 has no Keras ImageNet weights; "imagenet" is available for resnet50, inception-v3 and mobilenet-v1 (alpha 0.25, 0.5, 0.75, 1)',
    );
    expect(() => imagenetFileFor('cbr-small', {}, 'x')).to.throw(ConfigError, /^x: cbr-small has no Keras ImageNet weights/);
  });

  it('takes {kind: keras-applications, name, dir?}: a known name that fits the backbone', () => {
    const split = (params: Record<string, unknown>, weights: unknown, name = 'mobilenet-v1') => () =>
      splitBackboneWeights({ name, params: { ...params, weights } }, 'sweep.backbone[0]', { weightsDir: '/cache/w' });
    expect(split({ alpha: 0.25 }, { kind: 'keras-applications', name: 'mobilenet-0.25-128-notop', dir: '/mine' })().weights).to.deep.equal({
      kind: 'keras-h5',
      path: '/mine/mobilenet_2_5_128_tf_no_top.h5',
      kerasApplications: { name: 'mobilenet-0.25-128-notop', dir: '/mine' },
    });
    expect(split({}, { kind: 'keras-applications', name: 'resnet50' }, 'resnet50')().weights?.path).to.equal('/cache/w/resnet50_weights_tf_dim_ordering_tf_kernels.h5');
    expect(split({}, { kind: 'keras-applications', name: 'resnet50-nottop' }, 'resnet50')).to.throw(
      ConfigError,
      'sweep.backbone[0].params.weights.name: unknown Keras Applications weight file "resnet50-nottop"; did you mean "resnet50-notop"',
    );
    expect(split({ alpha: 0.25 }, { kind: 'keras-applications', name: 'mobilenet-0.5-224-notop' })).to.throw(
      ConfigError,
      /weights\.name: mobilenet-0\.5-224-notop holds weights for mobilenet-v1 alpha 0\.5, but this backbone is mobilenet-v1 alpha 0\.25; files that fit it: mobilenet-0\.25-128-notop, mobilenet-0\.25-128, /,
    );
    expect(split({}, { kind: 'keras-applications', name: 'resnet50-notop' }, 'resnet18')).to.throw(ConfigError, /this backbone is resnet18; it has no Keras ImageNet file/);
    expect(split({}, { kind: 'keras-applications' })).to.throw(ConfigError, 'weights.name: expected a Keras Applications file name');
    expect(split({}, { kind: 'keras-applications', name: 'mobilenet-1.0-224', path: 'x' })).to.throw(ConfigError, 'weights.path: unknown key "path"');
    expect(split({}, { kind: 'keras-apps', name: 'x' })).to.throw(ConfigError, 'weights.kind: unknown value "keras-apps". Valid value names: checkpoint, keras-applications, keras-h5, tfjs-layers');
  });
});
