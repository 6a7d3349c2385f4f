// `--shard i/n`: which runner takes which trial. A trial belongs to shard
// (first 32 bits of sha256(trial key)) mod n — fixed by the trial alone, so the partition does
// not shift when other trials finish, fail or are added, and every shard computes it alone.
import { createHash } from 'node:crypto';
import { MedtransferError } from '@medtransfer/core';

export interface Shard {
  /** 0-based, as SLURM_ARRAY_TASK_ID (with --array=0-(n-1)) and Kubernetes' JOB_COMPLETION_INDEX. */
  index: number;
  count: number;
}

/** The shard (0 … count-1) a trial with this key belongs to. */
export function shardOf(key: string, count: number): number {
  return parseInt(createHash('sha256').update(key).digest('hex').slice(0, 8), 16) % count;
}

/** Parses `i/n` (0 ≤ i < n); errors name the flag, what was received and what is valid. */
export function parseShard(text: string, flag = '--shard'): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) {
    throw new MedtransferError(`${flag}: expected i/n with n ≥ 1 and 0 ≤ i < n (e.g. 0/4 … 3/4), received "${text}"`);
  }
  return { index, count };
}
