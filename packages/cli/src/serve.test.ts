// `medtransfer serve` through the real CLI: it prints the URL of a free port, answers for the
// committed reference results and stops on SIGINT; a missing results directory exits 2 with a
// clear message (the server's endpoints and the page are tested in packages/serve).
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');

function start(args: string[]) {
  return spawn(process.execPath, [join(root, 'packages/cli/bin/medtransfer'), 'serve', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('medtransfer serve', function () {
  this.timeout(120_000);

  it('serves the reference results on a free port and stops on SIGINT; a missing directory exits 2', async () => {
    const server = start(['results/reference', '--port', '0']);
    const missing = start(['/nonexistent/results']);
    let err = '';
    missing.stderr.on('data', (c) => (err += c));
    const missingExit = new Promise<number | null>((done) => missing.on('exit', (c) => done(c)));
    let out = '';
    server.stdout.on('data', (c) => (out += c));
    const url = await new Promise<string>((done, fail) => {
      server.stdout.on('data', () => {
        const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
        if (m) done(m[0]);
      });
      server.on('exit', (code) => fail(new Error(`serve exited with ${code} before printing its URL`)));
    });
    const list = (await (await fetch(`${url}api/experiments`)).json()) as { experiments: { name: string; counts: { finished: number } }[] };
    expect(list.experiments).to.deep.include({ name: 'transfusion-breastmnist', counts: { finished: 12, running: 0, failed: 0, damaged: 0, pending: 0, trials: 12 }, plan: 'experiments/transfusion/reference-breastmnist.yaml', hasSummary: false });
    const stopped = new Promise<number | null>((done) => server.on('exit', (code) => done(code)));
    server.kill('SIGINT');
    expect(await stopped).to.equal(0);

    expect(await missingExit, err).to.equal(2);
    expect(err).to.contain('medtransfer: results directory not found: /nonexistent/results');
  });
});
