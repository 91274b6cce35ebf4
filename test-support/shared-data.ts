// Where the read-only shared folder (golden references from the official code, real angiography data) is:
// $DIAS_SHARED, else `shared/` beside the repository (its usual place), else /work/shared. Tests that need it
// skip with a message when none exists.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const candidates = [
  process.env.DIAS_SHARED,
  fileURLToPath(new URL('../../shared', import.meta.url)),
  '/work/shared',
].filter((p): p is string => Boolean(p));

/** The shared folder, or null when this machine has none. */
export const SHARED_DIR: string | null = candidates.find((p) => existsSync(join(p, 'reference'))) ?? null;

/** A path inside the shared folder ('reference/models', 'data/xca-cimat40', …); a missing path when there is none. */
export function sharedPath(...parts: string[]): string {
  return join(SHARED_DIR ?? '/nonexistent-shared', ...parts);
}

/** For node:test's `skip` option: a reason when the shared folder is missing. */
export const SKIP_WITHOUT_SHARED: string | false = SHARED_DIR ? false : 'no shared folder (set DIAS_SHARED)';
