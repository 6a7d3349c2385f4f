// Command-line options of `npm run bench:data` (the data-pipeline benchmark), checked once at the
// edge: every error names the option, what was received, what is valid and how to fix it.
import { parseOptions } from './command';
import { ConfigError, backendNames, unknownNameMessage } from '@medtransfer/core';
import { backbones } from '@medtransfer/zoo';
import { list, positiveInt, positiveSeconds } from './option-values';

export interface DataBenchOptions {
  sizes: number[];
  /** Images per measured epoch, per size (the dataset the pipeline walks through). */
  images: number;
  /** `--batch`: one batch for every size; absent → defaultBatch(size). */
  batch?: number;
  /** The net whose training step the data time is compared with. */
  net: string;
  backend: string;
  /** Seconds per timed measurement (each pipeline, and the training step). */
  timeSeconds: number;
  json?: string;
  help: boolean;
}

export const DATA_DEFAULTS = { sizes: [28, 224], images: 256, net: 'cbr-small', backend: 'auto', timeSeconds: 3, smallBatch: 32, largeBatch: 8 };

/** The default batch: 32 below 128 px, 8 from 128 px (CBR-Small at 224 px is slow per image). */
export const defaultBatch = (size: number): number => (size >= 128 ? DATA_DEFAULTS.largeBatch : DATA_DEFAULTS.smallBatch);

export const DATA_USAGE = `usage: npm run bench:data -- [options]
  --sizes 28,224     image sides in pixels (default ${DATA_DEFAULTS.sizes.join(',')})
  --images N         images per measured epoch (default ${DATA_DEFAULTS.images})
  --batch N          images per batch and per training step (default 32 below 128 px, 8 from 128 px)
  --net NAME         backbone whose training step is the yardstick (default ${DATA_DEFAULTS.net})
  --backend NAME     tfjs backend of that step: ${backendNames.join(', ')} (default ${DATA_DEFAULTS.backend})
  --time S           seconds per timed measurement (default ${DATA_DEFAULTS.timeSeconds})
  --json FILE        also write the results as JSON`;

/** Parses `argv` (without node and the script); throws ConfigError on bad input. */
export function parseDataBenchArgs(argv: string[]): DataBenchOptions {
  const v = parseOptions(
    argv,
    {
      sizes: { type: 'string' },
      images: { type: 'string' },
      batch: { type: 'string' },
      net: { type: 'string' },
      backend: { type: 'string' },
      time: { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    DATA_USAGE,
  );
  const rawSizes = v.sizes === undefined ? null : list(v.sizes);
  if (rawSizes && rawSizes.length === 0) throw new ConfigError('--sizes', 'give at least one size, e.g. --sizes 28,224');
  const sizes = rawSizes ? rawSizes.map((s, i) => positiveInt(`--sizes[${i}]`, s, 1024, 'Sizes are image sides in pixels, e.g. --sizes 28,224.')) : DATA_DEFAULTS.sizes;
  const images = v.images === undefined ? DATA_DEFAULTS.images : positiveInt('--images', v.images, 1_000_000, 'E.g. --images 256.');
  const batch = v.batch === undefined ? undefined : positiveInt('--batch', v.batch, 4096, 'E.g. --batch 32.');
  const net = v.net ?? DATA_DEFAULTS.net;
  if (!backbones.has(net)) throw new ConfigError('--net', unknownNameMessage('backbone', net, backbones.names()));
  const backend = v.backend ?? DATA_DEFAULTS.backend;
  if (!(backendNames as readonly string[]).includes(backend)) throw new ConfigError('--backend', unknownNameMessage('backend', backend, backendNames));
  const timeSeconds = v.time === undefined ? DATA_DEFAULTS.timeSeconds : positiveSeconds('--time', v.time, '3');
  return {
    sizes: [...new Set(sizes)],
    images,
    batch,
    net,
    backend,
    timeSeconds,
    json: v.json,
    help: v.help ?? false,
  };
}
