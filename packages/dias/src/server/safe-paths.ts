// Names that arrive in URLs and bodies (a sequence id, a run name) turned into paths that stay inside the served
// folders. A name is one path segment of a closed alphabet; the path it gives is checked again after symlinks are
// followed, so a link inside the dataset that points out of it is refused like `../` is.
import { existsSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, sep } from 'node:path';

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
