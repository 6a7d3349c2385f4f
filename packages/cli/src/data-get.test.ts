// `medtransfer data get` against a loopback server started here (never the internet).
import { expect } from 'chai';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliAsync } from './test-cli';


describe('medtransfer data get', function () {
  this.timeout(60_000);
  let cache: string;
  beforeEach(() => (cache = mkdtempSync(join(tmpdir(), 'medtransfer-get-'))));
  afterEach(() => rmSync(cache, { recursive: true, force: true }));

  it('refuses a file that fails its MD5 (quarantined) and, with the server down, names the file to place by hand', async () => {
    const server = http.createServer((_req, res) => res.end('not the release file'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const bad = await runCliAsync(['data', 'get', 'retinamnist', '--size', '64', '--cache', cache], { MEDTRANSFER_MEDMNIST_URL: base });
      expect(bad.code).to.equal(2);
      expect(bad.stderr).to.contain('retinamnist_64.npz').and.contain('publishes afda852cc34dcda56f86ad2b2457dbcc').and.contain('quarantine');
      expect(readdirSync(join(cache, 'medmnist'))).to.deep.equal(['quarantine']);
    } finally {
      await new Promise((r) => server.close(r));
    }
    const down = await runCliAsync(['data', 'get', 'retinamnist'], { MEDTRANSFER_MEDMNIST_URL: base, MEDTRANSFER_CACHE: cache });
    expect(down.code).to.equal(2);
    expect(down.stderr).to.contain('no network').and.contain(`place it at ${join(cache, 'medmnist', 'retinamnist.npz')}`);
  });
});
