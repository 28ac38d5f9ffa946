import js from '@eslint/js';
import jsxA11y from 'eslint-plugin-jsx-a11y';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { existsSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

const webFeatures = existsSync('web/src/features') ? readdirSync('web/src/features') : [];
const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', 'vendor/**', 'data/**', 'logs/**', 'tmp/**', 'db/migrations/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['web/vite.config.ts', 'web/vitest.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
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
    // The web app shares only lib/contracts with the server, and its features never import each other
    // (web.md §5.1): routes compose features; what two features need moves down to components/, lib/, hooks/.
    files: ['web/src/**/*.{ts,tsx}'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'] })] },
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './web/src',
              from: './',
              except: ['./web', './lib/contracts', './node_modules'],
              message: 'The web app may only share lib/contracts with the server.',
            },
            ...webFeatures.map((feature) => ({
              target: `./web/src/features/${feature}`,
              from: './web/src/features',
              except: [`./${feature}`],
              message: 'Features never import each other; move shared code down to components/, lib/ or hooks/.',
            })),
            {
              target: ['./web/src/components', './web/src/lib', './web/src/hooks'],
              from: ['./web/src/features', './web/src/app'],
              message: 'Shared code must not depend on features or the app.',
            },
          ],
        },
      ],
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@temporalio/*', 'pino', 'postgres', 'drizzle-orm', 'express'], message: 'Server packages do not belong in the browser.' }] },
      ],
    },
  },
);
