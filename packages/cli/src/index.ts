// @medtransfer/cli: the `medtransfer` command (entry point: main.ts).
export { createProgressPrinter, formatDuration, progressLine } from './progress';
