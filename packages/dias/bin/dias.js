#!/usr/bin/env node
// The dias command; the compiled CLI lives in dist/ (built by `npm run setup`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error('dias is not built yet: run `npm run setup` in the repository root');
  process.exit(1);
}
await import(main.href);
