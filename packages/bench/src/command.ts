// What every bench command line shares (`npm run bench`, `bench:data`, `bench:eval`, `bench:soak`,
// `bench:profile`): parsing its options, and running its main function with the exit codes.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ConfigError, MedtransferError } from '@medtransfer/core';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The values of `options` on `argv` (no positionals, unknown options refused); a bad line throws a ConfigError ending in `usage`. */
export function parseOptions<O extends Options>(argv: string[], options: O, usage: string) {
  try {
    return parseArgs({ args: argv, strict: true, allowPositionals: false, options }).values;
  } catch (err) {
    throw new ConfigError('arguments', `${(err as Error).message}\n${usage}`);
  }
}

/**
 * Runs a command's `main` on the process's arguments and exits with its code; an error exits 2
 * with its message when it is medtransfer's (bad input), else 1 with its stack.
 */
export function runCommand(name: string, main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`${name}: ${err instanceof MedtransferError ? err.message : (err as Error)?.stack ?? String(err)}\n`);
      process.exit(err instanceof MedtransferError ? 2 : 1);
    },
  );
}
