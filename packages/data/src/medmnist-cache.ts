// The MedMNIST file cache: where official files live ($MEDTRANSFER_CACHE, else the user's cache
// dir), fetching one with `medtransfer data get`, and finding a verified copy for a dataset.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { MedtransferError, unknownNameMessage } from '@medtransfer/core';
import { DownloadError, DownloadResult, downloadVerified, md5FileSync, quarantine } from './download';
import { MedmnistSize, MEDMNIST_MD5, isMedmnistSize, medmnistFileName, medmnistUrl } from './medmnist-files';
import { MEDMNIST_FLAGS, MEDMNIST_SIZES, MEDMNIST_ZENODO } from './medmnist-info';

/** Cache root: `MEDTRANSFER_CACHE`, else `$XDG_CACHE_HOME/medtransfer`, else `~/.cache/medtransfer`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MEDTRANSFER_CACHE) return resolve(env.MEDTRANSFER_CACHE);
  const base = env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache');
  return join(base, 'medtransfer');
}

/** Where `medtransfer data get` keeps a MedMNIST file: `<cache>/medmnist/<official name>`. */
export function medmnistCachePath(flag: string, size: MedmnistSize, cacheDir: string = defaultCacheDir()): string {
  return join(resolve(cacheDir), 'medmnist', medmnistFileName(flag, size));
}

function checkRequest(flag: string, size: number): asserts size is MedmnistSize {
  if (!MEDMNIST_MD5[flag]) throw new MedtransferError(unknownNameMessage('MedMNIST dataset', flag, MEDMNIST_FLAGS));
  if (!isMedmnistSize(size)) throw new MedtransferError(`MedMNIST size ${size} does not exist; the release has sizes ${MEDMNIST_SIZES.join(', ')}`);
}

/** How to get the file without the network: the URL, the MD5, and where to put it. */
function byHand(flag: string, size: MedmnistSize, file: string): string {
  return (
    `Download ${medmnistFileName(flag, size)} by hand (${MEDMNIST_ZENODO}, MD5 ${MEDMNIST_MD5[flag][size]}) ` +
    `and place it at ${file}`
  );
}

// A verified file gets a stamp beside it, so later loads skip re-hashing gigabytes.
interface Stamp {
  md5: string;
  size: number;
  mtimeMs: number;
}
const stampPath = (file: string) => `${file}.verified.json`;

function writeStamp(file: string, md5: string): void {
  const st = statSync(file);
  writeFileSync(stampPath(file), JSON.stringify({ md5, size: st.size, mtimeMs: st.mtimeMs } satisfies Stamp));
}

function hasValidStamp(file: string, md5: string): boolean {
  try {
    const s = JSON.parse(readFileSync(stampPath(file), 'utf8')) as Stamp;
    const st = statSync(file);
    return s.md5 === md5 && s.size === st.size && s.mtimeMs === st.mtimeMs;
  } catch {
    return false;
  }
}

export interface FetchOptions {
  cacheDir?: string;
  env?: NodeJS.ProcessEnv;
  retries?: number;
  timeoutMs?: number;
  onProgress?: (received: number, total: number | undefined) => void;
}

export interface FetchResult extends DownloadResult {
  url: string;
  /** False when a verified copy was already in the cache (no request was made). */
  downloaded: boolean;
}

/**
 * Ensures the official `{flag}[_{size}].npz` is in the cache with its published MD5 (downloading,
 * resuming or re-verifying as needed). Without network it throws naming the file to place by hand.
 */
export async function fetchMedmnist(flag: string, size: number, opts: FetchOptions = {}): Promise<FetchResult> {
  checkRequest(flag, size);
  const env = opts.env ?? process.env;
  const file = medmnistCachePath(flag, size, opts.cacheDir ?? defaultCacheDir(env));
  const md5 = MEDMNIST_MD5[flag][size];
  const url = medmnistUrl(flag, size, env);
  if (existsSync(file) && hasValidStamp(file, md5)) {
    return { file, bytes: statSync(file).size, resumedFrom: 0, attempts: 0, url, downloaded: false };
  }
  try {
    const r = await downloadVerified({ url, dest: file, md5, retries: opts.retries, timeoutMs: opts.timeoutMs, onProgress: opts.onProgress });
    writeStamp(file, md5);
    return { ...r, url, downloaded: r.attempts > 0 };
  } catch (err) {
    if (err instanceof DownloadError && err.kind === 'network') {
      throw new DownloadError('network', `no network: ${err.message}. ${byHand(flag, size, file)}`, url);
    }
    if (err instanceof DownloadError && err.kind === 'http') {
      throw new DownloadError('http', `${err.message}. ${byHand(flag, size, file)}`, url);
    }
    throw err;
  }
}

/** The command that puts the official file in the cache: `medtransfer data get <flag>[ --size <px>]`. */
export function dataGetCommand(flag: string, size = 28): string {
  return `medtransfer data get ${flag}${size === 28 ? '' : ` --size ${size}`}`;
}

/** How to get a missing cached file: `run \`medtransfer data get …\` …, or download it by hand …, or set params.path …`. */
export function cacheFillHint(flag: string, size: MedmnistSize, cacheDir: string = defaultCacheDir()): string {
  const file = medmnistCachePath(flag, size, cacheDir);
  return (
    `run \`${dataGetCommand(flag, size)}\` (add --cache ${resolve(cacheDir)} if that is not your default cache), ` +
    `or ${byHand(flag, size, file).replace(/^Download/, 'download')}, or set params.path to a copy you already have`
  );
}

/**
 * The cached file for `flag` at `size`, checked against the published MD5 (once; a stamp records
 * it). Missing: an error naming `medtransfer data get`. Wrong checksum: quarantined, then an error.
 */
export function cachedMedmnistFile(flag: string, size: number, cacheDir: string = defaultCacheDir()): string {
  checkRequest(flag, size);
  const file = medmnistCachePath(flag, size, cacheDir);
  const md5 = MEDMNIST_MD5[flag][size];
  if (!existsSync(file)) throw new MedtransferError(`${file} is not in the cache: ${cacheFillHint(flag, size, cacheDir)}`);
  if (hasValidStamp(file, md5)) return file;
  const got = md5FileSync(file);
  if (got !== md5) {
    const moved = quarantine(file);
    throw new MedtransferError(
      `${file} has MD5 ${got} but the MedMNIST release publishes ${md5} for ${medmnistFileName(flag, size)}; ` +
        `it was not used and was moved to ${moved}. Run \`${dataGetCommand(flag, size)}\` to fetch a good copy`,
    );
  }
  writeStamp(file, md5);
  return file;
}
