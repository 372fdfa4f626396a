// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'test/generated/**', 'src/platform/http/graphiql/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js', 'scripts/*.mjs'] }, tsconfigRootDir: import.meta.dirname },
      globals: globals.node,
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-empty-pattern': 'off',
      // Apollo's plugin hooks and graphql-ws callbacks are async by contract, awaited or not.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // The architecture, enforced: platform/ knows nothing of modules/.
    files: ['src/platform/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/modules/**'], message: 'platform/ must not import from modules/.' }] }],
    },
  },
  // A module reaches another only through its index.ts: from a module's own folder, `../other/x`
  // leaves the module; from one of its subfolders, `../../other/x` does.
  ...[
    ['src/modules/*/*.ts', '^\\.\\./[^./][^/]*/(?!index\\.js$)'],
    ['src/modules/*/*/*.ts', '^\\.\\./\\.\\./[^./][^/]*/(?!index\\.js$)'],
  ].map(([glob, regex]) => ({
    files: [glob],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex, message: 'Import another module through its index.js.' }] }],
    },
  })),
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
  {
    files: ['scripts/**/*.mjs', '*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
