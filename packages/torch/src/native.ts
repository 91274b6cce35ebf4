// Loads the libtorch addon. OpenMP reads its settings once, when libtorch is loaded, so they are set here first.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// A thread that finds no work sleeps at once instead of spinning: spinning threads made training 6x slower when
// other processes shared the cores, and cost little when they did not (see `bench/threads`).
process.env.OMP_WAIT_POLICY ??= 'PASSIVE';

/** A tensor handle as the addon returns it: opaque, tagged, freed by dispose() or by the GC. */
export type Handle = { readonly __handle: unique symbol };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type NativeFunction = (...args: any[]) => any;

function findAddon(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // src/ (run through tsx) and dist/src/ (compiled) both sit below the package folder.
  for (const up of ['..', '../..']) {
    const candidate = join(here, up, 'build', 'Release', 'torch_native.node');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('the libtorch addon is not built: run `npm run setup` in the repository root');
}

const require = createRequire(import.meta.url);
export const native: Record<string, NativeFunction> = require(findAddon());
