// The dashboard's HTTP endpoints against a store written by the runner's writers: the JSON API
// (states, curves with t-interval bands, a trial's page, the rendered summary), static and vendor
// files, path confinement (`..`, `%2e%2e`, absolute paths, symlinks, hidden files), live change
// events, clear start-up errors, and that nothing in the store is written.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, lstatSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { MedtransferError } from '@medtransfer/core';
import { tInterval } from '@medtransfer/analysis';
import { type Dashboard, startDashboard } from './server';
import type { ExperimentView } from './experiments';
import type { CurvesView } from './curves';
import { DAMAGED, EXPERIMENT, EXTRA, FAILED, FAILURE_MESSAGE, FINISHED, type FixtureStore, PENDING, RUNNING, THRESHOLD, fixtureCurve, writeFinished, writeFixtureStore } from './test-fixtures';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A GET with the path sent exactly as given (no URL normalisation of `..` or `%2e%2e`). */
function get(d: Dashboard, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((done, fail) => {
    const req = request({ host: d.host, port: d.port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

async function getJson<T>(d: Dashboard, path: string): Promise<T> {
  const r = await get(d, path);
  expect(r.status, `${path}: ${r.body}`).to.equal(200);
  return JSON.parse(r.body) as T;
}

/** Every path under `dir` with its size and mtime (symlinks not followed). */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const s = lstatSync(p);
      out.push(`${p} ${s.size} ${s.mtimeMs}`);
      if (s.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

describe('serve: HTTP endpoints', () => {
  let store: FixtureStore;
  let d: Dashboard;
  let initial: string[];

  before(async () => {
    store = await writeFixtureStore();
    initial = snapshot(store.root);
    d = await startDashboard({ resultsDir: store.root, port: 0, intervalMs: 100 });
  });
  after(async () => {
    await d?.close();
    store?.lock.release();
    if (store) rmSync(store.base, { recursive: true, force: true });
  });

  it('binds 127.0.0.1 on a free port by default and prints a URL for it', () => {
    expect(d.host).to.equal('127.0.0.1');
    expect(d.port).to.be.greaterThan(0);
    expect(d.url).to.equal(`http://127.0.0.1:${d.port}/`);
  });

  it('lists the experiments with their counts', async () => {
    const list = await getJson<{ experiments: { name: string; counts: Record<string, number>; plan?: string; hasSummary: boolean }[] }>(d, '/api/experiments');
    expect(list.experiments.map((e) => e.name)).to.deep.equal([EXPERIMENT]);
    expect(list.experiments[0].counts).to.deep.equal({ finished: FINISHED.length + 1, running: 1, failed: 1, damaged: 1, pending: 2, trials: 13 });
    expect(list.experiments[0].plan).to.equal(store.experimentFile);
    expect(list.experiments[0].hasSummary).to.equal(true);
  });

  it('gives each trial its state: plan from config.json, running with ETA, failed with its error, damaged with its message, pending, not in the plan', async () => {
    const v = await getJson<ExperimentView>(d, `/api/experiments/${EXPERIMENT}`);
    expect(v.plan).to.include({ file: store.experimentFile, from: 'config.json', loaded: true });
    expect(v.metric).to.equal('auc');
    expect(v.threshold).to.equal(THRESHOLD);
    expect(v.metrics).to.deep.equal(['auc', 'acc']);
    const byDir = new Map(v.trials.map((t) => [t.dir, t]));
    for (const dir of FINISHED) expect(byDir.get(dir)?.state, dir).to.equal('finished');
    const running = byDir.get(RUNNING)!;
    expect(running.state).to.equal('running');
    expect(running.running?.pid).to.equal(process.pid);
    expect(running.running?.plannedSteps).to.equal(80);
    // pace of the finished cbr-tiny trials: (16 s training + 2 s evaluation) / 80 steps = 18 s, less the time since the lock was taken
    const since = (Date.now() - Date.parse(running.running!.startedAt!)) / 1000;
    expect(running.running?.etaSeconds).to.be.closeTo(Math.max(0, 18 - since), 1.5);
    expect(byDir.get(FAILED)).to.include({ state: 'failed' });
    expect(byDir.get(FAILED)?.detail).to.contain(FAILURE_MESSAGE);
    expect(byDir.get(DAMAGED)).to.include({ state: 'damaged' });
    expect(byDir.get(DAMAGED)?.detail).to.contain('curve.jsonl:1');
    for (const dir of PENDING) expect(byDir.get(dir)?.state, dir).to.equal('pending');
    expect(byDir.get(EXTRA)).to.include({ state: 'finished', inPlan: false, seed: 4, group: 'cbr-tiny · scratch' });
    expect(byDir.get('cbr-tiny_scratch_seed1')?.finished?.stepsToThreshold).to.equal(fixtureCurve('scratch', 1, 'cbr-tiny').find((p) => p.val.auc >= THRESHOLD)?.step);
    expect(v.files.map((f) => f.name)).to.include.members(['summary.md', 'report.html', 'learning-curves.svg']);
    expect(v.files.map((f) => f.name)).not.to.include('secret-link.txt');
  });

  it('curves: finished trials only (never the damaged one), mean ± t-interval per group over seeds', async () => {
    const c = await getJson<CurvesView>(d, `/api/experiments/${EXPERIMENT}/curves?metric=auc&x=step`);
    expect(c.trials.map((t) => t.dir).sort()).to.deep.equal([...FINISHED, EXTRA].sort());
    const band = c.bands.find((b) => b.group === 'cbr-tiny · pretrained' && b.x === 30)!;
    const ys = [1, 2].map((seed) => fixtureCurve('pretrained', seed, 'cbr-tiny')[2].val.auc);
    const [lo, hi] = tInterval(ys, 0.95);
    expect(band.n).to.equal(2);
    expect(band.mean).to.be.closeTo((ys[0] + ys[1]) / 2, 1e-12);
    expect(band.lo).to.be.closeTo(Math.max(0, lo), 1e-12);
    expect(band.hi).to.be.closeTo(Math.min(1, hi), 1e-12);
    // seeds 1–3 and the extra seed 4 of cbr-tiny scratch
    expect(c.bands.find((b) => b.group === 'cbr-tiny · scratch' && b.x === 10)?.n).to.equal(4);
  });

  it('curves: a selection of trials, another x and metric; an unknown metric is a 400 naming the valid ones', async () => {
    const c = await getJson<CurvesView>(d, `/api/experiments/${EXPERIMENT}/curves?metric=valLoss&x=epoch&trials=cbr-tiny_scratch_seed1,${DAMAGED}`);
    expect(c.trials.map((t) => t.dir)).to.deep.equal(['cbr-tiny_scratch_seed1']);
    expect(c.trials[0].points[0]).to.deep.equal({ x: 10 / 3, y: 0.75 });
    expect(c.trials[0].points).to.have.length(8);
    expect(c.bands.every((b) => b.n === 1 && b.lo === b.mean && b.hi === b.mean)).to.equal(true);
    const bad = await get(d, `/api/experiments/${EXPERIMENT}/curves?metric=aucc`);
    expect(bad.status).to.equal(400);
    expect(JSON.parse(bad.body).error).to.match(/unknown metric "aucc"; did you mean .*"auc"/);
  });

  it("a trial's page: config, summary, curve, files; a failed trial's failure; a pending one without a folder", async () => {
    const t = await getJson<{ config: { trial: { dir: string } }; summary: { seed: number }; curve: unknown[]; files: { path: string }[] }>(d, `/api/experiments/${EXPERIMENT}/trials/cbr-tiny_scratch_seed2`);
    expect(t.config.trial.dir).to.equal('cbr-tiny_scratch_seed2');
    expect(t.summary.seed).to.equal(2);
    expect(t.curve).to.have.length(8);
    expect(t.files.map((f) => f.path)).to.deep.equal(['config.json', 'curve.jsonl', 'summary.json']);
    const f = await getJson<{ failure: { message: string }; trial: { state: string } }>(d, `/api/experiments/${EXPERIMENT}/trials/${FAILED}`);
    expect(f.trial.state).to.equal('failed');
    expect(f.failure.message).to.equal(FAILURE_MESSAGE);
    const p = await getJson<{ trial: { state: string }; files: unknown[] }>(d, `/api/experiments/${EXPERIMENT}/trials/${PENDING[1]}`);
    expect(p).to.deep.include({ files: [] });
    // the half-written (hidden) file of a writer is not listed
    const half = await getJson<{ files: unknown[] }>(d, `/api/experiments/${EXPERIMENT}/trials/${PENDING[0]}`);
    expect(half.files).to.deep.equal([]);
    expect((await get(d, `/api/experiments/${EXPERIMENT}/trials/no-such-trial`)).status).to.equal(404);
  });

  it('renders summary.md as a page with its figures inlined', async () => {
    const r = await get(d, `/api/experiments/${EXPERIMENT}/summary`);
    expect(r.status).to.equal(200);
    expect(r.headers['content-type']).to.match(/^text\/html/);
    expect(r.body).to.contain('<table>');
    expect(r.body).to.contain('<svg');
    expect(r.body).to.contain('Partial');
  });

  it('serves the page, its scripts and the vega builds from node_modules', async () => {
    const page = await get(d, '/');
    expect(page.status).to.equal(200);
    expect(page.body).to.contain('/vendor/vega-embed.min.js');
    expect((await get(d, '/static/app.js')).headers['content-type']).to.match(/^text\/javascript/);
    for (const f of ['vega.min.js', 'vega-lite.min.js', 'vega-embed.min.js']) {
      const r = await get(d, `/vendor/${f}`, 'HEAD');
      expect(r.status, f).to.equal(200);
      expect(Number(r.headers['content-length'])).to.be.greaterThan(50_000);
    }
  });

  it("serves the store's files, sandboxed", async () => {
    const r = await get(d, `/files/${EXPERIMENT}/cbr-tiny_scratch_seed1/summary.json`);
    expect(r.status).to.equal(200);
    expect(JSON.parse(r.body).seed).to.equal(1);
    expect(r.headers['content-security-policy']).to.equal('sandbox');
    expect((await get(d, `/files/${EXPERIMENT}/learning-curves.svg`)).headers['content-type']).to.equal('image/svg+xml');
  });

  it('refuses with 404 every path out of the results directory: .., %2e%2e, absolute, symlinks, hidden files', async () => {
    const refused = [
      '/files/../secret.txt',
      `/files/${EXPERIMENT}/../../secret.txt`,
      '/files/%2e%2e/secret.txt',
      '/files/%2E%2E/%2e%2e/etc/passwd',
      `/files/${EXPERIMENT}/%2e%2e/%2e%2e/secret.txt`,
      '/files/%2e%2e%2fsecret.txt',
      '/files/..%2F..%2Fsecret.txt',
      '/files/..%5csecret.txt',
      '/files//etc/passwd',
      '/files/%2Fetc%2Fpasswd',
      `/files/${store.secret}`,
      `/files/${encodeURIComponent(store.secret)}`,
      `/files/${EXPERIMENT}/escape/secret.txt`,
      `/files/${EXPERIMENT}/secret-link.txt`,
      `/files/${EXPERIMENT}/.report/lock.json`,
      `/files/${EXPERIMENT}/${PENDING[0]}/.summary.json.tmp-host-1-0`,
      `/files/${EXPERIMENT}/%00`,
      '/files/%zz',
      '/static/../package.json',
      '/static/%2e%2e/package.json',
      '/static/%2e%2e/src/server.ts',
      '/vendor/../../package.json',
      '/api/experiments/%2e%2e',
      '/api/experiments/..',
      '/api/experiments/outside',
      '/api/experiments/outside/trials/results',
      '/files/outside/secret.txt',
      `/api/experiments/${EXPERIMENT}/trials/%2e%2e`,
      `/api/experiments/${EXPERIMENT}/trials/escape`,
      `/api/experiments/${EXPERIMENT}/trials/..%2f..%2fsecret.txt`,
    ];
    for (const path of refused) {
      const r = await get(d, path);
      expect(r.status, path).to.equal(404);
      expect(r.body, path).not.to.contain('not for the dashboard');
    }
  });

  it('answers only GET and HEAD', async () => {
    expect((await get(d, `/files/${EXPERIMENT}/summary.md`, 'DELETE')).status).to.equal(405);
    expect((await get(d, '/api/experiments', 'POST')).status).to.equal(405);
  });

  it('never writes to the store', () => {
    expect(snapshot(store.root)).to.deep.equal(initial);
  });

  it('sends a change event naming the experiment when a trial finishes', async () => {
    const event = new Promise<string>((done, fail) => {
      const req = request({ host: d.host, port: d.port, path: '/api/events' }, (res) => {
        expect(res.headers['content-type']).to.match(/^text\/event-stream/);
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          text += c;
          if (text.includes('event: change')) {
            req.destroy();
            done(text);
          }
        });
        // the first look at the store is taken when the stream opens; change it after that
        setTimeout(() => writeFinished(store, PENDING[1]), 150);
      });
      req.on('error', fail);
      req.end();
    });
    const text = await event;
    expect(text).to.contain(`"experiments":["${EXPERIMENT}"]`);
    const v = await getJson<ExperimentView>(d, `/api/experiments/${EXPERIMENT}`);
    expect(v.trials.find((t) => t.dir === PENDING[1])?.state).to.equal('finished');
  });
});

describe('serve: start-up errors', () => {
  it('a missing results directory is a clear error', async () => {
    let err: unknown;
    await startDashboard({ resultsDir: '/nonexistent/results', port: 0 }).catch((e) => (err = e));
    expect(err).to.be.instanceOf(MedtransferError);
    expect((err as Error).message).to.match(/results directory not found: \/nonexistent\/results/);
  });

  it('a port in use is named, with --port as the fix', async () => {
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', () => done()));
    const port = (blocker.address() as AddressInfo).port;
    try {
      let err: unknown;
      await startDashboard({ resultsDir: '.', port }).catch((e) => (err = e));
      expect(err).to.be.instanceOf(MedtransferError);
      expect((err as Error).message).to.contain(`port ${port} on 127.0.0.1 is already in use`);
      expect((err as Error).message).to.contain('--port');
    } finally {
      blocker.close();
    }
  });
});
