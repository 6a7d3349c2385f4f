// `medtransfer weights get|list` against a loopback server serving Keras-layout .h5 files written
// from our own models (never the internet): download, published hash, layout, resume, quarantine.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DownloadError } from '@medtransfer/data';
import { selectBackend } from '@medtransfer/engine';
import { KERAS_APPLICATIONS, type KerasApplicationsFile } from '@medtransfer/zoo';
import { WeightsFileRefused, fetchWeights, formatWeightsList, listWeights, weightsCacheDir, weightsGetCommand } from './weights-cache';
import { writeMobilenetH5 } from './test-fixtures';

const NAME = 'mobilenet-0.25-128-notop';
const PATH = '/mobilenet/mobilenet_2_5_128_tf_no_top.h5';

type Mode = 'good' | 'drop-always';

/** A loopback server for `files` (URL path → body) with Range support; records the Range header of every request. */
async function serve(files: Map<string, Buffer>, mode: Mode = 'good'): Promise<{ base: string; ranges: (string | undefined)[]; close: () => Promise<void> }> {
  const ranges: (string | undefined)[] = [];
  const server = http.createServer((req, res) => {
    ranges.push(req.headers.range);
    const whole = files.get(req.url ?? '');
    if (!whole) return void res.writeHead(404).end();
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    const body = whole.subarray(start);
    const headers = { 'content-length': String(body.length), 'accept-ranges': 'bytes' };
    if (m) res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${whole.length - 1}/${whole.length}` });
    else res.writeHead(200, headers);
    // An orderly close after part of the body, as a dropped transfer looks to the client.
    if (mode === 'drop-always') return void res.write(body.subarray(0, Math.floor(body.length / 3)), () => res.socket?.end());
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, ranges, close: () => new Promise((r) => server.close(() => r())) };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

/** The real table with `NAME`'s MD5 replaced (the test files are not Keras' files). */
const withMd5 = (md5: string | null): KerasApplicationsFile[] => KERAS_APPLICATIONS.map((e) => (e.name === NAME ? { ...e, md5 } : e));

describe('Keras Applications weights cache (loopback server)', function () {
  this.timeout(120_000);
  let work: string;
  let dir: string;
  let good: Buffer;
  let goodMd5: string;
  let wide: Buffer;
  before(async () => {
    await selectBackend('cpu');
    work = mkdtempSync(join(tmpdir(), 'medtransfer-weights-cache-'));
    good = await writeMobilenetH5(join(work, 'good.h5'), 0.25);
    goodMd5 = createHash('md5').update(good).digest('hex');
    wide = await writeMobilenetH5(join(work, 'wide.h5'), 0.5);
  });
  after(() => rmSync(work, { recursive: true, force: true }));
  beforeEach(() => (dir = mkdtempSync(join(work, 'cache-'))));

  it('downloads a file, checks the published MD5 and the layout, then lists it as verified and keeps it without a request', async () => {
    const srv = await serve(new Map([[PATH, good]]));
    try {
      const opts = { dir, baseUrl: srv.base, entries: withMd5(goodMd5) };
      const r = await fetchWeights(NAME, opts);
      expect(r).to.include({ name: NAME, file: join(dir, 'mobilenet_2_5_128_tf_no_top.h5'), url: `${srv.base}${PATH}`, downloaded: true, hashChecked: true, md5: goodMd5, tensors: 135 });
      expect(readFileSync(r.file).equals(good)).to.equal(true);
      expect(existsSync(`${r.file}.verified.json`)).to.equal(true);
      const again = await fetchWeights(NAME, opts);
      expect(again).to.include({ downloaded: false, md5: goodMd5 });
      expect(srv.ranges).to.have.length(1);
      const list = listWeights({ dir, entries: withMd5(goodMd5) });
      expect(list.rows.find((row) => row.entry.name === NAME)).to.include({ state: 'verified', bytes: good.length });
      expect(list.rows.filter((row) => row.state === 'missing')).to.have.length(35);
      const text = formatWeightsList(list);
      expect(text).to.contain(`cache ${dir} (1 of 36 present)`);
      expect(text).to.match(/mobilenet-0\.25-128-notop +mobilenet-v1 alpha 0\.25 +no +[\d.]+ MiB +published +verified/);
      expect(text).to.match(/resnet50-notop +resnet50 stem imagenet +no +90\.4 MiB +published +-/);
      expect(text).to.match(/mobilenet-1\.0-224 +mobilenet-v1 alpha 1 +yes +\? +unpublished +-/);
    } finally {
      await srv.close();
    }
  });

  it('checks only the layout of a file Keras publishes no hash for (MobileNet)', async () => {
    const srv = await serve(new Map([[PATH, good]]));
    try {
      const r = await fetchWeights(NAME, { dir, baseUrl: srv.base });
      expect(r).to.include({ downloaded: true, hashChecked: false, tensors: 135 });
    } finally {
      await srv.close();
    }
  });

  it('refuses a file whose MD5 is not the published one: quarantined, the message names the file and both hashes', async () => {
    const srv = await serve(new Map([[PATH, good]]));
    try {
      const want = 'ab'.repeat(16);
      const err = await rejection(fetchWeights(NAME, { dir, baseUrl: srv.base, entries: withMd5(want) }));
      expect(err).to.be.instanceOf(DownloadError);
      expect((err as DownloadError).kind).to.equal('checksum');
      expect(err.message).to.contain(`${NAME} (mobilenet_2_5_128_tf_no_top.h5)`).and.contain(`has MD5 ${goodMd5}`).and.contain(`publishes ${want}`).and.contain('quarantine');
      expect(readdirSync(dir)).to.deep.equal(['quarantine']);
      expect(readdirSync(join(dir, 'quarantine'))).to.have.length(1);
    } finally {
      await srv.close();
    }
  });

  it('keeps a truncated transfer and resumes it with a Range request on the next get', async () => {
    const drop = await serve(new Map([[PATH, good]]), 'drop-always');
    const opts = { dir, entries: withMd5(goodMd5), retries: 0 };
    try {
      const err = await rejection(fetchWeights(NAME, { ...opts, baseUrl: drop.base }));
      expect((err as DownloadError).kind).to.equal('interrupted');
      expect(err.message).to.contain(NAME).and.contain('run the same command again to resume');
      expect(existsSync(join(dir, 'mobilenet_2_5_128_tf_no_top.h5.part'))).to.equal(true);
    } finally {
      await drop.close();
    }
    const srv = await serve(new Map([[PATH, good]]));
    try {
      const r = await fetchWeights(NAME, { ...opts, baseUrl: srv.base });
      expect(r.resumedFrom).to.be.greaterThan(0);
      expect(srv.ranges).to.deep.equal([`bytes=${r.resumedFrom}-`]);
      expect(r).to.include({ downloaded: true, md5: goodMd5, tensors: 135 });
      expect(readFileSync(r.file).equals(good)).to.equal(true);
    } finally {
      await srv.close();
    }
  });

  it('refuses a valid .h5 whose layers do not fit the backbone, naming the layer and both shapes', async () => {
    const srv = await serve(new Map([[PATH, wide]]));
    try {
      const err = await rejection(fetchWeights(NAME, { dir, baseUrl: srv.base }));
      expect(err).to.be.instanceOf(WeightsFileRefused);
      expect(err.message).to.contain(`${join(dir, 'mobilenet_2_5_128_tf_no_top.h5')} is not the Keras Applications file ${NAME}`);
      expect(err.message).to.contain('layer "conv1": conv1/kernel is [3,3,3,16] in the file but [3,3,3,8] in mobilenet-v1 alpha 0.25');
      expect(err.message).to.contain(`run \`medtransfer weights get ${NAME} --dir ${dir}\``);
      expect(readdirSync(dir)).to.deep.equal(['quarantine']);
    } finally {
      await srv.close();
    }
  });

  it('checks a copy placed by hand without downloading, and replaces one that fails', async () => {
    const file = join(dir, 'mobilenet_2_5_128_tf_no_top.h5');
    copyFileSync(join(work, 'good.h5'), file);
    expect(listWeights({ dir }).rows.find((row) => row.entry.name === NAME)?.state).to.equal('unchecked');
    const placed = await fetchWeights(NAME, { dir, baseUrl: 'http://127.0.0.1:9' });
    expect(placed).to.include({ downloaded: false, tensors: 135 });
    expect(listWeights({ dir }).rows.find((row) => row.entry.name === NAME)?.state).to.equal('verified');

    const other = mkdtempSync(join(work, 'cache-'));
    copyFileSync(join(work, 'wide.h5'), join(other, 'mobilenet_2_5_128_tf_no_top.h5'));
    const srv = await serve(new Map([[PATH, good]]));
    try {
      const r = await fetchWeights(NAME, { dir: other, baseUrl: srv.base });
      expect(r.downloaded).to.equal(true);
      expect(r.replaced).to.contain('layer "conv1"');
      expect(readdirSync(join(other, 'quarantine'))).to.have.length(1);
    } finally {
      await srv.close();
    }
  });

  it('answers an unknown name with the nearest names, and an unreachable server with the file to place by hand', async () => {
    expect((await rejection(fetchWeights('mobilenet-0.25-128-nottop', { dir }))).message).to.contain('did you mean "mobilenet-0.25-128-notop"');
    const srv = await serve(new Map());
    await srv.close();
    const err = await rejection(fetchWeights('resnet50-notop', { dir, baseUrl: srv.base }));
    expect((err as DownloadError).kind).to.equal('network');
    expect(err.message).to.contain('MD5 4d473c1dd8becc155b73f8504c6f6626').and.contain(`place it at ${join(dir, 'resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5')}`);
    const empty = await serve(new Map());
    try {
      const notThere = await rejection(fetchWeights(NAME, { dir, baseUrl: empty.base }));
      expect(notThere.message).to.contain('HTTP 404').and.contain('Keras publishes no MD5 for it');
    } finally {
      await empty.close();
    }
  });

  it('finds the cache as data does, with MEDTRANSFER_WEIGHTS_DIR first', () => {
    expect(weightsCacheDir({ MEDTRANSFER_WEIGHTS_DIR: '/w', MEDTRANSFER_CACHE: '/c' })).to.equal('/w');
    expect(weightsCacheDir({ MEDTRANSFER_CACHE: '/c' })).to.equal('/c/weights');
    expect(weightsCacheDir({ XDG_CACHE_HOME: '/x' })).to.equal('/x/medtransfer/weights');
    expect(weightsGetCommand(['a', 'b', 'a'], '/w', { MEDTRANSFER_WEIGHTS_DIR: '/w' })).to.equal('medtransfer weights get a b');
    expect(weightsGetCommand(['a'], '/my weights', { MEDTRANSFER_WEIGHTS_DIR: '/w' })).to.equal('medtransfer weights get a --dir "/my weights"');
  });
});
