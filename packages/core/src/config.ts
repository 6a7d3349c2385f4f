// The experiment file: YAML parsed and validated against the schema (config-schema.ts), with
// errors that carry the field path (config-errors.ts); the JSON Schema for editors.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigIssuesError, toConfigErrors } from './config-errors';
import { ExperimentConfig, experimentSchema } from './config-schema';
import { ConfigError, MedtransferError } from './errors';

export * from './config-schema';
export { type Checked, ConfigIssuesError, flowYaml, joinPath, parseAt, toConfigErrors } from './config-errors';

/** Validates an already-parsed object against the experiment schema. */
export function validateExperiment(raw: unknown, file = '<experiment>'): ExperimentConfig {
  const result = experimentSchema.safeParse(raw);
  if (!result.success) throw new ConfigIssuesError(file, toConfigErrors(experimentSchema, raw, result.error.issues, file));
  return result.data;
}

/** Parses YAML text; syntax errors name the line and column. */
export function parseExperimentYaml(text: string, file = '<experiment>'): ExperimentConfig {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const where = e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
    throw new ConfigError(where, `YAML syntax error: ${e.message.split('\n')[0]}`, file);
  }
  return validateExperiment(doc.toJS(), file);
}

export function loadExperimentFile(file: string): ExperimentConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new MedtransferError(`cannot read experiment file ${file}: ${(err as Error).message}`);
  }
  return parseExperimentYaml(text, file);
}

/**
 * The forms a registry accepts for a config value, as zod schemas (one per registered component):
 * what the JSON Schema lists for editors in place of the general form the experiment schema checks.
 */
export interface ComponentForms {
  init?: z.ZodType[];
  optimizer?: z.ZodType[];
  schedule?: z.ZodType[];
}

/** Where each component sits in the JSON Schema (`$defs`): the ids of the general schemas. */
const FORM_IDS = { init: 'InitConfig', optimizer: 'OptimizerConfig', schedule: 'ScheduleConfig' } as const;

type JsonSchema = { $schema?: string; $defs?: Record<string, unknown> } & Record<string, unknown>;

/**
 * JSON Schema of the experiment file, for editors (`$schema` in experiment files). Init
 * strategies, optimisers and schedules are `$defs` (`InitConfig`, `OptimizerConfig`,
 * `ScheduleConfig`); with `forms` (the runner passes the registries'), each lists the valid forms
 * instead of the general one. A form may use the general schemas (an optimiser's `schedule` field):
 * they become references to the `$defs`.
 */
export function experimentJsonSchema(forms: ComponentForms = {}): unknown {
  const opts = { io: 'input', unrepresentable: 'any' } as const;
  const out = z.toJSONSchema(experimentSchema, opts) as JsonSchema;
  const defs = (out.$defs ??= {});
  for (const [key, id] of Object.entries(FORM_IDS) as [keyof ComponentForms, string][]) {
    const list = forms[key];
    if (!list?.length) continue;
    const { $schema: _s, $defs: inner = {}, ...schema } = z.toJSONSchema(list.length === 1 ? list[0] : z.union(list), opts) as JsonSchema;
    for (const [name, def] of Object.entries(inner)) if (!(name in defs)) defs[name] = def;
    defs[id] = schema;
  }
  return out;
}
