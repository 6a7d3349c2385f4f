// Errors that reach a researcher: each says what was received, what is valid, and how to fix it.

/** An error caused by user input (a config, a data file, a flag): printed without a stack. */
export class MedtransferError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MedtransferError';
  }
}

/** A config value is wrong; `path` is where it sits in the experiment file, e.g. `sweep.backbone[2]`. */
export class ConfigError extends MedtransferError {
  constructor(
    readonly path: string,
    readonly detail: string,
    readonly file?: string,
  ) {
    super(`${file ? `${file}: ` : ''}${path ? `${path}: ` : ''}${detail}`);
    this.name = 'ConfigError';
  }
}

/** A data file cannot be read as what it claims to be. */
export class DataFormatError extends MedtransferError {
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'DataFormatError';
  }
}

/** Formats a config path from segments: ['sweep', 'backbone', 2] → `sweep.backbone[2]`. */
export function formatPath(segments: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out ? `.${String(s)}` : String(s);
  }
  return out;
}
