// Atomic file writes shared by every package that writes results: the result store, checkpoints,
// reports and figures. A reader sees the old file or the new one, never half of one.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

let tmpCounter = 0;

/**
 * Writes via a hidden temp file in the same directory (unique per host, process and call, so two
 * processes never share one), fsync, then a rename: readers see the old file or the new one,
 * never half of one, even after SIGKILL or a power cut. A temp file left by a killed writer is
 * ignored by every reader. Creates the directory when missing.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = join(dirname(file), `.${basename(file)}.tmp-${hostname()}-${process.pid}-${tmpCounter++}`);
  try {
    const fd = openSync(tmp, 'w');
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
