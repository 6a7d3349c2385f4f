// Runs the whole comparison: for each net × size, our measurement on every backend, then the
// PyTorch peer on the same net and size, alternating so machine load hits both sides alike.
import * as fs from 'node:fs';
import { backbones } from '@medtransfer/zoo';
import type { BenchOptions } from './args';
import { currentLoad, describeMachine } from './machine';
import { measureJs } from './measure';
import { MEASUREMENTS_FILE, benchCommand, recordMeasurements } from './measurements';
import { FLOP_CONVENTION, type BenchReport, type BenchRow } from './report';
import { probeTorch, runPeer, type PeerResult } from './torch-peer';

const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const message = (err: unknown) => String((err as Error)?.message ?? err).split('\n')[0];

export async function runBench(o: BenchOptions): Promise<BenchReport> {
  const report: BenchReport = {
    machine: describeMachine(),
    settings: { batch: o.batch, timeSeconds: o.timeSeconds, threads: o.threads, backends: o.backends },
    flopConvention: FLOP_CONVENTION,
    rows: [],
    skipped: [],
  };
  if (o.torch === 'off') report.torchNote = '--torch off';
  else {
    const probe = probeTorch(o.python, o.threads);
    if ('info' in probe) report.torch = probe.info;
    else report.torchNote = probe.reason;
  }
  say(`load average ${report.machine.loadStart.join(' ')}; torch: ${report.torch ? report.torch.torchVersion : report.torchNote}`);

  for (const net of o.nets) {
    if (!backbones.has(net)) {
      const line = `${net}: not in the zoo yet, skipped`;
      say(line);
      report.skipped.push(line);
      continue;
    }
    for (const size of o.sizes) {
      const rows: BenchRow[] = [];
      let flops: number | undefined;
      for (const backend of o.backends) {
        const row: BenchRow = { net, size, backend, params: o.params[net] };
        say(`${net} @ ${size}px on ${backend}: training and inference, ${o.timeSeconds} s each …`);
        try {
          row.ours = await measureJs({ net, size, backend, batch: o.batch, timeSeconds: o.timeSeconds, params: o.params[net], evalPath: o.evalPath });
          flops ??= row.ours.flopsForward;
          say(`  ${row.ours.train.imagesPerSecond.toFixed(1)} img/s training, ${row.ours.infer.imagesPerSecond.toFixed(1)} img/s inference`);
        } catch (err) {
          row.oursError = message(err);
          say(`  failed: ${row.oursError}`);
        }
        rows.push(row);
      }
      if (report.torch) {
        say(`${net} @ ${size}px in PyTorch (${o.threads} threads, NCHW and channels-last) …`);
        let peer: PeerResult | undefined;
        let peerError: string | undefined;
        try {
          peer = runPeer({ python: o.python, net, size, batch: o.batch, timeSeconds: o.timeSeconds, threads: o.threads, expectFlops: flops });
          const nchw = peer.layouts.nchw?.train.imagesPerSecond;
          say(`  ${nchw?.toFixed(1) ?? '–'} img/s training (NCHW)`);
        } catch (err) {
          peerError = message(err);
          say(`  failed: ${peerError}`);
        }
        for (const row of rows) {
          row.torch = peer;
          row.torchError = peerError;
        }
      }
      report.rows.push(...rows);
    }
  }
  report.machine.loadEnd = currentLoad();
  if (o.json) fs.writeFileSync(o.json, `${JSON.stringify({ ...report, options: o }, null, 2)}\n`);
  if (o.record) {
    const { rows, replaced } = recordMeasurements(MEASUREMENTS_FILE, report, benchCommand(o));
    say(`${rows} measurement(s) recorded in ${MEASUREMENTS_FILE}${replaced ? ` (${replaced} older one(s) replaced)` : ''}`);
  }
  return report;
}
