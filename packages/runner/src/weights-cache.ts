// The Keras Applications ImageNet weights cache: `medtransfer weights get|list`, and the checks that
// plan and run make for files an experiment names (`weights: imagenet`, `{kind: keras-applications}`).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, DataFormatError, MedtransferError, writeFileAtomic } from '@medtransfer/core';
import { DownloadError, defaultCacheDir, downloadVerified, md5File, quarantine } from '@medtransfer/data';
import {
  KERAS_APPLICATIONS,
  type KerasApplicationsFile,
  type NamedWeights,
  type WeightSourceSpec,
  checkKerasApplicationsLayout,
  describeFit,
  kerasApplicationsFile,
  kerasApplicationsUrl,
  needsPretrained,
  readKerasH5,
} from '@medtransfer/zoo';
import type { Plan } from './plan';

/**
 * The weights cache: `$MEDTRANSFER_WEIGHTS_DIR`, else `weights/` under the medtransfer cache
 * (`$MEDTRANSFER_CACHE`, else `$XDG_CACHE_HOME/medtransfer` or `~/.cache/medtransfer`, as for data).
 */
export function weightsCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.MEDTRANSFER_WEIGHTS_DIR ? resolve(env.MEDTRANSFER_WEIGHTS_DIR) : join(defaultCacheDir(env), 'weights');
}

/** `medtransfer weights get a b [--dir D]` (`--dir` only when `dir` is not the default cache). */
export function weightsGetCommand(names: readonly string[], dir?: string, env: NodeJS.ProcessEnv = process.env): string {
  const other = dir !== undefined && resolve(dir) !== weightsCacheDir(env);
  const quoted = dir !== undefined && /\s/.test(dir) ? JSON.stringify(dir) : dir;
  return `medtransfer weights get ${[...new Set(names)].join(' ')}${other ? ` --dir ${quoted}` : ''}`;
}

// A verified file gets a stamp beside it (as cached MedMNIST files do), so later uses skip the checks.
interface Stamp {
  name: string;
  md5: string;
  size: number;
  mtimeMs: number;
  tensors: number;
}
const stampPath = (file: string) => `${file}.verified.json`;

function validStamp(file: string, entry: KerasApplicationsFile): Stamp | undefined {
  try {
    const s = JSON.parse(readFileSync(stampPath(file), 'utf8')) as Stamp;
    const st = statSync(file);
    const ok = s.name === entry.name && s.size === st.size && s.mtimeMs === st.mtimeMs && (entry.md5 === null || s.md5 === entry.md5);
    return ok ? s : undefined;
  } catch {
    return undefined;
  }
}

/** A cached file failed its check: it has been moved to `quarantine/` beside it. */
export class WeightsFileRefused extends MedtransferError {
  constructor(message: string) {
    super(message);
    this.name = 'WeightsFileRefused';
  }
}

function refuse(entry: KerasApplicationsFile, file: string, why: string): never {
  const moved = quarantine(file);
  throw new WeightsFileRefused(
    `${file} is not the Keras Applications file ${entry.name}: ${why}. It was not used and was moved to ${moved} ` +
      `(nothing else was changed); run \`${weightsGetCommand([entry.name], dirname(file))}\` to fetch a good copy`,
  );
}

export interface VerifiedWeights {
  md5: string;
  /** Whether the MD5 was compared with a published one (MobileNet's are not published). */
  hashChecked: boolean;
  tensors: number;
  notes: string[];
}

/**
 * Checks a cached file against its table entry: the MD5 Keras publishes (if any), then the layout
 * (every tensor of our model of the backbone, by name and shape; read unless `weights` are given).
 * A file that fails is quarantined and a WeightsFileRefused names the file and the hash or the
 * layers; one that passes is stamped.
 */
export async function verifyWeightsFile(entry: KerasApplicationsFile, file: string, weights?: NamedWeights): Promise<VerifiedWeights> {
  const md5 = await md5File(file);
  if (entry.md5 !== null && md5 !== entry.md5) refuse(entry, file, `its MD5 is ${md5}, but Keras publishes ${entry.md5} for ${entry.file}`);
  let read = weights;
  if (!read) {
    try {
      read = await readKerasH5(file);
    } catch (err) {
      if (err instanceof DataFormatError) refuse(entry, file, err.detail);
      throw err;
    }
  }
  const check = checkKerasApplicationsLayout(entry, read);
  if (check.problems.length) refuse(entry, file, `its layers do not fit ${describeFit(entry.backbone, entry.params)}: ${check.problems.join('; ')}`);
  const st = statSync(file);
  writeFileAtomic(stampPath(file), JSON.stringify({ name: entry.name, md5, size: st.size, mtimeMs: st.mtimeMs, tensors: read.tensors.size } satisfies Stamp));
  return { md5, hashChecked: entry.md5 !== null, tensors: read.tensors.size, notes: check.notes };
}

/** A cached file named by an experiment: checked once (then stamped) before its first use in a run. */
export async function verifyCachedWeights(spec: WeightSourceSpec): Promise<void> {
  if (!spec.kerasApplications) return;
  const entry = kerasApplicationsFile(spec.kerasApplications.name);
  if (!validStamp(spec.path, entry)) await verifyWeightsFile(entry, spec.path);
}

export interface WeightsGetOptions {
  /** The cache folder (default weightsCacheDir()). */
  dir?: string;
  /** A mirror of the Keras bucket with the same sub-folders (default `$MEDTRANSFER_WEIGHTS_URL`, else Keras'). */
  baseUrl?: string;
  env?: NodeJS.ProcessEnv;
  /** The table names are looked up in (default KERAS_APPLICATIONS). */
  entries?: readonly KerasApplicationsFile[];
  retries?: number;
  timeoutMs?: number;
  onProgress?: (received: number, total: number | undefined) => void;
}

export interface WeightsGetResult extends VerifiedWeights {
  name: string;
  file: string;
  url: string;
  bytes: number;
  /** False when a good copy was already in the cache (no request was made). */
  downloaded: boolean;
  /** Bytes of a partial download this one resumed from. */
  resumedFrom: number;
  /** A copy in the cache that failed its check and was quarantined before downloading (its message). */
  replaced?: string;
}

/**
 * Ensures the file `name` is in the cache, checked: a stamped copy is kept; an unstamped one
 * (copied by hand) is checked; otherwise it is downloaded (resuming a `.part`), its MD5 compared
 * with the published one, and its layout checked. A failing file is quarantined and refused.
 */
export async function fetchWeights(name: string, opts: WeightsGetOptions = {}): Promise<WeightsGetResult> {
  const env = opts.env ?? process.env;
  const entry = kerasApplicationsFile(name, opts.entries);
  const dir = resolve(opts.dir ?? weightsCacheDir(env));
  const file = join(dir, entry.file);
  const url = kerasApplicationsUrl(entry, opts.baseUrl || env.MEDTRANSFER_WEIGHTS_URL || undefined);
  const base = { name: entry.name, file, url, resumedFrom: 0 };
  const stamp = validStamp(file, entry);
  if (stamp) return { ...base, bytes: stamp.size, downloaded: false, md5: stamp.md5, hashChecked: entry.md5 !== null, tensors: stamp.tensors, notes: [] };
  let replaced: string | undefined;
  if (existsSync(file)) {
    try {
      return { ...base, bytes: statSync(file).size, downloaded: false, ...(await verifyWeightsFile(entry, file)) };
    } catch (err) {
      if (!(err instanceof WeightsFileRefused)) throw err;
      replaced = err.message;
    }
  }
  let r;
  try {
    r = await downloadVerified({ url, dest: file, md5: entry.md5, retries: opts.retries, timeoutMs: opts.timeoutMs, onProgress: opts.onProgress });
  } catch (err) {
    if (!(err instanceof DownloadError)) throw err;
    const byHand =
      err.kind === 'network' || err.kind === 'http'
        ? `. Download ${url} by hand (${entry.md5 ? `MD5 ${entry.md5}` : 'Keras publishes no MD5 for it'}) and place it at ${file}, or name a copy you have with {kind: keras-h5, path: …}`
        : '';
    throw new DownloadError(err.kind, `${entry.name} (${entry.file}): ${err.message}${byHand}`, err.url);
  }
  const verified = await verifyWeightsFile(entry, file);
  return { ...base, bytes: r.bytes, downloaded: true, resumedFrom: r.resumedFrom, ...verified, ...(replaced ? { replaced } : {}) };
}

export interface WeightsListRow {
  entry: KerasApplicationsFile;
  file: string;
  /** verified: stamped after its checks; unchecked: present, checked on first use or `weights get`; missing. */
  state: 'verified' | 'unchecked' | 'missing';
  /** The cached file's size, else the published one where known. */
  bytes?: number;
}

/** Every known file and whether it is in the cache folder (and verified). */
export function listWeights(opts: { dir?: string; env?: NodeJS.ProcessEnv; entries?: readonly KerasApplicationsFile[] } = {}): { dir: string; rows: WeightsListRow[] } {
  const dir = resolve(opts.dir ?? weightsCacheDir(opts.env ?? process.env));
  const rows = (opts.entries ?? KERAS_APPLICATIONS).map((entry): WeightsListRow => {
    const file = join(dir, entry.file);
    if (!existsSync(file)) return { entry, file, state: 'missing', bytes: entry.bytes };
    return { entry, file, state: validStamp(file, entry) ? 'verified' : 'unchecked', bytes: statSync(file).size };
  });
  return { dir, rows };
}

/** `listWeights` as an aligned text table. */
export function formatWeightsList(list: { dir: string; rows: WeightsListRow[] }): string {
  const head = ['name', 'backbone', 'classifier', 'size', 'MD5', 'cached'];
  const cells = list.rows.map((r) => [
    r.entry.name,
    describeFit(r.entry.backbone, r.entry.params),
    r.entry.top ? 'yes' : 'no',
    r.bytes === undefined ? '?' : `${(r.bytes / 2 ** 20).toFixed(1)} MiB`,
    r.entry.md5 ? 'published' : 'unpublished',
    r.state === 'missing' ? '-' : r.state,
  ]);
  const width = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((s, i) => s.padEnd(width[i])).join('  ').trimEnd();
  const cached = list.rows.filter((r) => r.state !== 'missing').length;
  return `Keras Applications ImageNet weights; cache ${list.dir} (${cached} of ${list.rows.length} present)\n${[head, ...cells].map(line).join('\n')}\n`;
}

/**
 * One ConfigError (at `sweep.backbone[i].params.weights`) per backbone whose named Keras
 * Applications file is not in its cache folder, each with the command that fetches every missing file.
 */
export function checkCachedWeights(plan: Plan): ConfigError[] {
  const missing = new Map<string, { name: string; dir: string; file: string }>();
  for (const t of plan.trials) {
    const named = t.weights?.kerasApplications;
    if (!t.weights || !named || !needsPretrained(t.strategy) || missing.has(t.backbonePath) || existsSync(t.weights.path)) continue;
    missing.set(t.backbonePath, { ...named, file: t.weights.path });
  }
  const byDir = new Map<string, string[]>();
  for (const m of missing.values()) byDir.set(m.dir, [...(byDir.get(m.dir) ?? []), m.name]);
  return [...missing].map(
    ([path, m]) =>
      new ConfigError(
        `${path}.params.weights`,
        `${m.name} is not in the weights cache (${m.file} does not exist). Fetch it with \`${weightsGetCommand(byDir.get(m.dir)!, m.dir)}\`, ` +
          'copy a file you already have to that path, or name it with {kind: keras-h5, path: …}',
        plan.file,
      ),
  );
}
