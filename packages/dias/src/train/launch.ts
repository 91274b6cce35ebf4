// Starts the training processes of one machine, as `torchrun --nproc_per_node N --nnodes M --node_rank R
// --master_addr A --master_port P` does: each worker is this same program with the same arguments (less the
// launcher's), told its place by torchrun's environment variables (RANK, LOCAL_RANK, WORLD_SIZE,
// LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT) and its share of the machine's threads (DIAS_THREADS).
// Deviations from torchrun: no elastic restarts; the first worker that fails stops the others, and the launcher
// exits non-zero naming it. On one machine (nnodes 1) the workers meet through a file in a private temporary folder
// (DIAS_INIT_METHOD=file://..., c10d's FileStore) instead of a TCPStore on MASTER_PORT: libtorch 1.13's TCPStore
// listens on every interface of the machine, whatever MASTER_ADDR says, and a run on one machine needs no port.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface LaunchOptions {
  /** Worker processes on this machine. */
  nproc: number;
  /** Machines; each runs one launcher with its own nodeRank. */
  nnodes: number;
  nodeRank: number;
  masterAddr: string;
  masterPort: number;
  /** The machine's threads for the whole run; each worker gets an equal share, at least 1. */
  threads: number;
  /** The worker command: executable and arguments (this program, without the launcher's flags). */
  command: readonly string[];
  /** Progress of the launcher itself (default: stderr). */
  log?: (line: string) => void;
  /** How long workers may take to stop after the others were asked to (ms) before they are killed. */
  graceMs?: number;
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `was killed by ${signal}` : `exited with code ${code}`;
}

/**
 * Runs the workers until all have finished; resolves to 0 when every one exited 0, else the exit code of the first
 * that failed when it is 2 (a usage error, such as a busy --master-port), else 1 (after stopping the rest as soon
 * as the first one failed). Rank 0 keeps the terminal (stdin closed); the others' output goes to stderr, where
 * their errors belong.
 */
export function launchWorkers(o: LaunchOptions): Promise<number> {
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const worldSize = o.nproc * o.nnodes;
  const threadsEach = Math.max(1, Math.floor(o.threads / o.nproc));
  const workers: { rank: number; child: ChildProcess; exited: boolean }[] = [];
  let failed = false;
  let failureCode = 1;
  let killTimer: NodeJS.Timeout | undefined;
  // Created with mode 0700 (mkdtemp): only this user's processes can join through it.
  const storeDir = o.nnodes === 1 ? mkdtempSync(join(tmpdir(), 'dias-rendezvous-')) : null;

  const stopOthers = () => {
    for (const w of workers) if (!w.exited) w.child.kill('SIGTERM');
    killTimer = setTimeout(() => {
      for (const w of workers) if (!w.exited) w.child.kill('SIGKILL');
    }, o.graceMs ?? 10_000);
    killTimer.unref();
  };
  const forward = (signal: NodeJS.Signals) => () => {
    failed = true;
    for (const w of workers) if (!w.exited) w.child.kill(signal);
  };
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);

  return new Promise((resolve) => {
    let running = o.nproc;
    for (let local = 0; local < o.nproc; local++) {
      const rank = o.nodeRank * o.nproc + local;
      const child = spawn(o.command[0], o.command.slice(1), {
        env: {
          ...process.env,
          RANK: String(rank),
          LOCAL_RANK: String(local),
          WORLD_SIZE: String(worldSize),
          LOCAL_WORLD_SIZE: String(o.nproc),
          GROUP_RANK: String(o.nodeRank),
          MASTER_ADDR: o.masterAddr,
          MASTER_PORT: String(o.masterPort),
          DIAS_THREADS: String(threadsEach),
          ...(storeDir ? { DIAS_INIT_METHOD: pathToFileURL(join(storeDir, 'store')).href } : {}),
        },
        stdio: ['ignore', rank === 0 ? 'inherit' : process.stderr, 'inherit'],
      });
      const worker = { rank, child, exited: false };
      workers.push(worker);
      child.on('error', (e) => log(`dias train: worker rank ${rank} could not start: ${e.message}`));
      child.on('exit', (code, signal) => {
        worker.exited = true;
        running--;
        if ((code !== 0 || signal) && !failed) {
          failed = true;
          if (code === 2) failureCode = 2;
          log(
            `dias train: worker rank ${rank} (pid ${child.pid}) ${describeExit(code, signal)}; stopping the other workers of this machine`,
          );
          stopOthers();
        }
        if (running === 0) {
          if (killTimer) clearTimeout(killTimer);
          process.off('SIGINT', onInt);
          process.off('SIGTERM', onTerm);
          if (storeDir) rmSync(storeDir, { recursive: true, force: true });
          resolve(failed ? failureCode : 0);
        }
      });
    }
  });
}

/** The arguments without the given flags (`--name value` and `--name=value`): what workers are started with. */
export function withoutFlags(argv: readonly string[], names: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const name = names.find((n) => a === `--${n}` || a.startsWith(`--${n}=`));
    if (name === undefined) out.push(a);
    else if (a === `--${name}`) i++;
  }
  return out;
}
