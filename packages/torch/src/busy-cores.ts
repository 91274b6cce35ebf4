// How many cores other processes keep busy: what the default thread count leaves to them. The 1-minute load
// average alone remembers work that has just finished (a build right before `npm run demo` made the demo train
// on one thread of two); the kernel's count of runnable tasks right now, less this process's own, forgets it.
// Taking the smaller of the two needs both to agree that a core is busy, so neither a stale average nor a
// momentary spike takes a core away.
import { readFileSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';

export interface LoadSample {
  /** 1-minute load average. */
  load1: number;
  /** Tasks runnable on the whole machine now (/proc/loadavg's 4th field), or undefined where unknown. */
  runnable?: number;
  /** Of those, this process's own threads. */
  ownRunnable?: number;
}

export function estimateBusyCores(s: LoadSample): number {
  const averaged = Math.round(s.load1);
  if (s.runnable === undefined || s.ownRunnable === undefined) return averaged;
  return Math.max(0, Math.min(averaged, s.runnable - s.ownRunnable));
}

function ownRunnableThreads(): number {
  let running = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    // The state follows the parenthesised command name, which may itself contain spaces or ')'.
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    if (stat[stat.lastIndexOf(')') + 2] === 'R') running++;
  }
  return running;
}

/** A sample of this machine's load; the runnable counts only where /proc has them (Linux). */
export function sampleLoad(): LoadSample {
  const load1 = loadavg()[0];
  try {
    const runnable = Number(readFileSync('/proc/loadavg', 'utf8').split(/\s+/)[3].split('/')[0]);
    if (!Number.isInteger(runnable)) return { load1 };
    return { load1, runnable, ownRunnable: Math.max(1, ownRunnableThreads()) };
  } catch {
    return { load1 };
  }
}
