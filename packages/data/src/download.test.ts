import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import * as http from 'node:http';
import { join } from 'node:path';
import { DownloadError, downloadVerified } from './download';
import { cachedMedmnistFile, defaultCacheDir, fetchMedmnist, medmnistCachePath } from './medmnist-cache';
import { MEDMNIST_MD5, medmnistFileName, medmnistUrl } from './medmnist-files';
import { MEDMNIST_FLAGS, MEDMNIST_SIZES } from './medmnist-info';
import { tempDir } from './test-fixtures';

const BODY = Buffer.from(Array.from({ length: 200_000 }, (_v, i) => (i * 7919) % 251));
const BODY_MD5 = createHash('md5').update(BODY).digest('hex');

type Mode = 'good' | 'corrupt' | 'drop-once' | 'drop-always';

/** A loopback server for one body; records the Range header of every request. */
async function serve(mode: Mode): Promise<{ base: string; ranges: (string | undefined)[]; close: () => Promise<void> }> {
  const ranges: (string | undefined)[] = [];
  let dropped = 0;
  const server = http.createServer((req, res) => {
    ranges.push(req.headers.range);
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    let body = BODY.subarray(start);
    if (mode === 'corrupt') body = Buffer.concat([body.subarray(0, 1000), Buffer.from([body[1000] ^ 0xff]), body.subarray(1001)]);
    const headers = { 'content-length': String(body.length), 'accept-ranges': 'bytes' };
    if (m) res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${BODY.length - 1}/${BODY.length}` });
    else res.writeHead(200, headers);
    if (mode === 'drop-always' || (mode === 'drop-once' && dropped === 0)) {
      dropped++;
      // Send part of the body, then cut the connection.
      // an orderly close (FIN), so the client reads the bytes sent before it sees the connection end
      res.write(body.subarray(0, 70_000), () => res.socket?.end());
      return;
    }
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

describe('downloadVerified (loopback server)', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  it('downloads a good body, then keeps the verified copy without a request', async () => {
    const srv = await serve('good');
    try {
      const dest = join(tmp.dir, 'cache', 'f.npz');
      const r = await downloadVerified({ url: `${srv.base}/f.npz`, dest, md5: BODY_MD5 });
      expect(r).to.include({ file: dest, bytes: BODY.length, attempts: 1, resumedFrom: 0 });
      expect(readFileSync(dest).equals(BODY)).to.equal(true);
      expect(existsSync(`${dest}.part`)).to.equal(false);
      const again = await downloadVerified({ url: `${srv.base}/f.npz`, dest, md5: BODY_MD5 });
      expect(again.attempts).to.equal(0);
      expect(srv.ranges).to.have.length(1);
    } finally {
      await srv.close();
    }
  });

  it('refuses a corrupted body: quarantines it and touches nothing else', async () => {
    const srv = await serve('corrupt');
    try {
      const dir = join(tmp.dir, 'cache');
      mkdirSync(dir);
      writeFileSync(join(dir, 'other.npz'), 'keep me');
      const dest = join(dir, 'f.npz');
      const err = await rejection(downloadVerified({ url: `${srv.base}/f.npz`, dest, md5: BODY_MD5 }));
      expect(err).to.be.instanceOf(DownloadError);
      expect((err as DownloadError).kind).to.equal('checksum');
      expect(err.message).to.contain(`publishes ${BODY_MD5}`).and.contain('quarantine');
      expect(existsSync(dest)).to.equal(false);
      expect(existsSync(`${dest}.part`)).to.equal(false);
      const q = readdirSync(join(dir, 'quarantine'));
      expect(q).to.have.length(1);
      expect(q[0]).to.match(/^f\.npz\.part\./);
      expect(readFileSync(join(dir, 'other.npz'), 'utf8')).to.equal('keep me');
      expect(readdirSync(dir).sort()).to.deep.equal(['other.npz', 'quarantine']);
    } finally {
      await srv.close();
    }
  });

  it('with md5: null (no published checksum) takes the body as received and keeps an existing file', async () => {
    const srv = await serve('corrupt');
    try {
      const dest = join(tmp.dir, 'f.h5');
      const r = await downloadVerified({ url: `${srv.base}/f.h5`, dest, md5: null });
      expect(r).to.include({ attempts: 1, bytes: BODY.length });
      expect(readFileSync(dest).equals(BODY)).to.equal(false);
      expect((await downloadVerified({ url: `${srv.base}/f.h5`, dest, md5: null })).attempts).to.equal(0);
      expect(srv.ranges).to.have.length(1);
    } finally {
      await srv.close();
    }
  });

  it('resumes with a Range request after a dropped connection', async () => {
    const srv = await serve('drop-once');
    try {
      const dest = join(tmp.dir, 'f.npz');
      const r = await downloadVerified({ url: `${srv.base}/f.npz`, dest, md5: BODY_MD5 });
      expect(r.attempts).to.equal(2);
      expect(srv.ranges[0]).to.equal(undefined);
      expect(srv.ranges[1]).to.match(/^bytes=\d+-$/);
      expect(Number(/\d+/.exec(srv.ranges[1]!)![0])).to.be.greaterThan(0);
      expect(readFileSync(dest).equals(BODY)).to.equal(true);
    } finally {
      await srv.close();
    }
  });

  it('keeps the partial file when retries run out, and a later call resumes it', async () => {
    const drop = await serve('drop-always');
    const dest = join(tmp.dir, 'f.npz');
    try {
      const err = await rejection(downloadVerified({ url: `${drop.base}/f.npz`, dest, md5: BODY_MD5, retries: 1 }));
      expect((err as DownloadError).kind).to.equal('interrupted');
      expect(err.message).to.contain('run the same command again to resume').and.contain(`${dest}.part`);
      expect(existsSync(`${dest}.part`)).to.equal(true);
    } finally {
      await drop.close();
    }
    const good = await serve('good');
    try {
      const r = await downloadVerified({ url: `${good.base}/f.npz`, dest, md5: BODY_MD5 });
      expect(r.resumedFrom).to.be.greaterThan(0);
      expect(good.ranges[0]).to.equal(`bytes=${r.resumedFrom}-`);
      expect(readFileSync(dest).equals(BODY)).to.equal(true);
    } finally {
      await good.close();
    }
  });
});

describe('MedMNIST cache', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  it('has a published MD5 for every flag at 28, 64, 128 and 224 px', () => {
    const all = MEDMNIST_FLAGS.flatMap((f) => MEDMNIST_SIZES.map((size) => MEDMNIST_MD5[f]?.[size]));
    expect(all).to.have.length(48);
    for (const m of all) expect(m).to.match(/^[0-9a-f]{32}$/);
    expect(new Set(all).size).to.equal(48);
    // Spot checks against medmnist 3.0.2 info.py (record 10519652).
    expect(MEDMNIST_MD5.breastmnist[28]).to.equal('750601b1f35ba3300ea97c75c52ff8f6');
    expect(MEDMNIST_MD5.pathmnist[224]).to.equal('2c51a510bcdc9cf8ddb2af93af1eadec');
    expect(MEDMNIST_MD5.organamnist[28]).to.equal('68e3f8846a6bd62f0c9bf841c0d9eacc');
    expect(medmnistFileName('chestmnist', 28)).to.equal('chestmnist.npz');
    expect(medmnistFileName('chestmnist', 128)).to.equal('chestmnist_128.npz');
  });

  it('resolves the cache dir from MEDTRANSFER_CACHE, then XDG_CACHE_HOME, then ~/.cache', () => {
    expect(defaultCacheDir({ MEDTRANSFER_CACHE: '/data/mt', XDG_CACHE_HOME: '/x' })).to.equal('/data/mt');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x' })).to.equal('/x/medtransfer');
    expect(defaultCacheDir({})).to.match(/\.cache\/medtransfer$/);
    expect(medmnistCachePath('breastmnist', 224, '/c')).to.equal('/c/medmnist/breastmnist_224.npz');
    expect(medmnistUrl('breastmnist', 28, {})).to.equal('https://zenodo.org/records/10519652/files/breastmnist.npz?download=1');
    expect(medmnistUrl('breastmnist', 64, { MEDTRANSFER_MEDMNIST_URL: 'http://127.0.0.1:9/m/' })).to.equal('http://127.0.0.1:9/m/breastmnist_64.npz?download=1');
  });

  it('with the server down, says so and names the file to place by hand', async () => {
    const srv = await serve('good');
    await srv.close(); // nothing listens on that port now
    const cacheDir = join(tmp.dir, 'c');
    const err = await rejection(fetchMedmnist('breastmnist', 64, { cacheDir, env: { MEDTRANSFER_MEDMNIST_URL: srv.base } }));
    expect((err as DownloadError).kind).to.equal('network');
    expect(err.message).to.contain('no network').and.contain('ECONNREFUSED');
    expect(err.message).to.contain('breastmnist_64.npz').and.contain(join(cacheDir, 'medmnist', 'breastmnist_64.npz'));
    expect(err.message).to.contain(MEDMNIST_MD5.breastmnist[64]);
  });

  it('fetches from the overridden base URL and refuses a body that is not the release file', async () => {
    const srv = await serve('good');
    try {
      const cacheDir = join(tmp.dir, 'c');
      const err = await rejection(fetchMedmnist('retinamnist', 28, { cacheDir, env: { MEDTRANSFER_MEDMNIST_URL: srv.base } }));
      expect((err as DownloadError).kind).to.equal('checksum');
      expect(err.message).to.contain(MEDMNIST_MD5.retinamnist[28]);
      expect(srv.ranges).to.have.length(1);
      expect(existsSync(medmnistCachePath('retinamnist', 28, cacheDir))).to.equal(false);
    } finally {
      await srv.close();
    }
  });

  it('rejects unknown flags and sizes with the valid choices', async () => {
    expect((await rejection(fetchMedmnist('breastmnst', 28))).message).to.contain('breastmnist');
    expect((await rejection(fetchMedmnist('breastmnist', 32))).message).to.contain('28, 64, 128, 224');
  });

  it('cachedMedmnistFile: names `medtransfer data get` when missing, quarantines a bad hand-placed copy', () => {
    const cacheDir = join(tmp.dir, 'c');
    const missing = (() => {
      try {
        cachedMedmnistFile('breastmnist', 128, cacheDir);
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected an error');
    })();
    expect(missing.message).to.contain('medtransfer data get breastmnist --size 128').and.contain('breastmnist_128.npz');
    const file = medmnistCachePath('breastmnist', 28, cacheDir);
    mkdirSync(join(cacheDir, 'medmnist'), { recursive: true });
    writeFileSync(file, 'not the release file');
    expect(() => cachedMedmnistFile('breastmnist', 28, cacheDir)).to.throw(/has MD5 .* publishes 750601b1f35ba3300ea97c75c52ff8f6.*quarantine/);
    expect(existsSync(file)).to.equal(false);
    expect(readdirSync(join(cacheDir, 'medmnist', 'quarantine'))).to.have.length(1);
  });
});
