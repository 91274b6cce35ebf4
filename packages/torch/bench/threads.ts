// Thread scaling and OpenMP wait policy, on a quiet machine and with another process keeping one core busy.
// Each configuration runs train-step in a fresh process, because OpenMP reads OMP_WAIT_POLICY once at load.
//   node packages/torch/dist/bench/threads.js [--steps 20] [--json]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { availableParallelism } from 'node:os';

const { values } = parseArgs({
  options: { steps: { type: 'string', default: '20' }, json: { type: 'boolean', default: false } },
});
const trainStep = fileURLToPath(new URL('./train-step.js', import.meta.url));
const threadCounts = [...new Set([1, Math.min(2, availableParallelism())])];

// How idle OpenMP threads wait: sleep at once (PASSIVE), libgomp's default (spin ~300k iterations, fewer when
// oversubscribed), a short spin, or spin always (ACTIVE).
const POLICIES: Record<string, Record<string, string>> = {
  PASSIVE: { OMP_WAIT_POLICY: 'PASSIVE' },
  'libgomp default': { OMP_WAIT_POLICY: '' },
  'spin 10k': { OMP_WAIT_POLICY: '', GOMP_SPINCOUNT: '10000' },
  ACTIVE: { OMP_WAIT_POLICY: 'ACTIVE' },
};

function measure(threads: number, policy: string): { ts_step_ms: number; cpp_step_ms: number } {
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, trainStep, '--threads', String(threads), '--steps', values.steps, '--rounds', '3', '--json'],
    {
      env: { ...process.env, ...POLICIES[policy] },
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`train-step failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

function busyCore(): ChildProcess {
  return spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
}

const rows: Record<string, unknown>[] = [];
for (const load of ['quiet', 'one core busy']) {
  const hog = load === 'quiet' ? null : busyCore();
  try {
    for (const policy of Object.keys(POLICIES)) {
      for (const threads of threadCounts) {
        const m = measure(threads, policy);
        rows.push({ load, policy, threads, ts_step_ms: m.ts_step_ms, cpp_step_ms: m.cpp_step_ms });
      }
    }
  } finally {
    hog?.kill();
  }
}
const base = rows[0].ts_step_ms as number;
for (const row of rows) row.relative_to_quiet_passive_1 = +((row.ts_step_ms as number) / base).toFixed(2);
if (values.json) console.log(JSON.stringify(rows));
else console.table(rows);
