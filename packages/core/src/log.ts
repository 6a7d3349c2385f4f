// Logging: one place that writes user-facing lines, so the CLI can silence or redirect it.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

let level: LogLevel = (process.env.MEDTRANSFER_LOG as LogLevel) in order ? (process.env.MEDTRANSFER_LOG as LogLevel) : 'info';
let sink: (level: LogLevel, line: string) => void = (_lvl, line) => process.stderr.write(`${line}\n`);

export function setLogLevel(l: LogLevel): void {
  level = l;
}

/** Replaces where log lines go (tests capture them; the CLI may route them through a progress bar). */
export function setLogSink(fn: (level: LogLevel, line: string) => void): () => void {
  const prev = sink;
  sink = fn;
  return () => {
    sink = prev;
  };
}

export function getLogger(scope: string): Logger {
  const emit = (l: LogLevel) => (msg: string) => {
    if (order[l] >= order[level]) sink(l, `[${scope}] ${l === 'info' ? '' : `${l}: `}${msg}`);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** How far a long step has got (decoding a dataset into its disk cache): `done` of `total` `unit`. */
export interface ProgressReport {
  /** Identifies the step across reports (e.g. the cache folder being written). */
  id: string;
  /** What is being done, e.g. `folder /data/busi → disk cache`. */
  label: string;
  done: number;
  total: number;
  /** What is counted, e.g. `images`. */
  unit: string;
}

let progressSink: ((p: ProgressReport) => void) | undefined;

/**
 * Where progress reports go (the CLI draws a bar; by default they go nowhere). Returns a function
 * that restores the previous sink. Like the log sink, so a step deep in a package reports without
 * a callback threaded through every caller.
 */
export function setProgressSink(fn: ((p: ProgressReport) => void) | undefined): () => void {
  const prev = progressSink;
  progressSink = fn;
  return () => {
    progressSink = prev;
  };
}

/** Reports progress to the sink, if any; cheap to call per item (the sink throttles its output). */
export function reportProgress(p: ProgressReport): void {
  progressSink?.(p);
}
