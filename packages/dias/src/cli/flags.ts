// Flag values shared by the commands: parsed once, with the same wording in every error.
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
