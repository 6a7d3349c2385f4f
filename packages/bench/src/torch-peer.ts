// Runs the PyTorch peer (peer/torch_peer.py) as a child process and reads its JSON answer.
// PyTorch is a peer for comparison: absent or broken, the bench goes on without it.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { MedtransferError } from '@medtransfer/core';

export const PEER_SCRIPT = path.resolve(__dirname, '..', 'peer', 'torch_peer.py');
export const TORCH_LAYOUTS = ['nchw', 'channels_last'] as const;
export type TorchLayout = (typeof TORCH_LAYOUTS)[number];

export interface PeerTiming {
  /** Mean seconds per step. */
  meanSeconds: number;
  /** Relative 95 % margin of error of the mean, in percent. */
  rme: number;
  samples: number;
  imagesPerSecond: number;
}

export interface PeerResult {
  torchVersion: string;
  threads: number;
  net: string;
  size: number;
  batch: number;
  /** Which definition of the net the peer used (e.g. the ResNet stem). */
  variant: string;
  /** Forward FLOPs per image, same convention as `countFlops`. */
  flopsForward: number;
  layouts: Partial<Record<TorchLayout, { train: PeerTiming; infer: PeerTiming }>>;
}

export interface PeerInfo {
  torchVersion: string;
  threads: number;
  python: string;
  /** Variables of {@link PEER_UNSET_ENV} set here and left out of the peer's environment, as NAME=value. */
  unsetEnv?: string[];
}

function fail(detail: string, stdout: string): never {
  const tail = stdout.trim().split('\n').slice(-3).join('\n');
  throw new MedtransferError(`torch peer: ${detail}${tail ? `\n  its output ended with:\n  ${tail}` : ''}`);
}

/** The JSON object on the last non-empty stdout line of the peer. */
function lastJson(stdout: string): Record<string, unknown> {
  const line = stdout.trim().split('\n').pop() ?? '';
  if (!line.startsWith('{')) fail('expected a JSON object on the last line of its output', stdout);
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch (err) {
    return fail(`its last line is not valid JSON (${(err as Error).message})`, stdout);
  }
}

function num(obj: Record<string, unknown>, key: string, where: string, stdout: string): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${where}.${key} should be a finite number, received ${JSON.stringify(v)}`, stdout);
  return v;
}

function timing(raw: unknown, where: string, stdout: string): PeerTiming {
  if (typeof raw !== 'object' || raw === null) fail(`${where} is missing`, stdout);
  const o = raw as Record<string, unknown>;
  const meanSeconds = num(o, 'mean_s', where, stdout);
  if (!(meanSeconds > 0)) fail(`${where}.mean_s should be positive, received ${meanSeconds}`, stdout);
  return { meanSeconds, rme: num(o, 'rme', where, stdout), samples: num(o, 'samples', where, stdout), imagesPerSecond: num(o, 'img_per_s', where, stdout) };
}

/** Parses the peer's output for one net; throws MedtransferError when it reports an error or is malformed. */
export function parsePeerOutput(stdout: string): PeerResult {
  const o = lastJson(stdout);
  if (typeof o.error === 'string') fail(o.error, '');
  if (typeof o.torch !== 'string') fail('"torch" (the version) is missing', stdout);
  if (typeof o.net !== 'string') fail('"net" is missing', stdout);
  const rawLayouts = o.layouts;
  if (typeof rawLayouts !== 'object' || rawLayouts === null) fail('"layouts" is missing', stdout);
  const layouts: PeerResult['layouts'] = {};
  for (const [name, value] of Object.entries(rawLayouts as Record<string, unknown>)) {
    if (!(TORCH_LAYOUTS as readonly string[]).includes(name)) fail(`unknown layout "${name}"; expected ${TORCH_LAYOUTS.join(' or ')}`, stdout);
    const v = (value ?? {}) as Record<string, unknown>;
    layouts[name as TorchLayout] = { train: timing(v.train, `layouts.${name}.train`, stdout), infer: timing(v.infer, `layouts.${name}.infer`, stdout) };
  }
  if (Object.keys(layouts).length === 0) fail('no layout was measured', stdout);
  return {
    torchVersion: o.torch,
    threads: num(o, 'threads', 'output', stdout),
    net: o.net,
    size: num(o, 'size', 'output', stdout),
    batch: num(o, 'batch', 'output', stdout),
    variant: typeof o.variant === 'string' ? o.variant : 'default',
    flopsForward: num(o, 'flops_forward', 'output', stdout),
    layouts,
  };
}

/**
 * OpenBLAS tuning variables some machines set for their own jobs (a core type, an L2 size): they
 * slow Debian's torch, so the peer runs without them. Only the peer's process: ours and the
 * tests keep the environment they were given.
 */
export const PEER_UNSET_ENV = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'] as const;

/** The environment the peer runs in: this one without {@link PEER_UNSET_ENV}. */
export function peerEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const k of PEER_UNSET_ENV) delete out[k];
  return out;
}

/** Asks `python` for its torch version; null (with the reason) when torch cannot be imported. */
export function probeTorch(python: string, threads: number): { info: PeerInfo } | { reason: string } {
  const r = spawnSync(python, [PEER_SCRIPT, '--probe', '--threads', String(threads)], { encoding: 'utf8', timeout: 120_000, env: peerEnv() });
  if (r.error) return { reason: `${python} could not start (${r.error.message})` };
  if (r.status !== 0) {
    const last = (r.stderr || r.stdout).trim().split('\n').pop() ?? '';
    return { reason: `${python} could not import torch (${last}); on Debian/Ubuntu: apt-get install python3-torch` };
  }
  try {
    const o = lastJson(r.stdout);
    const unsetEnv = PEER_UNSET_ENV.filter((k) => process.env[k] !== undefined).map((k) => `${k}=${process.env[k]}`);
    return { info: { torchVersion: String(o.torch), threads: Number(o.threads), python: String(o.python), ...(unsetEnv.length ? { unsetEnv } : {}) } };
  } catch (err) {
    return { reason: (err as Error).message };
  }
}

export interface PeerRunOptions {
  python: string;
  net: string;
  size: number;
  batch: number;
  timeSeconds: number;
  threads: number;
  /** Our forward FLOPs per image: the peer picks its variant of the net that matches. */
  expectFlops?: number;
}

/** Runs the peer for one net and size (both layouts, training then inference). */
export function runPeer(o: PeerRunOptions): PeerResult {
  const args = [PEER_SCRIPT, '--net', o.net, '--size', String(o.size), '--batch', String(o.batch), '--time', String(o.timeSeconds), '--threads', String(o.threads)];
  if (o.expectFlops) args.push('--expect-flops', String(o.expectFlops));
  // generous limit: 2 layouts × (train + infer) × (time + warm-up), plus model building
  const timeout = (4 * (o.timeSeconds + 5) + 120) * 1000;
  const r = spawnSync(o.python, args, { encoding: 'utf8', timeout, maxBuffer: 16 * 1024 * 1024, env: peerEnv() });
  if (r.error) throw new MedtransferError(`torch peer for ${o.net} @ ${o.size}px failed to run: ${r.error.message}`);
  if (r.status !== 0) fail(`exited with status ${r.status}: ${(r.stderr ?? '').trim().split('\n').pop()}`, r.stdout);
  return parsePeerOutput(r.stdout);
}
