// External pretrained weights named in the experiment file (`params.weights`), end to end: plan,
// read + fingerprint before training, trial keys that follow the content, 1-channel adaptation,
// the slim init, and a tfjs Layers model served over HTTP by a loopback server.
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigIssuesError, parseExperimentYaml, setLogSink } from '@medtransfer/core';
import { selectBackend } from '@medtransfer/engine';
import { type SavedLayersModel, WeightShapeError, createModel, kerasLayers, saveLayersArtifacts, writeKerasH5 } from '@medtransfer/zoo';
import { planExperiment } from './plan';
import { createContext } from './context';
import { executeTask } from './execute';
import { listTasks } from './tasks';
import { finishedResult } from './store';

const experiment = (weights: string, init = '[scratch, pretrained, { slim: { keep: 2, filters: 8 } }]') => `
name: weights-test
backend: cpu
seeds: [1]
target:
  dataset: { name: synthetic/lesions, params: { train: 16, val: 8, test: 8, size: 8 } }
  imageSize: 8
  channels: 1
  training: { steps: 2, batchSize: 8, evalEvery: 2 }
sweep:
  backbone: [{ name: cbr-tiny, params: { weights: ${weights} } }]
  init: ${init}
`;

const plan = (text: string) => planExperiment(parseExperimentYaml(text, 'w.yaml'), 'w.yaml');
/** A 3-channel, 5-class "ImageNet" cbr-tiny: its first conv must be summed for the 1-channel target. */
const rgbModel = (seed: number, params: Record<string, unknown> = {}) => createModel({ name: 'cbr-tiny', params }, { inputShape: [8, 8, 3], numClasses: 5, seed });

async function writeH5(file: string, seed: number, params: Record<string, unknown> = {}): Promise<void> {
  const m = rgbModel(seed, params);
  try {
    await writeKerasH5(file, kerasLayers(m));
  } finally {
    m.dispose();
  }
}

function captureLogs(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  return { lines, restore: setLogSink((_l, line) => lines.push(line)) };
}

function configIssues(fn: () => unknown): Promise<string> {
  return Promise.resolve()
    .then(fn)
    .then(
      () => {
        throw new Error('expected a ConfigIssuesError');
      },
      (err: unknown) => {
        expect(err).to.be.instanceOf(ConfigIssuesError);
        return (err as Error).message;
      },
    );
}

describe('external pretrained weights (params.weights), end to end', function () {
  this.timeout(120_000);
  let dir: string;
  before(async () => {
    await selectBackend('cpu');
    dir = mkdtempSync(join(tmpdir(), 'medtransfer-runner-weights-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs pretrained and slim trials from a Keras .h5 without a source stage, adapting RGB weights to 1 channel', async () => {
    const h5 = join(dir, 'rgb.h5');
    await writeH5(h5, 99);
    const p = plan(experiment(`{ kind: keras-h5, path: ${h5} }`));
    expect(p.sourceBackbones).to.deep.equal([]);
    expect(p.trials.map((t) => t.init)).to.deep.equal(['scratch', 'pretrained', 'slim-2-cbr-f8']);
    expect(p.trials[1].model).to.deep.equal({ name: 'cbr-tiny', params: {} });
    expect(p.trials[1].name).to.match(/^target\[backbone=cbr-tiny-[0-9a-f]{6},init=pretrained,seed=1\]$/);

    const logs = captureLogs();
    try {
      const ctx = await createContext(p, join(dir, 'results'), 'cpu');
      const tasks = listTasks(ctx);
      expect(tasks.map((t) => t.kind)).to.deep.equal(['trial', 'trial', 'trial']);
      for (const task of tasks.slice(1)) await executeTask(ctx, task, tasks.length, () => undefined);
      for (const task of tasks.slice(1)) expect(finishedResult(task.dir, task.key), task.label).to.not.equal(undefined);
    } finally {
      logs.restore();
    }
    const text = logs.lines.join('\n');
    expect(text).to.match(/pretrained weights from Keras \.h5 .*rgb\.h5 \(22 tensors, sha256:/);
    expect(text).to.contain('dropped classifier 2 tensors: head_dense/kernel [256,5], head_dense/bias [5]');
    expect(text).to.contain('first conv block1_conv: kernel [5,5,3,32] summed over its RGB input channels to [5,5,1,32] for 1-channel input');
    expect(text).to.match(/init=pretrained,seed=1\]: loaded 20 pretrained tensors; head freshly initialised \(from Keras \.h5 .*rgb\.h5, classifier dropped, block1_conv summed to 1 channel\)/);
    expect(text).to.match(/init=slim-2-cbr-f8,seed=1\]: slim keep=2: loaded 10 pretrained tensors of groups 1\.\.2; a fresh cbr top \(2 × 8 channels\) and head/);
  });

  it('reruns a trial when the weights’ content changes, not when the file is rewritten with the same weights', async () => {
    const h5 = join(dir, 'key.h5');
    const keys = async () => listTasks(await createContext(plan(experiment(`{ kind: keras-h5, path: ${h5} }`)), join(dir, 'results'), 'cpu')).map((t) => t.key);
    await writeH5(h5, 1);
    const a = await keys();
    await writeH5(h5, 1);
    expect(await keys()).to.deep.equal(a);
    await writeH5(h5, 2);
    const b = await keys();
    expect(b[0]).to.equal(a[0]); // scratch does not use the weights
    expect(b[1]).to.not.equal(a[1]);
    expect(b[2]).to.not.equal(a[2]);
  });

  it('refuses a missing file at plan time and an unreadable one before training, naming the config field', async () => {
    const missing = await configIssues(() => plan(experiment(`{ kind: keras-h5, path: ${join(dir, 'nope.h5')} }`)));
    expect(missing).to.match(/w\.yaml: sweep\.backbone\[0\]\.params\.weights\.path: not found: .*nope\.h5; expected a Keras \.h5 weight file/);
    const kind = await configIssues(() => plan(experiment(`{ kind: h5, path: x.h5 }`)));
    expect(kind).to.contain('sweep.backbone[0].params.weights.kind: unknown value "h5"');
    const bad = join(dir, 'bad.h5');
    writeFileSync(bad, 'this is not HDF5');
    const p = plan(experiment(`{ kind: keras-h5, path: ${bad} }`));
    const unreadable = await configIssues(() => createContext(p, join(dir, 'results'), 'cpu'));
    expect(unreadable).to.match(/sweep\.backbone\[0\]\.params\.weights\.path: cannot use these weights: .*bad\.h5: not an HDF5 file/);
  });

  it('still asks for a source stage for backbones without weights', async () => {
    const text = experiment(`{ kind: keras-h5, path: x.h5 }`).replace(/backbone: \[.*\]/, 'backbone: [cbr-small]');
    expect(await configIssues(() => plan(text))).to.contain('init "pretrained" needs a "source" stage to pretrain on, or pretrained weights for sweep.backbone[0]');
  });

  it('fails a trial whose weights do not fit a layer, naming the layer and both shapes', async () => {
    const h5 = join(dir, 'wide.h5');
    await writeH5(h5, 3, { tinyChannels: 'printed' });
    const ctx = await createContext(plan(experiment(`{ kind: keras-h5, path: ${h5} }`, '[pretrained]')), join(dir, 'results'), 'cpu');
    const logs = captureLogs();
    try {
      await executeTask(ctx, listTasks(ctx)[0], 1, () => undefined);
      expect.fail('should have thrown');
    } catch (err) {
      expect(err).to.be.instanceOf(WeightShapeError);
      expect((err as Error).message).to.contain('layer "block1_conv": block1_conv/kernel is [5,5,1,32] in the model but [5,5,1,64] in the checkpoint');
    } finally {
      logs.restore();
    }
  });

  describe('a tfjs Layers model over HTTP (loopback server)', () => {
    let server: Server;
    let url: string;
    let served: SavedLayersModel;
    let requests = 0;
    before(async () => {
      server = createServer((req, res) => {
        requests++;
        if (req.url === '/m/model.json') res.end(JSON.stringify(served.modelJson));
        else if (req.url === '/m/group1-shard1of1.bin') res.end(Buffer.from(served.weightData));
        else res.writeHead(404).end();
      });
      await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/m/model.json`;
    });
    after(() => new Promise<void>((ok) => server.close(() => ok())));

    const serve = async (seed: number) => {
      const m = rgbModel(seed);
      try {
        served = await saveLayersArtifacts(m);
      } finally {
        m.dispose();
      }
    };

    it('downloads model.json + shards before training, keys trials by what was served, and trains from them', async () => {
      await serve(11);
      const p = plan(experiment(`{ kind: tfjs-layers, path: "${url}" }`, '[pretrained]'));
      const logs = captureLogs();
      try {
        const ctx = await createContext(p, join(dir, 'results-http'), 'cpu');
        expect(requests).to.equal(2);
        const [task] = listTasks(ctx);
        await executeTask(ctx, task, 1, () => undefined);
        expect(finishedResult(task.dir, task.key)).to.not.equal(undefined);
        expect(listTasks(await createContext(p, join(dir, 'results-http'), 'cpu'))[0].key).to.equal(task.key);
        await serve(12);
        expect(listTasks(await createContext(p, join(dir, 'results-http'), 'cpu'))[0].key).to.not.equal(task.key);
      } finally {
        logs.restore();
      }
      expect(logs.lines.join('\n')).to.contain(`loaded 20 pretrained tensors; head freshly initialised (from tfjs Layers model ${url}, classifier dropped, block1_conv summed to 1 channel)`);
    });

    it('refuses an unreachable model before training, naming the field and the HTTP status', async () => {
      const p = plan(experiment(`{ kind: tfjs-layers, path: "${url.replace('/m/', '/gone/')}" }`, '[pretrained]'));
      const msg = await configIssues(() => createContext(p, join(dir, 'results-http'), 'cpu'));
      expect(msg).to.match(/sweep\.backbone\[0\]\.params\.weights\.path: cannot use these weights: .*cannot fetch model\.json: HTTP 404/);
    });
  });
});
