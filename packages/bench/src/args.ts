// Command-line options of `npm run bench`, checked once at the edge: every error names the
// option, what was received, what is valid and how to fix it.
import { parseOptions } from './command';
import * as os from 'node:os';
import { ConfigError, backendNames, unknownNameMessage } from '@medtransfer/core';
import { DEFAULT_EVAL_PATH, EVAL_PATHS, type EvalPath } from '@medtransfer/engine';
import { backbones } from '@medtransfer/zoo';
import { list, nonEmpty, positiveInt, positiveSeconds } from './option-values';

/** Nets the PyTorch peer defines that the zoo may not have yet: skipped at run time, not rejected. */
export const PEER_ONLY_NETS = ['resnet18', 'resnet34', 'resnet50'] as const;

export type TorchMode = 'auto' | 'off';

export interface BenchOptions {
  nets: string[];
  sizes: number[];
  /** Any name in core's `backendNames`. */
  backends: string[];
  batch: number;
  /** Seconds per timed measurement (training and inference each, per side). */
  timeSeconds: number;
  torch: TorchMode;
  /** PyTorch intra-op threads. */
  threads: number;
  python: string;
  /** Backbone params per net (only nets given some with `--params`), checked against the zoo. */
  params: Record<string, Record<string, unknown>>;
  /** How the inference column runs the model (default: the path evaluation uses). */
  evalPath: EvalPath;
  json?: string;
  /** Add the measured rows to the bench's stored measurements (packages/bench/measurements.json). */
  record: boolean;
  help: boolean;
}

export const DEFAULTS = {
  nets: ['cbr-tiny', 'cbr-small', 'resnet18'],
  sizes: [28, 64],
  backends: ['wasm'],
  batch: 32,
  timeSeconds: 10,
  torch: 'auto' as TorchMode,
  python: '/usr/bin/python3',
};

export const USAGE = `usage: npm run bench -- [options]
  --nets a,b,…       backbones from the zoo (default ${DEFAULTS.nets.join(',')})
  --sizes 28,64      input sizes in pixels (default ${DEFAULTS.sizes.join(',')})
  --backends a,b,…   tfjs backends: ${backendNames.join(', ')} (default ${DEFAULTS.backends.join(',')})
  --batch N          images per step (default ${DEFAULTS.batch})
  --time S           seconds per timed measurement (default ${DEFAULTS.timeSeconds})
  --torch auto|off   run the PyTorch peer when "python -c 'import torch'" works (default auto)
  --threads N        PyTorch threads (default: the number of cores)
  --python PATH      Python for the peer (default ${DEFAULTS.python})
  --params JSON      backbone params for every net, e.g. --params '{"alpha":0.5}'; or for one
                     net: --params 'mobilenet-v1:{"stem":"small"}' (repeatable; per-net wins)
  --eval-path P      inference by ${EVAL_PATHS.join(' or ')} (default ${DEFAULT_EVAL_PATH}, what evaluation uses)
  --json FILE        also write the results as JSON
  --record           add our measurements to packages/bench/measurements.json (committed; read
                     by \`medtransfer plan\` for its time estimates), replacing older rows of the
                     same net, params, size, batch and backend`;

function checkNet(name: string, i: number): string {
  if (backbones.has(name) || (PEER_ONLY_NETS as readonly string[]).includes(name)) return name;
  throw new ConfigError(`--nets[${i}]`, unknownNameMessage('backbone', name, backbones.names()));
}

function checkBackend(name: string, i: number): string {
  if ((backendNames as readonly string[]).includes(name)) return name;
  throw new ConfigError(`--backends[${i}]`, unknownNameMessage('backend', name, backendNames));
}

function jsonObject(option: string, raw: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw new ConfigError(option, `expected a JSON object, received '${raw}' (${(err as Error).message}); quote it for the shell, e.g. --params '{"alpha":0.5}'`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(option, `expected a JSON object such as {"alpha":0.5}, received '${raw}'`);
  }
  return value as Record<string, unknown>;
}

/**
 * `--params` values: `{json}` applies to every net, `net:{json}` to one (it must be in --nets);
 * per-net keys override the shared ones. Each net's params are checked by its zoo schema now,
 * so a typo fails before any measurement.
 */
export function parseNetParams(raws: string[], nets: string[]): Record<string, Record<string, unknown>> {
  const shared: Record<string, unknown> = {};
  const perNet: Record<string, Record<string, unknown>> = {};
  raws.forEach((raw, i) => {
    const option = `--params[${i}]`;
    const text = raw.trim();
    if (text.startsWith('{')) {
      Object.assign(shared, jsonObject(option, text));
      return;
    }
    const colon = text.indexOf(':');
    if (colon <= 0) {
      throw new ConfigError(option, `expected '{json}' (every net) or 'net:{json}' (one net), received '${raw}'; e.g. --params 'mobilenet-v1:{"stem":"small"}'`);
    }
    const net = text.slice(0, colon).trim();
    if (!nets.includes(net)) {
      throw new ConfigError(option, `net "${net}" is not among --nets (${nets.join(', ')}); add it to --nets or fix the name before the ':'`);
    }
    perNet[net] = { ...perNet[net], ...jsonObject(option, text.slice(colon + 1)) };
  });
  const out: Record<string, Record<string, unknown>> = {};
  for (const net of nets) {
    const params = { ...shared, ...perNet[net] };
    if (Object.keys(params).length === 0) continue;
    if (backbones.has(net)) backbones.get(net, '--params').parseParams(params, `--params (${net})`);
    out[net] = params;
  }
  return out;
}

/** `--eval-path`: one of the engine's evaluation paths; absent → the one evaluation uses. */
export function parseEvalPath(raw: string | undefined): EvalPath {
  if (raw === undefined) return DEFAULT_EVAL_PATH;
  if ((EVAL_PATHS as readonly string[]).includes(raw)) return raw as EvalPath;
  throw new ConfigError('--eval-path', unknownNameMessage('evaluation path', raw, EVAL_PATHS));
}

/** Parses `argv` (without node and the script); throws ConfigError on bad input. */
export function parseBenchArgs(argv: string[]): BenchOptions {
  const v = parseOptions(
    argv,
    {
      nets: { type: 'string' },
      sizes: { type: 'string' },
      backends: { type: 'string' },
      batch: { type: 'string' },
      time: { type: 'string' },
      torch: { type: 'string' },
      threads: { type: 'string' },
      python: { type: 'string' },
      params: { type: 'string', multiple: true },
      'eval-path': { type: 'string' },
      json: { type: 'string' },
      record: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  );
  const nets = nonEmpty('--nets', v.nets === undefined ? DEFAULTS.nets : list(v.nets), 'cbr-tiny,cbr-small').map(checkNet);
  const sizes = nonEmpty('--sizes', v.sizes === undefined ? DEFAULTS.sizes : list(v.sizes).map((s, i) => positiveInt(`--sizes[${i}]`, s, 1024, 'Sizes are image sides in pixels, e.g. --sizes 28,64.')), '28,64');
  const backends = nonEmpty('--backends', v.backends === undefined ? DEFAULTS.backends : list(v.backends), 'wasm').map(checkBackend);
  const batch = v.batch === undefined ? DEFAULTS.batch : positiveInt('--batch', v.batch, 4096, 'E.g. --batch 32.');
  const timeSeconds = v.time === undefined ? DEFAULTS.timeSeconds : positiveSeconds('--time', v.time, '10');
  const torch = (v.torch ?? DEFAULTS.torch) as TorchMode;
  if (torch !== 'auto' && torch !== 'off') {
    throw new ConfigError('--torch', `expected "auto" or "off", received "${v.torch}"`);
  }
  const threads = v.threads === undefined ? os.cpus().length : positiveInt('--threads', v.threads, 1024, 'E.g. --threads 2.');
  const evalPath = parseEvalPath(v['eval-path']);
  const uniqueNets = [...new Set(nets)];
  return {
    nets: uniqueNets,
    sizes: [...new Set(sizes)],
    backends: [...new Set(backends)],
    batch,
    timeSeconds,
    torch,
    threads,
    python: v.python ?? DEFAULTS.python,
    params: parseNetParams(v.params ?? [], uniqueNets),
    evalPath,
    json: v.json,
    record: v.record ?? false,
    help: v.help ?? false,
  };
}
