// `medtransfer serve [results-dir]`: the read-only results dashboard (@medtransfer/serve).
import type { Command } from 'commander';
import { MedtransferError } from '@medtransfer/core';
import { DEFAULT_HOST, startDashboard } from '@medtransfer/serve';

interface ServeFlags {
  host: string;
  port: string;
  experiment: string[];
  interval: string;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('a local dashboard of a result store: trials and their states, learning curves, reports; updates while runners write (read-only)')
    .argument('[results-dir]', 'result store root (the --results of medtransfer run)', 'results')
    .option('--host <address>', 'interface to listen on (0.0.0.0: every interface, readable from the network)', DEFAULT_HOST)
    .option('--port <n>', 'port; 0 takes any free port', '8080')
    .option('--experiment <file>', 'experiment file whose plan lists trials not started yet (repeatable; default: the file finished trials record)', (v: string, all: string[]) => [...all, v], [])
    .option('--interval <seconds>', 'how often an open page looks for changes in the store', '1')
    .action(async (resultsDir: string, flags: ServeFlags) => {
      const port = Number(flags.port);
      if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) throw new MedtransferError(`--port: expected a whole number from 0 to 65535, received "${flags.port}"`);
      const interval = Number(flags.interval);
      if (!(interval >= 0.1 && interval <= 3600)) throw new MedtransferError(`--interval: expected seconds from 0.1 to 3600, received "${flags.interval}"`);
      const dashboard = await startDashboard({ resultsDir, host: flags.host, port, experiments: flags.experiment, intervalMs: interval * 1000 });
      process.stdout.write(`medtransfer dashboard of ${dashboard.root}\n  ${dashboard.url}\n(read-only; Ctrl-C stops it)\n`);
      if (flags.host !== DEFAULT_HOST && flags.host !== 'localhost' && flags.host !== '::1') {
        process.stderr.write(`medtransfer: listening on ${flags.host}: anyone who can reach this machine on port ${dashboard.port} can read these results\n`);
      }
      await new Promise<void>((done) => {
        const stop = () => void dashboard.close().then(done);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
