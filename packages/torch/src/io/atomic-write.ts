// Writing a file so that readers see the old file or the complete new one, never a half-written one: the bytes go
// to a temporary file in the same folder (same file system), are flushed, and the file is renamed over the path.
// On any error the temporary file is removed and an existing file at the path is left as it was.
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Writes data (a string, bytes, or a sequence of byte chunks produced lazily) atomically to path. */
export function writeFileAtomic(path: string, data: string | Uint8Array | Iterable<Uint8Array>): void {
  const chunks: Iterable<Uint8Array> =
    typeof data === 'string' ? [Buffer.from(data, 'utf8')] : data instanceof Uint8Array ? [data] : data;
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number;
  try {
    fd = openSync(temporary, 'wx', 0o644);
  } catch (e) {
    throw new Error(`${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let open = true;
  try {
    for (const chunk of chunks) {
      let written = 0;
      while (written < chunk.length) written += writeSync(fd, chunk, written, chunk.length - written);
    }
    fsyncSync(fd);
    open = false;
    closeSync(fd);
    renameSync(temporary, path);
  } catch (error) {
    // Cleaning up is best effort: the error that matters is the first one.
    if (open) {
      try {
        closeSync(fd);
      } catch {
        // nothing more to do
      }
    }
    try {
      unlinkSync(temporary);
    } catch {
      // already gone
    }
    throw error;
  }
}
