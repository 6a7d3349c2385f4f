// Files the dashboard sends as they are: its own page (static/), the browser builds of vega,
// vega-lite and vega-embed from node_modules (no CDN: the page works offline), and the store's
// files (confined to the results directory by the caller).
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'application/x-ndjson; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json; charset=utf-8',
};

export function contentType(file: string): string {
  return TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** The dashboard's own page and script. */
export const STATIC_DIR = join(__dirname, '..', 'static');

/** Where Node would find package `name` from here (its package.json is not in its `exports`, so require.resolve cannot say). */
export function packageDir(name: string): string {
  for (const base of require.resolve.paths(name) ?? []) {
    const dir = join(base, name);
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new Error(`internal: package ${name} is not installed (npm ci installs it with @medtransfer/serve)`);
}

/** The browser builds served under /vendor/ (UMD files defining the globals vega, vegaLite, vegaEmbed). */
export function vendorFiles(): Map<string, string> {
  return new Map([
    ['vega.min.js', join(packageDir('vega'), 'build', 'vega.min.js')],
    ['vega-lite.min.js', join(packageDir('vega-lite'), 'build', 'vega-lite.min.js')],
    ['vega-embed.min.js', join(packageDir('vega-embed'), 'build', 'vega-embed.min.js')],
  ]);
}

/**
 * Streams a regular file; `sandbox` adds a CSP that keeps a stored HTML or SVG file from running
 * scripts in the dashboard's origin. Anything that is not a regular file is a 404.
 */
export function sendFile(req: IncomingMessage, res: ServerResponse, file: string, opts: { sandbox?: boolean; cache?: boolean } = {}): void {
  let size: number;
  try {
    const s = statSync(file);
    if (!s.isFile()) return notFound(res);
    size = s.size;
  } catch {
    return notFound(res);
  }
  res.writeHead(200, {
    'content-type': contentType(file),
    'content-length': size,
    'x-content-type-options': 'nosniff',
    'cache-control': opts.cache ? 'max-age=3600' : 'no-cache',
    ...(opts.sandbox ? { 'content-security-policy': 'sandbox' } : {}),
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

export function notFound(res: ServerResponse): void {
  send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
}

export function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', `${JSON.stringify(value)}\n`);
}
