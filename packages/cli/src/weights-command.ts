// `medtransfer weights get <name...>` and `medtransfer weights list`: the Keras Applications ImageNet
// weight files in the weights cache, which `weights: imagenet` in an experiment reads.
import type { Command } from 'commander';
import { MedtransferError, unknownNameMessage } from '@medtransfer/core';
import { type WeightsGetResult, fetchWeights, formatWeightsList, listWeights } from '@medtransfer/runner';

const DIR_HELP = 'weights cache folder (default: $MEDTRANSFER_WEIGHTS_DIR, else weights/ under $MEDTRANSFER_CACHE, $XDG_CACHE_HOME/medtransfer or ~/.cache/medtransfer)';

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

function describe(r: WeightsGetResult): string {
  const how = r.downloaded ? `downloaded${r.resumedFrom ? ` (resumed at byte ${r.resumedFrom})` : ''} and verified` : 'already in the cache, verified';
  const hash = r.hashChecked ? "MD5 matches Keras' published one" : 'Keras publishes no MD5 for it';
  return `${r.file}: ${how} (${mib(r.bytes)}; ${hash}; ${r.tensors} tensors fit the backbone)`;
}

export function registerWeightsCommands(program: Command): void {
  const weights = program.command('weights').description('ImageNet weights (weights: imagenet): download, check and list the Keras Applications files');

  weights
    .command('get')
    .description('download Keras Applications weight files into the cache; check the MD5 Keras publishes (if any) and the layer layout (resumes an interrupted download)')
    .argument('<names...>', 'names as `medtransfer weights list` shows them, e.g. resnet50-notop inception-v3-notop mobilenet-0.5-224-notop')
    .option('--dir <dir>', DIR_HELP)
    .option('--base-url <url>', 'a mirror of the Keras bucket with the same sub-folders (default: $MEDTRANSFER_WEIGHTS_URL, else storage.googleapis.com/tensorflow/keras-applications)')
    .action(async (names: string[], opts: { dir?: string; baseUrl?: string }) => {
      const known = listWeights({ dir: opts.dir }).rows.map((r) => r.entry.name);
      for (const name of names) if (!known.includes(name)) throw new MedtransferError(unknownNameMessage('Keras Applications weight file', name, known));
      const failed: string[] = [];
      for (const name of names) {
        let shown = '';
        try {
          const r = await fetchWeights(name, {
            dir: opts.dir,
            baseUrl: opts.baseUrl,
            onProgress: (got, total) => {
              const now = total ? `${Math.floor((100 * got) / total)}%` : mib(got);
              if (now !== shown && process.stderr.isTTY) process.stderr.write(`\r${name}: ${now}`);
              shown = now;
            },
          });
          if (shown && process.stderr.isTTY) process.stderr.write('\n');
          if (r.replaced) process.stderr.write(`medtransfer: replaced a cached copy that failed its check: ${r.replaced}\n`);
          for (const note of r.notes) process.stderr.write(`medtransfer: ${name}: ${note}\n`);
          process.stdout.write(`${describe(r)}\n`);
        } catch (err) {
          if (shown && process.stderr.isTTY) process.stderr.write('\n');
          if (!(err instanceof MedtransferError) || names.length === 1) throw err;
          process.stderr.write(`medtransfer: ${err.message}\n`);
          failed.push(name);
        }
      }
      if (failed.length) throw new MedtransferError(`${failed.length} of ${names.length} file(s) failed: ${failed.join(', ')} (see above); the others are in the cache`);
    });

  weights
    .command('list')
    .description('every known Keras Applications file: backbone and params, with or without the classifier, size, published MD5, and whether it is in the cache (and verified)')
    .option('--dir <dir>', DIR_HELP)
    .action((opts: { dir?: string }) => {
      process.stdout.write(formatWeightsList(listWeights({ dir: opts.dir })));
    });
}
