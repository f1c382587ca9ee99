// Type-aware lint for every workspace: the rules that catch real bugs in async service code.
import { readdirSync } from 'node:fs';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const SERVICES = readdirSync(new URL('./services/', import.meta.url));
const IO_MODULES = [
  'node:fs',
  'node:fs/promises',
  'node:net',
  'node:http',
  'node:https',
  'node:http2',
  'node:child_process',
  'node:dgram',
  'node:timers/promises',
  'ioredis',
  'pg',
  'nats',
  '@grpc/grpc-js',
  '@outbound/bus',
  '@outbound/rpc',
  '@outbound/store',
  '@outbound/redis',
  '@outbound/esl',
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'packages/proto/src/gen/**', '**/*.mjs', '**/*.js'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // node:test's test()/describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] },
          ],
        },
      ],
      // Promise-typed handler signatures are the contract even when a body needs no await.
      '@typescript-eslint/require-await': 'off',
      // gRPC generated clients are called through `unary(client.method, client, …)`, which binds `this`.
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@outbound/*/src/*', '@outbound/*/dist/*'],
              message: 'import a package through its public entry point',
            },
          ],
        },
      ],
    },
  },
  {
    // The architecture holds itself: no import cycles, and nothing used that package.json does not
    // declare (tests, benches and scripts may use devDependencies; production code may not).
    plugins: { 'import-x': importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [createTypeScriptImportResolver({ alwaysTryTypes: true })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-extraneous-dependencies': [
        'error',
        { devDependencies: ['**/test/**', '**/bench/**', '**/scripts/**'], includeTypes: true },
      ],
    },
  },
  {
    // Services talk over gRPC and events, never by importing each other's code.
    files: ['services/*/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@outbound/*/src/*', '@outbound/*/dist/*'],
              message: 'import a package through its public entry point',
            },
            {
              group: SERVICES.map((name) => `@outbound/${name}`),
              message: 'a service never imports another service: call its gRPC API or consume its events',
            },
            {
              group: ['../../../*/src/*', '../../../../*/src/*'],
              message: 'a service never reaches into another service',
            },
          ],
        },
      ],
    },
  },
  {
    // Domain code is pure: no I/O library, no adapter (types only, e.g. a frame's shape, are fine).
    files: ['services/*/src/domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: IO_MODULES.map((name) => ({ name, message: 'domain code does no I/O', allowTypeImports: true })),
          patterns: [
            { group: ['**/adapters/*', '**/adapters/**'], message: 'domain code never imports an adapter' },
            { group: ['**/use-cases/*'], message: 'domain code never imports a use case' },
          ],
        },
      ],
    },
  },
  {
    // Tests assert on loosely typed wire data (JSON rows, gRPC errors): keep the bug rules, relax the unsafe-* family.
    files: ['**/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
