// ESLint flat config for the APPSYNC_JS resolver files.
//
// AppSync refuses, when a resolver is saved, code that uses what its APPSYNC_JS runtime lacks
// (loops other than for-of/for-in, try/catch, async, classes, ++, regex literals, recursion...).
// `@aws-appsync/eslint-plugin`'s `recommended` config checks the same rules locally. Five of its
// rules (no-recursion, no-disallowed-methods, no-function-passing, no-function-reassign,
// no-function-return) need TypeScript type information, so the files are parsed as part of the
// JavaScript-only TypeScript project in resolvers/tsconfig.json.
import { fileURLToPath } from 'node:url';

import appsync from '@aws-appsync/eslint-plugin';

export default [
  {
    files: ['resolvers/**/*.js'],
    ...appsync.configs.recommended,
    languageOptions: {
      ...appsync.configs.recommended.languageOptions,
      ecmaVersion: 2022,
      sourceType: 'module',
      parserOptions: {
        project: './resolvers/tsconfig.json',
        tsconfigRootDir: fileURLToPath(new URL('.', import.meta.url)),
      },
    },
    linterOptions: {
      reportUnusedDisableDirectives: 'error',
    },
  },
];
