// Every shipped experiment file (experiments/, sub-folders included) names the JSON Schema for
// editors and plans without errors: valid schema, known registry names, sizes its backbones take.
import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { loadPlan } from '@medtransfer/runner';

const root = resolve(__dirname, '../../..');
const experiments = join(root, 'experiments');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? yamlFiles(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

describe('shipped experiment files', () => {
  const files = yamlFiles(experiments);

  it('exist', () => {
    expect(files.length).to.be.greaterThan(1);
  });

  for (const file of files) {
    const name = relative(root, file);
    it(`${name} names the JSON Schema and plans`, () => {
      const schema = relative(dirname(file), join(experiments, 'experiment.schema.json')).split('\\').join('/');
      const schemaRef = schema.startsWith('.') ? schema : `./${schema}`;
      const text = readFileSync(file, 'utf8');
      const header = text.split('\n')[0] === `# yaml-language-server: $schema=${schemaRef}`;
      const key = new RegExp(`^\\$schema: ['"]?${schemaRef.replace(/[.]/g, '\\.')}['"]?$`, 'm').test(text);
      expect(header || key, `${name}: start it with "# yaml-language-server: $schema=${schemaRef}"`).to.equal(true);
      const plan = loadPlan(file);
      expect(plan.trials.length, name).to.be.greaterThan(0);
    });
  }
});
