// The optional `slurm:` section of an experiment file: the resources `medtransfer slurm` asks for.
// The same checks serve the command-line flags (which override the file), so both say the same.
import { z } from 'zod';

/**
 * SLURM's --time forms: minutes, minutes:seconds, hours:minutes:seconds, days-hours,
 * days-hours:minutes, days-hours:minutes:seconds (sbatch(1)); or UNLIMITED / INFINITE.
 */
const SLURM_TIME = /^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2}|UNLIMITED|INFINITE)$/;
/** --mem: a whole number with an optional K, M, G or T suffix (default megabytes). */
const SLURM_MEM = /^\d+[KMGT]?$/;
/** --gres: `name[:type][:count]`, comma-separated (`gpu:1`, `gpu:a100:2`, `gpu:1,lscratch:10`). */
const SLURM_GRES = /^[A-Za-z][\w-]*(:[\w.-]+){0,2}(,[A-Za-z][\w-]*(:[\w.-]+){0,2})*$/;
/** --gpus: `[type:]count` (`1`, `a100:2`). */
const SLURM_GPUS = /^([A-Za-z][\w.-]*:)?[1-9]\d*$/;
/** Partition (a comma-separated list is allowed) and account names. */
const SLURM_NAME = /^[A-Za-z0-9_.-]+$/;
const SLURM_NAMES = /^[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*$/;

/** What is wrong with a SLURM resource value, or undefined: the text after `<field>: `. */
export const slurmValueProblems = {
  time: (v: string) => (SLURM_TIME.test(v) ? undefined : `"${v}" is not a SLURM time; use e.g. "2-00:00:00" or "90" (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS)`),
  mem: (v: string) => (SLURM_MEM.test(v) ? undefined : `"${v}" is not a SLURM memory size; use a whole number with an optional K, M, G or T suffix, e.g. "32G" or "16000" (megabytes)`),
  gres: (v: string) => (SLURM_GRES.test(v) ? undefined : `"${v}" is not a SLURM generic resource; use name[:type][:count], comma-separated, e.g. "gpu:1" or "gpu:a100:2"`),
  gpus: (v: string) => (SLURM_GPUS.test(v) ? undefined : `"${v}" is not a SLURM GPU count; use [type:]count, e.g. "1" or "a100:2"`),
  partition: (v: string) => (SLURM_NAMES.test(v) ? undefined : `"${v}" is not a partition name; use letters, digits, _ . - (several separated by commas)`),
  account: (v: string) => (SLURM_NAME.test(v) ? undefined : `"${v}" is not an account name; use letters, digits, _ . -`),
  setup: (v: string) =>
    /[\n\r\0]/.test(v)
      ? `${JSON.stringify(v)} spans several lines; give one shell line per entry (a list of lines in the file, --setup repeated on the command line)`
      : v.trim() === ''
        ? 'an empty setup line; leave it out'
        : undefined,
  cpusPerTask: (v: number) => (Number.isInteger(v) && v >= 1 ? undefined : `expected a whole number ≥ 1, received ${v}`),
} as const;

/** A string checked by one of `slurmValueProblems`; numbers are taken as written (`time: 90`, `gpus: 2`). */
function checked(problem: (v: string) => string | undefined, numbers = false) {
  const base = numbers ? z.union([z.string(), z.number().int().nonnegative()]).transform(String) : z.string();
  return base.superRefine((v, ctx) => {
    const p = problem(v);
    if (p) ctx.addIssue({ code: 'custom', message: p });
  });
}

export const slurmSchema = z
  .strictObject({
    /** Partition(s) to submit to, e.g. `gpu`. */
    partition: checked(slurmValueProblems.partition).optional(),
    /** Account (project) charged for the job. */
    account: checked(slurmValueProblems.account).optional(),
    /** Wall-clock limit per array task, e.g. `2-00:00:00`, `04:00:00` or `90` (minutes). */
    time: checked(slurmValueProblems.time, true).optional(),
    /** Memory per array task, e.g. `32G`. */
    mem: checked(slurmValueProblems.mem, true).optional(),
    /** CPUs per array task (also its worker processes on CPU backends). */
    cpusPerTask: z
      .number()
      .superRefine((v, ctx) => {
        const p = slurmValueProblems.cpusPerTask(v);
        if (p) ctx.addIssue({ code: 'custom', message: p });
      })
      .optional(),
    /** Generic resources per array task, e.g. `gpu:1` (SLURM's --gres). */
    gres: checked(slurmValueProblems.gres).optional(),
    /** GPUs per array task, e.g. `1` or `a100:1` (SLURM's --gpus). */
    gpus: checked(slurmValueProblems.gpus, true).optional(),
    /** Shell lines run first in each task, in its shell (e.g. `module load cuda/12.2`, `source venv/bin/activate`). */
    setup: z.union([checked(slurmValueProblems.setup), z.array(checked(slurmValueProblems.setup))]).optional(),
  })
  .meta({ id: 'SlurmConfig' });

export type SlurmConfig = z.output<typeof slurmSchema>;
