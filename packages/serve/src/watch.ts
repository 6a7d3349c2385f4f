// Live updates: while a page is open, the server looks at the store every interval (a stat of
// each trial's record files, lock and saved state, and of the report files: no file is read) and
// tells the pages which experiments changed, as server-sent events. Polling rather than fs.watch:
// it also sees runners on other machines writing to a shared file system.
import { readdirSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { ATTEMPTS_FILE, CONFIG_FILE, CURVE_FILE, FAILED_FILE, LOCK_FILE, SUMMARY_FILE } from '@medtransfer/runner';
import { listExperimentNames, trialDirs } from './experiments';
import type { PlanSource } from './plans';

const WATCHED = [SUMMARY_FILE, CURVE_FILE, CONFIG_FILE, FAILED_FILE, LOCK_FILE, ATTEMPTS_FILE, join('resume', 'train-state.bin')];

function stamp(file: string): string {
  try {
    const s = statSync(file);
    return `${s.ino}.${s.size}.${s.mtimeMs}`;
  } catch {
    return '-';
  }
}

/** A string that changes whenever a watched file of the experiment folder appears, changes or goes. */
export function experimentSignature(dir: string): string {
  const parts: string[] = [];
  for (const t of trialDirs(dir)) parts.push(t, ...WATCHED.map((f) => stamp(join(dir, t, f))));
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isFile() && !e.name.startsWith('.')) parts.push(e.name, stamp(join(dir, e.name)));
  } catch {
    parts.push('absent');
  }
  return parts.join('|');
}

export class StoreWatcher {
  private readonly clients = new Set<ServerResponse>();
  private timer?: NodeJS.Timeout;
  private keepAlive?: NodeJS.Timeout;
  private last = new Map<string, string>();

  constructor(
    private readonly root: string,
    private readonly plans: PlanSource,
    private readonly intervalMs: number,
  ) {}

  /** Keeps `res` open as an event stream until the page goes away. */
  subscribe(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write(`retry: ${Math.max(1000, this.intervalMs)}\n\n`);
    this.clients.add(res);
    res.on('close', () => {
      this.clients.delete(res);
      if (!this.clients.size) this.stop();
    });
    if (!this.timer) {
      this.last = this.snapshot();
      this.timer = setInterval(() => this.poll(), this.intervalMs);
      // a comment line now and then keeps proxies from closing a quiet stream
      this.keepAlive = setInterval(() => this.send(': keep-alive\n\n'), 15_000);
    }
  }

  private snapshot(): Map<string, string> {
    return new Map(listExperimentNames(this.root, this.plans).map((name) => [name, experimentSignature(join(this.root, name))]));
  }

  /** Compares the store with the last look; sends `change` naming the experiments that differ. */
  poll(): void {
    const now = this.snapshot();
    const changed = [...new Set([...now.keys(), ...this.last.keys()])].filter((name) => now.get(name) !== this.last.get(name));
    const listChanged = now.size !== this.last.size || [...now.keys()].some((k) => !this.last.has(k));
    this.last = now;
    if (changed.length) this.send(`event: change\ndata: ${JSON.stringify({ experiments: changed, list: listChanged })}\n\n`);
  }

  private send(text: string): void {
    for (const res of this.clients) res.write(text);
  }

  private stop(): void {
    clearInterval(this.timer);
    clearInterval(this.keepAlive);
    this.timer = undefined;
    this.keepAlive = undefined;
  }

  /** Ends every stream (the server is closing). */
  close(): void {
    this.stop();
    for (const res of this.clients) res.end();
    this.clients.clear();
  }
}
