// The dashboard's HTTP routes. Everything is read-only (GET and HEAD); every path taken from a
// URL goes through confine.ts, and anything outside the results directory is a plain 404.
//
//   /                                        the page (static/index.html), /static/*, /vendor/* (vega builds)
//   /api/experiments                         experiments with their counts
//   /api/experiments/<e>                     trials with states, report settings, report files
//   /api/experiments/<e>/curves?metric&x&trials   curves of finished trials, mean ± t-interval per group
//   /api/experiments/<e>/summary             summary.md rendered to HTML (figures inlined)
//   /api/experiments/<e>/trials/<t>          one trial: config, summary, curve, failure, attempts, files
//   /api/events                              server-sent events: `change` when the store changes
//   /files/<path>                            a file of the store
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { MedtransferError, getLogger } from '@medtransfer/core';
import { reportHtml } from '@medtransfer/analysis';
import { confinedDir, confinedPath, safeSegments } from './confine';
import { checkCurvesRequest, curvesView } from './curves';
import { experimentView, listExperimentNames } from './experiments';
import type { PlanSource } from './plans';
import { STATIC_DIR, notFound, send, sendFile, sendJson, vendorFiles } from './static-files';
import { trialDetail } from './trial-detail';
import { TrialReader } from './trial-state';
import type { StoreWatcher } from './watch';

const log = getLogger('serve');

export interface RouteContext {
  /** The results directory (absolute). */
  root: string;
  plans: PlanSource;
  watcher: StoreWatcher;
}

/** Splits a raw request target into its still-encoded path (no leading slash) and its query. */
function splitTarget(url: string): { path: string; query: URLSearchParams } {
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q)).replace(/^\//, '');
  return { path, query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)) };
}

export function createHandler(ctx: RouteContext): (req: IncomingMessage, res: ServerResponse) => void {
  const reader = new TrialReader();
  const vendor = vendorFiles();
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    try {
      route(ctx, reader, vendor, req, res);
    } catch (err) {
      if (err instanceof MedtransferError) return sendJson(res, 400, { error: err.message });
      log.error(`${req.url}: ${(err as Error).stack ?? err}`);
      sendJson(res, 500, { error: (err as Error).message });
    }
  };
}

function route(ctx: RouteContext, reader: TrialReader, vendor: Map<string, string>, req: IncomingMessage, res: ServerResponse): void {
  const { path, query } = splitTarget(req.url ?? '/');
  const [head, ...rest] = path.split('/');
  if (path === '' || path === 'index.html') return sendFile(req, res, join(STATIC_DIR, 'index.html'));
  if (head === 'static') {
    const file = confinedPath(STATIC_DIR, rest.join('/'));
    return file ? sendFile(req, res, file) : notFound(res);
  }
  if (head === 'vendor' && rest.length === 1 && vendor.has(rest[0])) return sendFile(req, res, vendor.get(rest[0])!, { cache: true });
  if (head === 'files') {
    const file = confinedPath(ctx.root, rest.join('/'));
    return file ? sendFile(req, res, file, { sandbox: true }) : notFound(res);
  }
  if (head === 'api') return api(ctx, reader, req, res, rest, query);
  notFound(res);
}

function api(ctx: RouteContext, reader: TrialReader, req: IncomingMessage, res: ServerResponse, parts: string[], query: URLSearchParams): void {
  const { root, plans } = ctx;
  if (parts.length === 1 && parts[0] === 'events') return ctx.watcher.subscribe(res);
  if (parts[0] !== 'experiments') return notFound(res);
  if (parts.length === 1) {
    const list = listExperimentNames(root, plans).map((name) => {
      const v = experimentView(root, name, plans, reader);
      return { name, counts: v.counts, plan: v.plan?.file, hasSummary: v.files.some((f) => f.name === 'summary.md') };
    });
    return sendJson(res, 200, { root, experiments: list });
  }
  const segments = safeSegments(parts[1]);
  if (!segments || segments.length !== 1) return notFound(res);
  const name = segments[0];
  const dir = confinedDir(root, parts[1]);
  // an experiment named by a given experiment file may have no folder yet
  const plannedOnly = !dir && plans.explicitNames().includes(name) && !existsSync(join(root, name));
  if (!dir && !plannedOnly) return notFound(res);
  const expDir = dir ?? join(root, name);
  const view = () => experimentView(root, name, plans, reader);
  if (parts.length === 2) return sendJson(res, 200, view());
  if (parts.length === 3 && parts[2] === 'curves') {
    const { metric, x } = checkCurvesRequest(query.get('metric') ?? view().metric, query.get('x') ?? 'step');
    const trials = query.get('trials');
    const level = Number(query.get('level') ?? 0.95);
    if (!(level > 0 && level < 1)) throw new MedtransferError(`level: expected a number in (0, 1), received "${query.get('level')}"`);
    return sendJson(res, 200, curvesView(expDir, view().trials, reader, { metric, x, level, ...(trials !== null ? { trials: trials ? trials.split(',') : [] } : {}) }));
  }
  if (parts.length === 3 && parts[2] === 'summary') return summaryPage(req, res, expDir, name);
  if (parts.length === 4 && parts[2] === 'trials') {
    const t = safeSegments(parts[3]);
    const trial = t?.length === 1 ? view().trials.find((v) => v.dir === t[0]) : undefined;
    if (!trial) return notFound(res);
    // a planned trial not started yet has no folder; an existing one must lie inside the root
    const trialDir = confinedDir(expDir, parts[3]);
    if (!trialDir && existsSync(join(expDir, trial.dir))) return notFound(res);
    const stored = trialDir ? reader.read(trialDir) : undefined;
    const result = stored && (stored.state === 'finished' || stored.state === 'other-key') ? stored.result : undefined;
    return sendJson(res, 200, trialDetail(trialDir ?? join(expDir, trial.dir), trial, result));
  }
  notFound(res);
}

/** summary.md of the experiment as a self-contained page, its .svg figures inlined; 404 until a report exists. */
function summaryPage(req: IncomingMessage, res: ServerResponse, dir: string, name: string): void {
  const file = confinedPath(dir, 'summary.md');
  if (!file) return notFound(res);
  const figures = new Map<string, string>();
  for (const f of readdirSync(dir)) {
    const svg = f.endsWith('.svg') && !f.startsWith('.') ? confinedPath(dir, encodeURIComponent(f)) : undefined;
    if (svg) figures.set(f, readFileSync(svg, 'utf8'));
  }
  const html = reportHtml(readFileSync(file, 'utf8'), { title: `${name}: summary`, figures });
  if (req.method === 'HEAD') return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end();
  send(res, 200, 'text/html; charset=utf-8', html);
}
