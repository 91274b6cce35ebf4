// Reading a whole file with an error that names it and says why (ENOENT, EACCES, ...), for every reader.
import { readFileSync } from 'node:fs';

export function readFileBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
