// Lint keeps the worlds apart: the renderer never touches Node or Electron, the engine never touches Electron.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

const nodeBuiltins = [
  'fs',
  'path',
  'os',
  'child_process',
  'worker_threads',
  'crypto',
  'net',
  'http',
  'https',
];

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'release/',
      'node_modules/',
      'test-results/',
      'playwright-report/',
      'resources/sample-data/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
  {
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The renderer only speaks the typed API.' }],
          patterns: [
            { regex: '^node:', message: 'The renderer only speaks the typed API.' },
            { group: nodeBuiltins, message: 'The renderer only speaks the typed API.' },
            {
              regex: '(^|/)electron/(engine|cli|serve|main|preload)(/|$)',
              message: 'The renderer only imports the API contract.',
            },
          ],
        },
      ],
    },
  },
  {
    files: [
      'electron/engine/**',
      'electron/api/**',
      'electron/cli/**',
      'electron/serve/**',
      'native-models/**',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message: 'The engine is plain Node; only electron/main and electron/preload import electron.',
            },
          ],
        },
      ],
      // Offline by construction: engine code never opens a connection.
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'No network in the engine.' },
        { name: 'WebSocket', message: 'No network in the engine.' },
      ],
    },
  },
  {
    files: ['electron/engine/**', 'native-models/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The engine is plain Node.' }],
          patterns: [
            {
              group: [
                'node:net',
                'node:http',
                'node:https',
                'node:http2',
                'node:dgram',
                'node:tls',
                'net',
                'http',
                'https',
                'ws',
                'undici',
                'node-fetch',
                'axios',
              ],
              message: 'No network in the engine.',
            },
          ],
        },
      ],
    },
  },
);
