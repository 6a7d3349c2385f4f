// The experiment file: YAML parsed and validated against the schema (config-schema.ts), with
// errors that carry the field path (config-errors.ts); the JSON Schema for editors.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigIssuesError, toConfigErrors } from './config-errors';
import { ExperimentConfig, experimentSchema } from './config-schema';
import { ConfigError, MedtransferError } from './errors';

export * from './config-schema';
export { ConfigIssuesError, toConfigErrors } from './config-errors';

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

/** JSON Schema of the experiment file, for editors (`$schema` in experiment files). */
export function experimentJsonSchema(): unknown {
  return z.toJSONSchema(experimentSchema, { io: 'input', unrepresentable: 'any' });
}
