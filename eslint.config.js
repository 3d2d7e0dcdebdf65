// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.stack/', 'stack/.venv/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  // Boundaries: imports point one way (STYLE.md 4). SQL builders and schema code never import
  // the ingest loop or the commands; the Databend layer imports no other folder of src/.
  {
    files: ['src/databend/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['../*'], message: 'src/databend imports no other folder of src/.' }],
        },
      ],
    },
  },
  {
    files: ['src/schema/**/*.ts', 'src/merge/**/*.ts', 'src/control/**/*.ts', 'src/files/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/ingest/*', '**/cli/*', '**/http/*', '**/metrics/*', '**/reconcile/*'],
              message:
                'SQL builders and schema code never import the loop, the commands or the shells.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/schema/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/ingest/*',
                '**/cli/*',
                '**/http/*',
                '**/metrics/*',
                '**/reconcile/*',
                '**/merge/*',
                '**/control/*',
              ],
              message: 'Schema code stands below the batch SQL and the control plane.',
            },
          ],
        },
      ],
    },
  },
  // Size: a file past 300 lines, or a loop function past 60, wants splitting (STYLE.md 2).
  {
    files: ['src/**/*.ts'],
    rules: { 'max-lines': ['error', { max: 300, skipBlankLines: false, skipComments: false }] },
  },
  {
    files: ['src/ingest/**/*.ts', 'src/merge/**/*.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: false, skipComments: false }],
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
);
