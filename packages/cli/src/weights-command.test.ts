// `medtransfer weights get|list` as a user runs them, against a loopback server started here (never
// the internet). Downloads of valid files and their checks are tested in the runner (weights-cache.test.ts).
import { expect } from 'chai';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliAsync } from './test-cli';


describe('medtransfer weights get|list', function () {
  // Three CLI processes, each compiling the project with ts-node: slow on a busy machine.
  this.timeout(240_000);
  let cache: string;
  beforeEach(() => (cache = mkdtempSync(join(tmpdir(), 'medtransfer-weights-'))));
  afterEach(() => rmSync(cache, { recursive: true, force: true }));

  it('fetches from --base-url, refuses a file that is not Keras weights (quarantined, exit 2), and lists the cache', async () => {
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      res.end('<html>not a weight file</html>');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const bad = await runCliAsync(['weights', 'get', 'mobilenet-0.25-128-notop', '--dir', cache, '--base-url', `${base}/mirror`], {});
      expect(bad.code).to.equal(2);
      expect(requests).to.deep.equal(['/mirror/mobilenet/mobilenet_2_5_128_tf_no_top.h5']);
      expect(bad.stderr).to.contain(`${join(cache, 'mobilenet_2_5_128_tf_no_top.h5')} is not the Keras Applications file mobilenet-0.25-128-notop: not an HDF5 file`);
      expect(bad.stderr).to.contain('quarantine');
      expect(readdirSync(cache)).to.deep.equal(['quarantine']);
    } finally {
      await new Promise((r) => server.close(r));
    }
    const typo = await runCliAsync(['weights', 'get', 'resnet50-notop', 'inceptionv3-notop'], { MEDTRANSFER_WEIGHTS_DIR: cache });
    expect(typo.code).to.equal(2);
    expect(typo.stderr).to.contain('unknown Keras Applications weight file "inceptionv3-notop"; did you mean "inception-v3-notop"');
    const list = await runCliAsync(['weights', 'list'], { MEDTRANSFER_WEIGHTS_DIR: cache });
    expect(list.code).to.equal(0);
    expect(list.stdout).to.contain(`cache ${cache} (0 of 36 present)`);
    expect(list.stdout).to.match(/inception-v3-notop +inception-v3 +no +83\.8 MiB +published +-/);
  });
});
