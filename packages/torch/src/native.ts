// Loads the libtorch addon.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// OpenMP's wait policy is left at libgomp's default (spin briefly, then sleep; spin less when oversubscribed):
// measured with bench/threads on 2 cores, it beat OMP_WAIT_POLICY=PASSIVE by 1.5x on a quiet machine and by 1.9x
// with another process busy on one core, and ACTIVE by 2x in that case. What protects a loaded machine is the
// thread count, chosen from the cores actually free (runtime.ts).

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
