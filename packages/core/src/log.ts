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
