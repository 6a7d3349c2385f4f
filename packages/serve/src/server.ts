// `medtransfer serve`: a local HTTP server (Node's own http) for the results dashboard. It binds
// 127.0.0.1 unless told otherwise, never writes to the store, and says clearly when the results
// directory is missing or the port is taken.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { MedtransferError } from '@medtransfer/core';
import { PlanSource } from './plans';
import { createHandler } from './routes';
import { StoreWatcher } from './watch';

export interface ServeOptions {
  /** The results directory (`--results` of `medtransfer run`): one folder per experiment. */
  resultsDir: string;
  /** Interface to bind; default 127.0.0.1 (this machine only). */
  host?: string;
  /** Port; 0 (the default) takes any free port. */
  port?: number;
  /** Experiment files whose plans list the trials not started yet. */
  experiments?: readonly string[];
  /** How often an open page's store is looked at for changes (ms); default 1000. */
  intervalMs?: number;
}

export interface Dashboard {
  url: string;
  host: string;
  port: number;
  /** The results directory, absolute. */
  root: string;
  close(): Promise<void>;
}

export const DEFAULT_HOST = '127.0.0.1';

/** Checks that the results directory exists (a MedtransferError that says how to fix it otherwise). */
export function checkResultsDir(dir: string): string {
  const root = resolve(dir);
  let isDir = false;
  try {
    isDir = statSync(root).isDirectory();
  } catch {
    throw new MedtransferError(
      `results directory not found: ${root}; give the folder your runs write to (\`medtransfer run … --results DIR\`, default "results"), e.g. \`medtransfer serve results/reference\``,
    );
  }
  if (!isDir) throw new MedtransferError(`${root} is a file, not a results directory; give the folder that holds one folder per experiment`);
  return root;
}

function listenError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  if (err.code === 'EADDRINUSE') return new MedtransferError(`port ${port} on ${host} is already in use (another medtransfer serve?); choose another with --port, or --port 0 for any free port`);
  if (err.code === 'EACCES') return new MedtransferError(`port ${port} needs privileges to bind; choose one above 1023 with --port, or --port 0 for any free port`);
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') return new MedtransferError(`--host ${host}: not an address of this machine (${err.code}); the default is ${DEFAULT_HOST}`);
  return err;
}

export function formatUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
}

/** Starts the dashboard server; resolves once it listens. */
export async function startDashboard(opts: ServeOptions): Promise<Dashboard> {
  const root = checkResultsDir(opts.resultsDir);
  const host = opts.host ?? DEFAULT_HOST;
  const port = opts.port ?? 0;
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) throw new MedtransferError(`--port: expected a whole number from 0 to 65535, received "${opts.port}"`);
  const plans = new PlanSource(opts.experiments ?? []);
  const watcher = new StoreWatcher(root, plans, opts.intervalMs ?? 1000);
  const server = createServer(createHandler({ root, plans, watcher }));
  await new Promise<void>((done, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) => fail(listenError(err, host, port)));
    server.listen(port, host, () => done());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: formatUrl(host, bound),
    host,
    port: bound,
    root,
    close: () =>
      new Promise<void>((done) => {
        watcher.close();
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
