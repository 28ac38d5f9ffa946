import js from '@eslint/js';
import jsxA11y from 'eslint-plugin-jsx-a11y';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', 'vendor/**', 'data/**', 'logs/**', 'tmp/**', 'db/migrations/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Forgetting to await a Temporal call or a database write is a bug (temporal.md §6).
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'error',
    },
  },
  {
    files: ['**/*.{js,mjs}'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['{lib,db,api,activities,plugins,scripts,temporal-dev,test}/**/*.ts', '*.ts'],
    languageOptions: { globals: globals.node },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node APIs, no I/O, no logger but the workflow's own.
    files: ['workflows/**/*.ts'],
    ignores: ['workflows/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [...nodeBuiltins, 'pino', 'postgres', 'drizzle-orm', '@electric-sql/pglite', '@temporalio/worker', '@temporalio/client', '@temporalio/activity'].map(
            (name) => ({ name, message: 'Workflow code must stay deterministic: no Node APIs or I/O libraries.' }),
          ),
          patterns: [
            { group: ['../db/*', '../api/*', '../lib/logger/*', '../lib/config'], message: 'Workflow code must not import I/O modules.' },
            { group: ['../activities/*', '../activities/**'], allowTypeImports: true, message: 'Import activity types only: `import type`.' },
          ],
        },
      ],
    },
  },
  {
    files: ['web/**/*.{ts,tsx}'],
    ...jsxA11y.flatConfigs.recommended,
    languageOptions: { ...jsxA11y.flatConfigs.recommended.languageOptions, globals: globals.browser },
    plugins: { ...jsxA11y.flatConfigs.recommended.plugins, 'react-hooks': reactHooks },
    rules: {
      ...jsxA11y.flatConfigs.recommended.rules,
      ...reactHooks.configs.recommended.rules,
      'react-hooks/exhaustive-deps': 'error',
    },
  },
  {
    files: ['web/**/*.{ts,tsx}'],
    ignores: ['web/vite.config.ts', 'web/vitest.config.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+(api|db|activities|workflows|plugins|scripts|temporal-dev|lib/(?!contracts/))',
              message: 'The web app may only share lib/contracts with the server.',
            },
            { group: ['@temporalio/*', 'pino', 'postgres', 'drizzle-orm'], message: 'Server packages do not belong in the browser.' },
          ],
        },
      ],
    },
  },
);
