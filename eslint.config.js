// ESLint for the whole repository (`npm run lint`, also run by scripts/test.mjs before the tests): typescript-eslint's
// recommended type-checked rules on the TypeScript sources, tests and viewer (without the no-unsafe-* family, see
// below), ESLint's recommended rules on the .mjs scripts, and import-boundary rules that keep the layers of
// ../shared/ARCHITECTURE.md (engine -> image -> data/models -> predict/train -> eval -> server/cli) from importing
// upwards.
// Formatting is Prettier's business (.prettierrc).
import { defineConfig } from 'eslint/config';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Node's globals for the plain JavaScript files (the TypeScript files get theirs from @types/node via tsc). */
const nodeGlobals = Object.fromEntries(
  [
    'process',
    'console',
    'Buffer',
    'URL',
    'URLSearchParams',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'setImmediate',
    'queueMicrotask',
    'structuredClone',
    'performance',
    'fetch',
    'AbortController',
    'TextEncoder',
    'TextDecoder',
    'globalThis',
  ].map((name) => [name, 'readonly']),
);

/**
 * One layer's forbidden imports, static and dynamic. `folders` are the sibling folders of
 * packages/dias/src that the layer must not reach; a pattern matches any relative path that ends in that folder
 * (`../cli/x.js`, `../../cli/x.js`), so files nested below the layer (train/recipes/) are held to the same rule.
 */
function forbid(layer, folders, why) {
  const regex = `^(\\.\\./)+(${folders.join('|')})(/|$)`;
  const message = `${layer}/ must not import ${folders.join('/, ')}/: ${why} (the layering in README's Architecture).`;
  return {
    files: [`packages/dias/src/${layer}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex, message }] }],
      // no-restricted-imports sees static imports only; `await import('../cli/x.js')` crosses the layers as well.
      'no-restricted-syntax': [
        'error',
        { selector: `ImportExpression[source.value=/${regex.replaceAll('/', '\\/')}/]`, message },
      ],
    },
  };
}

const apps = ['server', 'cli', 'bench'];

export default defineConfig(
  // What .gitignore leaves out (build outputs, runs, data), and the addon's C++.
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/build/**',
      'runs/**',
      'data/**',
      '.cache/**',
      'packages/torch/native/**',
    ],
  },
  js.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      // The type-aware rules need each file's program: sources, tests (their own tsconfig) and the viewer.
      parserOptions: {
        project: [
          'packages/torch/tsconfig.json',
          'packages/torch/tsconfig.test.json',
          'packages/dias/tsconfig.json',
          'packages/dias/tsconfig.test.json',
          'packages/web/tsconfig.json',
        ],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // `_`-prefixed names are the project's way to say "this parameter is required by the signature, not used".
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // `interface UNet extends UNetLevels {}` names a set of fields; an interface with one parent is not empty.
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
      // node:test's test() and describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] },
          ],
        },
      ],
      // An async function without an await still turns a throw into a rejection, which Command.run (cli/command.ts)
      // and the tests of async paths rely on.
      '@typescript-eslint/require-await': 'off',
      // A caught value is passed on as it came (it is usually an Error, but the type says unknown).
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // Numbers, and arrays of them (shown as 1,2,3), are what the messages print; objects still need a format.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowArray: true }],
      // Off for now: the no-unsafe-* family flags every use of an `any`, and the code has ~390 at its boundaries
      // (JSON.parse of configs, logs and references, worker messages, emscripten codecs) where the value is checked
      // by hand. Turning them on means giving each boundary a typed parser first.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // A model keeps the official attribute names of its sub-networks (`model.inc`, `model.down1`, ...): a shared
    // register function (blocks/unet-blocks' registerUNetLevels and the like) builds them and the constructor adds
    // them with `Object.assign(this, register...(this, ...))`, and an interface of the same name as the class types
    // them. The merge the rule warns about is sound here: the object assigned has exactly that interface's type.
    files: ['packages/dias/src/models/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-declaration-merging': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: nodeGlobals },
  },
  // The engine knows nothing about DIAS.
  {
    files: ['packages/torch/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(@dias-ts/dias|(\\.\\./)+dias)(/|$)',
              message: 'the engine (packages/torch) must not import packages/dias: it knows nothing about DSA.',
            },
          ],
        },
      ],
    },
  },
  // The viewer runs in the browser and reaches DIAS through dias serve's HTTP API only.
  {
    files: ['packages/web/src/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(@dias-ts/|node:|(\\.\\./)+(dias|torch)(/|$))',
              message: 'the viewer (packages/web) runs in the browser: it talks to dias serve over HTTP (src/api.ts).',
            },
          ],
        },
      ],
    },
  },
  forbid(
    'worker',
    ['image', 'data', 'models', 'metrics', 'predict', 'train', 'eval', ...apps],
    'worker plumbing starts the scripts of any layer and imports none of them',
  ),
  forbid('data', ['predict', 'train', 'eval', ...apps], 'data is read by every layer above it and reads none of them'),
  forbid(
    'image',
    ['data', 'predict', 'train', 'eval', ...apps],
    'image codecs and drawing sit below data (which reads and writes its PNG/TIFF through them) and know no layer',
  ),
  forbid('models', ['predict', 'train', 'eval', ...apps], 'models are built by the layers above and know none of them'),
  forbid('metrics', ['predict', 'train', 'eval', ...apps], 'metrics score arrays for train and eval alike'),
  forbid('predict', ['train', 'eval', ...apps], 'the predictor is used by training, evaluation and the apps alike'),
  forbid('train', ['eval', ...apps], 'training reports through events and run folders, which eval reads'),
  forbid('eval', apps, 'evaluation is a library the commands and the server print or serve'),
  forbid('server', ['cli', 'bench'], 'the server and the commands call the same domain functions, not each other'),
  forbid(
    'bench',
    ['server', 'cli'],
    'the benchmarks are libraries the bench commands call; progress comes in as events',
  ),
);
