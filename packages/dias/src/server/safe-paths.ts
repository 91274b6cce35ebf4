// Names that arrive in URLs and bodies (a sequence id, a run name) turned into paths that stay inside the served
// folders. A name is one path segment of a closed alphabet; the path it gives is checked again after symlinks are
// followed, so a link inside the dataset that points out of it is refused like `../` is.
import { existsSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** An error with the HTTP status the server answers it with (4xx: the client's mistake). */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Letters, digits, '.', '_', '-', ' ', '+', '(' and ')'; not '.' or '..' and not starting with '.'. */
const SAFE_NAME = /^[\w+() -][\w.+() -]*$/;

/** Checks that `name` (already URL-decoded) is a single harmless path segment; `what` names it in the message. */
export function safeName(name: string, what: string): string {
  if (name.length === 0 || name.length > 255 || !SAFE_NAME.test(name) || name.includes('..') || isAbsolute(name)) {
    throw new HttpError(400, `${what} '${name.slice(0, 80)}': not a plain name (no slashes, '..', or leading dot)`);
  }
  return name;
}

/** True when `path` (resolved, symlinks followed) lies inside `root` (resolved too) or is root itself. */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** The real path of an existing file or folder that must stay inside `realRoot` (a real path); 404/403 otherwise. */
export function realInside(realRoot: string, path: string, what: string): string {
  if (!existsSync(path)) throw new HttpError(404, `${what}: not found`);
  const real = realpathSync(path);
  if (!isInside(realRoot, real)) throw new HttpError(403, `${what}: leads outside the served folder`);
  return real;
}

/**
 * A file or folder name of a served dataset as a sequence id: any single path segment (Unicode, spaces, commas)
 * that is not hidden and holds no separator or control character; undefined when it is fine, else the reason.
 * Wider than safeName: the name comes from the folder listing, and every path built from it is checked again
 * after symlinks (realInside).
 */
export function segmentProblem(name: string): string | undefined {
  if (name.length === 0) return 'an empty name';
  if (Buffer.byteLength(name) > 255) return 'a name longer than 255 bytes';
  if (name.startsWith('.')) return 'a hidden (dot) name';
  if (/[/\\]/.test(name)) return 'a name with a path separator';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'a name with a control character';
  return undefined;
}

/** What an error message says instead of a path outside the served folders. */
export const OUTSIDE = '<a path outside the served folders>';

/**
 * An error message as a client may see it: every absolute path in it that is not inside one of `roots` is
 * replaced by OUTSIDE, so a failed job cannot tell a caller which files exist elsewhere on the machine.
 */
export function confineMessage(message: string, roots: readonly string[]): string {
  return message.replace(/(^|[\s'"`(=:,[])(\/[^\s'"`()<>,;[\]]*)/g, (whole, before: string, path: string) => {
    const abs = resolve(path.replace(/[.:]+$/, ''));
    return roots.some((r) => isInside(r, abs)) ? whole : `${before}${OUTSIDE}`;
  });
}
