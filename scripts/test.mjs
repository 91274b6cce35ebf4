#!/usr/bin/env node
// Runs every test file with node's test runner through tsx. Node 20 does not find .ts files in a folder by
// itself, so the files are listed here; extra arguments are passed on (e.g. --test-name-pattern). The
// 'dias-source' condition makes packages import each other's TypeScript sources, so tests never see a stale dist/.
// tsx strips types without checking them, so the test files are type-checked first (tsconfig.test.json). Before
// that ESLint runs (eslint.config.js: typescript-eslint's rules, the layers' import boundaries) and Prettier checks
// the format (.prettierrc; `npm run format` rewrites); an error in either stops here.
import { spawnSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const files = [];
for (const pkg of ['packages/torch', 'packages/dias']) {
  const dir = join(root, pkg, 'test');
  if (!existsSync(dir)) continue;
  for (const f of readdirSync(dir).sort()) if (f.endsWith('.test.ts')) files.push(relative(root, join(dir, f)));
}
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const eslint = join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');
const linted = spawnSync(process.execPath, [eslint, '.'], { cwd: root, stdio: 'inherit' });
if (linted.status !== 0) {
  console.error('ESLint found errors (listed above), so the tests did not run; `npm run lint` repeats the check');
  process.exit(linted.status ?? 1);
}
const prettier = join(root, 'node_modules', 'prettier', 'bin', 'prettier.cjs');
const formatted = spawnSync(process.execPath, [prettier, '--check', '--log-level', 'warn', '.'], {
  cwd: root,
  stdio: 'inherit',
});
if (formatted.status !== 0) {
  console.error(
    'Prettier: the files above are not formatted, so the tests did not run; `npm run format` rewrites them',
  );
  process.exit(formatted.status ?? 1);
}
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
for (const pkg of ['packages/torch', 'packages/dias']) {
  const checked = spawnSync(process.execPath, [tsc, '-p', join(pkg, 'tsconfig.test.json')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (checked.status !== 0) {
    console.error(`type errors in ${pkg}'s tests`);
    process.exit(checked.status ?? 1);
  }
}
// The viewer page: Vite strips its types without checking them either.
const page = spawnSync(process.execPath, [tsc, '-p', join('packages', 'web', 'tsconfig.json')], {
  cwd: root,
  stdio: 'inherit',
});
if (page.status !== 0) {
  console.error('type errors in packages/web');
  process.exit(page.status ?? 1);
}
const r = spawnSync(
  process.execPath,
  ['--conditions=dias-source', '--import', 'tsx', '--test', '--test-concurrency=1', ...process.argv.slice(2), ...files],
  { cwd: root, stdio: 'inherit' },
);
process.exit(r.status ?? 1);
