// Downloads one file over HTTP(S) into a cache: resumes a partial file with a Range request,
// retries a dropped connection, verifies the MD5, and quarantines a file whose checksum fails.
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, existsSync, mkdirSync, openSync, readSync, renameSync, statSync, unlinkSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { basename, dirname, join } from 'node:path';
import { MedtransferError } from '@medtransfer/core';

/** Why a download failed: no route to the server, an HTTP error, a transfer that kept dropping, or a bad checksum. */
export type DownloadFailure = 'network' | 'http' | 'interrupted' | 'checksum';

export class DownloadError extends MedtransferError {
  constructor(
    readonly kind: DownloadFailure,
    message: string,
    readonly url: string,
  ) {
    super(message);
    this.name = 'DownloadError';
  }
}

export interface DownloadOptions {
  url: string;
  /** Final path; the transfer goes to `${dest}.part` and is renamed once its MD5 matches. */
  dest: string;
  /**
   * The MD5 the publisher gives. `null` when it publishes none: the file is then taken as received
   * (and an existing `dest` kept), so the caller must check its content some other way.
   */
  md5: string | null;
  /** Further attempts after a dropped connection, each resuming where the last stopped (default 3). */
  retries?: number;
  /** Idle socket timeout in ms (default 60 s). */
  timeoutMs?: number;
  onProgress?: (received: number, total: number | undefined) => void;
}

export interface DownloadResult {
  file: string;
  /** Bytes of the final file. */
  bytes: number;
  /** Bytes already on disk when the first request went out (a resumed download), else 0. */
  resumedFrom: number;
  /** Requests made (1 unless the connection dropped). */
  attempts: number;
}

/** Errors that mean the server could not be reached at all (no network, DNS, refused). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'ETIMEDOUT']);

/** MD5 of a file, streamed (the 224 px files are gigabytes). */
export function md5File(file: string): Promise<string> {
  return new Promise((resolveHash, reject) => {
    const h = createHash('md5');
    createReadStream(file)
      .on('data', (chunk) => h.update(chunk))
      .on('error', reject)
      .on('end', () => resolveHash(h.digest('hex')));
  });
}

/** MD5 of a file, synchronously in 4 MiB chunks (for dataset factories, which are synchronous). */
export function md5FileSync(file: string): string {
  const h = createHash('md5');
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(4 << 20);
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) h.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

/** Moves `file` into `quarantine/` beside it (timestamped, never overwriting); returns the new path. */
export function quarantine(file: string): string {
  const dir = join(dirname(file), 'quarantine');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const target = join(dir, `${basename(file)}.${stamp}`);
  renameSync(file, target);
  return target;
}

const sizeOf = (file: string): number => (existsSync(file) ? statSync(file).size : 0);

interface Attempt {
  status: 'complete' | 'dropped';
  detail?: string;
  total?: number;
}

/** One request: appends to `part` from byte `start` (or rewrites it when the server ignores Range). */
function requestOnce(url: string, part: string, start: number, opts: DownloadOptions, redirects = 0): Promise<Attempt> {
  return new Promise((resolveAttempt, reject) => {
    const u = new URL(url);
    const client = u.protocol === 'https:' ? https : u.protocol === 'http:' ? http : null;
    if (!client) {
      reject(new DownloadError('http', `${url}: only http and https URLs can be downloaded`, url));
      return;
    }
    const headers: Record<string, string> = { 'user-agent': 'medtransfer' };
    if (start > 0) headers.range = `bytes=${start}-`;
    let gotResponse = false;
    const req = client.get(u, { headers }, (res) => {
      gotResponse = true;
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (redirects >= 5) return reject(new DownloadError('http', `${url}: too many redirects`, url));
        const next = new URL(res.headers.location, u).toString();
        requestOnce(next, part, start, opts, redirects + 1).then(resolveAttempt, reject);
        return;
      }
      if (status === 416 && start > 0) {
        // The partial file already holds everything the server has: verify it as it is.
        res.resume();
        return resolveAttempt({ status: 'complete' });
      }
      if (status !== 200 && status !== 206) {
        res.resume();
        return reject(new DownloadError('http', `${url}: the server answered HTTP ${status} ${res.statusMessage ?? ''}`.trim(), url));
      }
      const append = status === 206;
      if (append) {
        const range = /^bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''));
        if (!range || Number(range[1]) !== start) {
          res.resume();
          return reject(new DownloadError('http', `${url}: asked to resume at byte ${start} but the server sent range "${res.headers['content-range']}"`, url));
        }
      }
      const length = res.headers['content-length'] === undefined ? undefined : Number(res.headers['content-length']);
      const total = length === undefined ? undefined : (append ? start : 0) + length;
      let received = append ? start : 0;
      const out = createWriteStream(part, { flags: append ? 'a' : 'w' });
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        opts.onProgress?.(received, total);
      });
      let writeError: Error | undefined;
      out.on('error', (err) => (writeError = err));
      // Not stream.pipeline: on a dropped connection it destroys the file stream and loses what
      // was received but not yet written. Here every byte received reaches the partial file
      // before the attempt ends, so the next attempt resumes after it.
      res.pipe(out, { end: false });
      let ended = false;
      const finish = (err?: Error) => {
        if (ended) return;
        ended = true;
        res.unpipe(out);
        const decide = () => {
          if (writeError) return reject(new DownloadError('interrupted', `${part}: cannot write: ${writeError.message}`, url));
          let dropped = err ? `the connection was closed early (${err.message})` : undefined;
          if (!dropped && total !== undefined && received < total) dropped = `the connection was closed after ${received} of ${total} bytes`;
          resolveAttempt(dropped ? { status: 'dropped', detail: dropped, total } : { status: 'complete', total });
        };
        if (out.closed) decide();
        else {
          out.once('close', decide);
          out.end();
        }
      };
      res.on('end', () => finish());
      res.on('error', (err) => finish(err));
      res.on('close', () => finish(res.complete ? undefined : new Error('aborted')));
    });
    req.setTimeout(opts.timeoutMs ?? 60_000, () => req.destroy(Object.assign(new Error('no data for too long'), { code: gotResponse ? 'ESTALLED' : 'ETIMEDOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (gotResponse) return; // the response's own handlers report a mid-body failure
      const code = err.code ?? '';
      if (UNREACHABLE.has(code)) {
        reject(new DownloadError('network', `cannot reach ${u.host} (${code}${err.message && !err.message.includes(code) ? `: ${err.message}` : ''})`, url));
      } else {
        resolveAttempt({ status: 'dropped', detail: `${code || err.message}` });
      }
    });
  });
}

/**
 * Downloads `url` to `dest` with MD5 verification (unless `md5` is null). An existing `dest` with
 * the right MD5 is kept (no request); a partial `${dest}.part` is resumed. A wrong checksum moves the file to
 * `quarantine/` beside `dest` and throws; nothing else in the folder is touched.
 */
export async function downloadVerified(opts: DownloadOptions): Promise<DownloadResult> {
  const { url, dest, md5 } = opts;
  const want = md5 === null ? null : md5.toLowerCase();
  mkdirSync(dirname(dest), { recursive: true });
  if (existsSync(dest)) {
    if (want === null || (await md5File(dest)) === want) return { file: dest, bytes: sizeOf(dest), resumedFrom: 0, attempts: 0 };
    quarantine(dest);
  }
  const part = `${dest}.part`;
  const resumedFrom = sizeOf(part);
  const retries = opts.retries ?? 3;
  let attempts = 0;
  for (;;) {
    attempts++;
    const result = await requestOnce(url, part, sizeOf(part), opts);
    if (result.status === 'complete') break;
    if (attempts > retries) {
      throw new DownloadError(
        'interrupted',
        `${url}: the download was interrupted ${attempts} time(s) (last: ${result.detail}); ${sizeOf(part)} bytes are kept in ${part} — run the same command again to resume`,
        url,
      );
    }
  }
  const got = want === null ? null : await md5File(part);
  if (got !== want) {
    const bytes = sizeOf(part);
    const moved = quarantine(part);
    throw new DownloadError(
      'checksum',
      `${url}: the downloaded file (${bytes} bytes) has MD5 ${got}, but the release publishes ${want}; it was not used and was moved to ${moved} (nothing else was changed). Run the command again to retry; if it fails again the server or a proxy is altering the file.`,
      url,
    );
  }
  if (existsSync(dest)) unlinkSync(dest);
  renameSync(part, dest);
  return { file: dest, bytes: sizeOf(dest), resumedFrom, attempts };
}
