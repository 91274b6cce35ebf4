// `--reuse` of the benchmark reports (model-report.ts, ssl-report.ts): a finished run folder stands for a row when
// its config is the one the row would train; otherwise the row trains again over it. Which keys differ is said in
// the log, so a changed flag (a different --threads, say) is not a silent re-training. No official source.
import { existsSync } from 'node:fs';
import type { TrainConfig } from '../train/config.js';
import { readRunConfig, runPath } from '../train/run-folder.js';

/** The dotted keys where two JSON values differ ('' for the values themselves). */
export function configDifferences(a: unknown, b: unknown, prefix = ''): string[] {
  const isObject = (x: unknown): x is Record<string, unknown> =>
    typeof x === 'object' && x !== null && !Array.isArray(x);
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => configDifferences(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix];
}

/**
 * The finished run in runDir against `config`: null when there is none (no checkpoint_final in `lastStage`, the
 * run's own folder unless it trains in stages, or no readable config), else the keys where its config differs
 * (empty: it can be reused).
 */
export function finishedRunDifferences(
  runDir: string,
  config: TrainConfig,
  lastStage: string = runDir,
): string[] | null {
  if (!existsSync(runPath(lastStage, 'final'))) return null;
  try {
    return configDifferences(readRunConfig(runDir), config);
  } catch {
    return null;
  }
}

/** The log line of a row under --reuse: reusing, training again over a different run (naming keys), or training. */
export function reuseLine(what: string, runDir: string, differences: string[] | null): string {
  if (differences && differences.length === 0) return `${what}: reusing the finished run in ${runDir}`;
  if (differences) {
    const shown = differences.slice(0, 4).join(', ') + (differences.length > 4 ? `, ... (${differences.length})` : '');
    return `${what}: training into ${runDir} again: the finished run there has another config (${shown})`;
  }
  return `${what}: training into ${runDir}`;
}
