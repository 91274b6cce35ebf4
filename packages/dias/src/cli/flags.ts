// Flag values shared by the commands: parsed once, with the same wording in every error.
import { existsSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { cuda } from '@dias-ts/torch';
import { DIAS_SPLITS, isDir, type DiasSplit } from '../data/readers/dias-layout.js';
import type { DsaSequence } from '../data/sequence.js';
import { UsageError } from './command.js';

/** --name as a whole number >= 1; the fallback (or undefined) when the flag is absent. */
export function positiveIntFlag(name: string, value: string | undefined): number | undefined;
export function positiveIntFlag(name: string, value: string | undefined, fallback: number): number;
export function positiveIntFlag(name: string, value: string | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got '${value}'`);
  return n;
}

/** A probability flag (--threshold): a number in [0, 1], the fallback when absent; every command reads it so. */
export function probabilityFlag(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const p = Number(value);
  if (value.trim() === '' || !Number.isFinite(p) || p < 0 || p > 1)
    throw new UsageError(`--${name} must be a number in [0, 1], got '${value}'`);
  return p;
}

/** --device: cpu or cuda (undefined when absent); whether CUDA is there is availableDevice's check. */
export function deviceFlag(value: string | undefined): 'cpu' | 'cuda' | undefined {
  if (value !== undefined && value !== 'cpu' && value !== 'cuda')
    throw new UsageError(`--device must be cpu or cuda, got '${value}'`);
  return value;
}

/** --device checked against this machine (default cpu): cuda without CUDA is a usage error in every command. */
export function availableDevice(value: string | undefined): 'cpu' | 'cuda' {
  const device = deviceFlag(value) ?? 'cpu';
  if (device === 'cuda' && !cuda.isAvailable())
    throw new UsageError('--device cuda: CUDA is not available in this build or on this machine');
  return device;
}

/** An input path named on the command line: missing is a usage error (2), the same in every command. */
export function existingInput(path: string): string {
  if (!existsSync(path)) throw new UsageError(`${path}: no such file or folder`);
  return path;
}

/** --split of a labelled DIAS split (training, validation or test; default test). */
export function labelledSplitFlag(value: string | undefined): DiasSplit {
  const split = (value ?? 'test') as DiasSplit;
  if (!DIAS_SPLITS.includes(split) || split === 'unlabelled')
    throw new UsageError(`--split must be training, validation or test, got '${value}'`);
  return split;
}

/**
 * --out must not lie in (or be) an input folder: what a command writes there would be read back as input by the
 * next run over the same folder (segment's masks taken as frames).
 */
export function outsideInput(out: string, input: string): void {
  if (!isDir(input)) return;
  const [o, i] = [resolve(out), resolve(input)];
  if (o === i || o.startsWith(i + sep))
    throw new UsageError(`--out ${out} is inside the input folder ${input}; write the outputs elsewhere`);
}

/** A sequence reader's warnings (meta.warnings), one line each on stderr. */
export function printWarnings(seq: DsaSequence): void {
  for (const w of seq.meta.warnings ?? []) console.error(`warning: ${w}`);
}

/** The nearest existing path at or above `path` (the filesystem root at worst). */
function existingAncestor(path: string): string {
  let p = resolve(path);
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  return p;
}

/**
 * An output file flag (--out FILE.png, --report FILE.md): not an existing folder, and its folder exists and is
 * a folder. Checked before any work, so a mistake is a usage error that says which, not ENOTDIR or EISDIR
 * after the work is done.
 */
export function outputFile(flag: string, path: string): string {
  if (isDir(path)) throw new UsageError(`${flag} ${path}: a folder; give a file name`);
  const parent = dirname(resolve(path));
  const found = existingAncestor(parent);
  if (!isDir(found)) throw new UsageError(`${flag} ${path}: ${found} is a file, not a folder`);
  if (found !== parent) throw new UsageError(`${flag} ${path}: its folder ${dirname(path)} does not exist`);
  return path;
}

/** An output folder flag (--out DIR, created if missing): not an existing file, and no file on the way to it. */
export function outputFolder(flag: string, path: string): string {
  if (existsSync(path) && !isDir(path)) throw new UsageError(`${flag} ${path}: exists and is not a folder`);
  const found = existingAncestor(path);
  if (!isDir(found)) throw new UsageError(`${flag} ${path}: ${found} is a file, not a folder`);
  return path;
}

/** An input file flag (--weights, --prob): exists, and is a file. */
export function inputFile(flag: string, path: string): string {
  if (!existsSync(path)) throw new UsageError(`${flag} ${path}: no such file`);
  if (isDir(path)) throw new UsageError(`${flag} ${path}: a folder, not a file`);
  return path;
}
