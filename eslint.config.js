// Lint: TypeScript rules plus nx module boundaries, which enforce the one direction of
// dependency core ← data, zoo, engine, analysis ← runner ← cli (see docs/architecture.md); engine
// may use native (the compiled kernels), which depends on nothing.
const nx = require('@nx/eslint-plugin');
const tseslint = require('typescript-eslint');

module.exports = [
  { ignores: ['**/node_modules/**', '**/dist/**', 'results/**', 'scratch/**', '.nx/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
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
            { sourceTag: 'scope:cli', onlyDependOnLibsWithTags: ['scope:core', 'scope:runner'] },
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
