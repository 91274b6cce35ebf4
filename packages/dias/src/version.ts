import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// package.json sits one level above src/ (sources) or two above dist/src/ (compiled).
const packageJson = ['../package.json', '../../package.json']
  .map((p) => fileURLToPath(new URL(p, import.meta.url)))
  .find(existsSync);

/** The package version, read from package.json so that there is one source of truth. */
export const VERSION: string = packageJson ? JSON.parse(readFileSync(packageJson, 'utf8')).version : '0.0.0';
