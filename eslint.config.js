// Lint: TypeScript rules plus nx module boundaries, which enforce the one direction of
// dependency core ← data, zoo, engine, analysis ← runner ← serve ← cli (see docs/architecture.md);
// engine may use native (the compiled kernels), which depends on nothing. No import cycles: between the
// files of a package (import-x/no-cycle) nor between packages (nx).
const path = require('node:path');
const nx = require('@nx/eslint-plugin');
const { createTypeScriptImportResolver } = require('eslint-import-resolver-typescript');
const importX = require('eslint-plugin-import-x');
const tseslint = require('typescript-eslint');

module.exports = [
  { ignores: ['**/node_modules/**', '**/dist/**', 'results/**', 'scratch/**', '.nx/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx, 'import-x': importX },
    settings: {
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: path.join(__dirname, 'tsconfig.json') })],
    },
    rules: {
      // No import cycle between files of a package: in a cycle, load order decides whether a
      // module sees another's exports (`undefined` while the cycle is still loading). Type-only
      // imports (`import type`, or every specifier marked `type`) are allowed in a cycle: the
      // compiler erases them, so they cannot change what runs at load time (the rule cannot count
      // them anyway). Other packages are not followed (ignoreExternal: they resolve outside the
      // linted package): cycles between packages are @nx/enforce-module-boundaries' job, and
      // following them and node_modules' typings made the rule up to 20× slower.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'scope:core', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'scope:data', onlyDependOnLibsWithTags: ['scope:core'] },
            { sourceTag: 'scope:zoo', onlyDependOnLibsWithTags: ['scope:core'] },
            { sourceTag: 'scope:engine', onlyDependOnLibsWithTags: ['scope:core', 'scope:native'] },
            { sourceTag: 'scope:native', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'scope:analysis', onlyDependOnLibsWithTags: ['scope:core'] },
            {
              sourceTag: 'scope:runner',
              onlyDependOnLibsWithTags: ['scope:core', 'scope:data', 'scope:zoo', 'scope:engine', 'scope:analysis'],
            },
            { sourceTag: 'scope:serve', onlyDependOnLibsWithTags: ['scope:core', 'scope:runner', 'scope:analysis'] },
            { sourceTag: 'scope:cli', onlyDependOnLibsWithTags: ['scope:core', 'scope:runner', 'scope:serve'] },
            { sourceTag: 'scope:bench', onlyDependOnLibsWithTags: ['scope:core', 'scope:data', 'scope:zoo', 'scope:engine'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Use the seeded Rng from @medtransfer/core.' },
      ],
    },
  },
];
