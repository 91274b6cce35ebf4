// Data-parallel `dias train` (--nproc, or torchrun's environment): two processes end with the parameters of one
// process accumulating over the same two shares (batch norm's running statistics aside: each rank keeps its own
// share's, rank 0's are saved), --resume continues such a run, and a rank that dies stops the others with an error
// instead of a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { distributed, loadSafetensors } from '@dias-ts/torch';
import { readLog } from '../src/train/run-folder.js';
import { tempDir } from './data-fixture.js';
import { writeTinyCliRun } from './train-fixture.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const NODE_ARGS = ['--conditions=dias-source', '--import', 'tsx', MAIN, 'train'];

function dias(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...NODE_ARGS, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts dias train in the background; `exited` resolves with its code, signal, output and when it ended. */
function start(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
    at: number;
  }>((resolve) =>
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr, at: Date.now() });
    }),
  );
  const output = () => stdout;
  return { child, exited, output };
}

async function until(what: string, check: () => boolean, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The trained parameters of a weights file (batch norm's running statistics left out). */
function parameters(path: string): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, t] of loadSafetensors(path).tensors) {
    if (!/running_|num_batches/.test(name)) out.set(name, Float32Array.from(t.toArray()));
    t.dispose();
  }
  return out;
}

function setup(dir: string): string[] {
  const data = join(dir, 'data');
  const config = writeTinyCliRun(dir);
  // Dropout 0: the ranks draw dropout masks in another order than one process does.
  return [
    '--data',
    data,
    '--config',
    config,
    '--model',
    'fr-unet',
    '--model-option',
    'feature_scale=16',
    '--model-option',
    'dropout=0',
    '--batch',
    '4',
    '--patches-per-epoch',
    '8',
    '--no-progress',
  ];
}

test('--nproc 2 (stopped and resumed) ends with the parameters of one process with --accumulate 2', async () => {
  const { dir, cleanup } = tempDir('dias-train-ddp-');
  try {
    const common = [...setup(dir), '--epochs', '3', '--threads', '2'];
    const reference = dias([...common, '--accumulate', '2', '--out', join(dir, 'acc')]);
    assert.equal(reference.status, 0, reference.stderr);

    const run = join(dir, 'ddp');
    const first = dias([
      ...common,
      '--out',
      run,
      '--nproc',
      '2',
      '--master-port',
      String(await distributed.freePort()),
      '--stop-after',
      '2',
    ]);
    assert.equal(first.status, 0, first.stderr);
    // Rank 0 alone logs: one announcement, one line per epoch.
    assert.equal(first.stdout.match(/^training FR_UNet/gm)?.length, 1, first.stdout);
    assert.match(first.stdout, /1 threads per process, 2 processes of 2 patches each/);
    assert.equal(first.stdout.match(/^epoch \d\/3/gm)?.length, 2);
    assert.match(first.stdout, /stopped after epoch 2\/3/);
    const resumed = dias([
      '--out',
      run,
      '--resume',
      '--threads',
      '2',
      '--no-progress',
      '--nproc',
      '2',
      '--master-port',
      String(await distributed.freePort()),
    ]);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stdout, /resuming .* after epoch 2\/3/);
    assert.equal(readLog(run).length, 3);

    // The logged losses are the whole batch's: the same as accumulation's.
    const [accLog, ddpLog] = [readLog(join(dir, 'acc')), readLog(run)];
    for (let e = 0; e < 3; e++)
      assert.ok(
        Math.abs(accLog[e].train.loss - ddpLog[e].train.loss) < 1e-4,
        `epoch ${e + 1} loss ${accLog[e].train.loss} vs ${ddpLog[e].train.loss}`,
      );
    const expected = parameters(join(dir, 'acc', 'checkpoint_final.safetensors'));
    const actual = parameters(join(run, 'checkpoint_final.safetensors'));
    assert.deepEqual([...actual.keys()], [...expected.keys()]);
    let worst = 0;
    for (const [name, e] of expected) {
      const a = actual.get(name)!;
      const scale = Math.max(...e.map(Math.abs), 1e-12);
      for (let i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(a[i] - e[i]) / scale);
    }
    assert.ok(worst < 1e-4, `largest relative difference ${worst}`);
  } finally {
    cleanup();
  }
});

test('a killed rank stops the others with an error within the timeout (torchrun-style environment and --nproc)', async () => {
  const { dir, cleanup } = tempDir('dias-train-ddp-kill-');
  try {
    const common = [...setup(dir), '--epochs', '200', '--threads', '1', '--dist-timeout', '20'];
    // Two ranks started as a scheduler would: each with RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT.
    const port = String(await distributed.freePort());
    const env = (rank: number) => ({
      RANK: String(rank),
      WORLD_SIZE: '2',
      MASTER_ADDR: '127.0.0.1',
      MASTER_PORT: port,
      DIAS_THREADS: '1',
    });
    const rank0 = start([...common, '--out', join(dir, 'env')], env(0));
    const rank1 = start([...common, '--out', join(dir, 'env')], env(1));
    await until('rank 0 to train', () => /^epoch 1\/200/m.test(rank0.output()));
    const killedAt = Date.now();
    rank1.child.kill('SIGKILL');
    const r0 = await rank0.exited;
    assert.equal(r0.code, 1, r0.stderr);
    assert.match(r0.stderr, /rank 0: .* failed: another training process stopped or stopped answering/);
    assert.ok(r0.at - killedAt < 20_000, `rank 0 took ${r0.at - killedAt} ms to stop`);

    // The launcher: a worker that dies makes it stop the others and exit non-zero, naming the worker.
    const launcher = start([
      ...common,
      '--out',
      join(dir, 'launched'),
      '--nproc',
      '2',
      '--master-port',
      String(await distributed.freePort()),
    ]);
    await until('the workers to train', () => /^epoch 1\/200/m.test(launcher.output()));
    // The workers have a RANK; tsx's esbuild service, also a child of the launcher, may outlive it a moment.
    const workers = childrenOf(launcher.child).filter((pid) => environ(pid).some((v) => v.startsWith('RANK=')));
    const victim = workers.find((pid) => environ(pid).includes('RANK=1'));
    assert.ok(victim, `no rank 1 among ${workers.join(', ')}`);
    const t0 = Date.now();
    process.kill(victim, 'SIGKILL');
    const l = await launcher.exited;
    assert.equal(l.code, 1);
    assert.match(l.stderr, /worker rank 1 \(pid \d+\) was killed by SIGKILL; stopping the other workers/);
    assert.ok(l.at - t0 < 20_000);
    for (const pid of workers) assert.throws(() => process.kill(pid, 0), 'no worker outlives the launcher');
  } finally {
    cleanup();
  }
});

function childrenOf(child: ChildProcess): number[] {
  const r = spawnSync('ps', ['-o', 'pid=', '--ppid', String(child.pid)], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .map((s) => Number(s.trim()))
    .filter((n) => n > 0);
}

function environ(pid: number): string[] {
  return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
}

test('launcher flags: a batch the processes cannot share, or a machine index outside the group, is a usage error', () => {
  const { dir, cleanup } = tempDir('dias-train-ddp-usage-');
  try {
    const help = dias(['--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--nproc N +processes on this machine/);
    const common = [...setup(dir), '--out', join(dir, 'run')];
    const uneven = dias([...common, '--nproc', '3']);
    assert.equal(uneven.status, 2);
    assert.match(
      uneven.stderr,
      /train\.batchSize \(4\) must be divisible by the 3 processes times train\.accumulate \(1\)/,
    );
    const outside = dias([...common, '--nnodes', '2', '--node-rank', '2', '--master-addr', '127.0.0.1']);
    assert.equal(outside.status, 2);
    assert.match(outside.stderr, /--node-rank must be an integer in 0\.\.1, got '2'/);
  } finally {
    cleanup();
  }
});

/** The local addresses of the TCP sockets in the LISTEN state that process `pid` holds, as hex:port from /proc/net. */
function listeningOf(pid: number): { address: string; port: number; loopback: boolean }[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // closed since the listing
    }
  }
  const out: { address: string; port: number; loopback: boolean }[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').trim().split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] !== '0A' || !inodes.has(f[9])) continue;
      const [address, port] = f[1].split(':');
      // Each 32-bit word little-endian: 127.0.0.1 is 0100007F, ::1 ends in 01000000, ::ffff:127.x in ...7F.
      const loopback =
        address.length === 8 ? address.endsWith('7F') : /^0{24}01000000$|^0{16}FFFF0000..0{0,4}..7F$/i.test(address);
      out.push({ address, port: parseInt(port, 16), loopback });
    }
  }
  return out;
}

test('--nproc on one machine needs no port and listens on no outside interface; a busy port of machine 0 is a usage error', async () => {
  const { dir, cleanup } = tempDir('dias-train-ddp-listen-');
  // The --master-port is held by another program on every interface: one machine does not need it.
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '0.0.0.0', resolve));
  const port = String((busy.address() as AddressInfo).port);
  try {
    const common = [...setup(dir), '--threads', '1'];
    const launcher = start([
      ...common,
      '--epochs',
      '200',
      '--out',
      join(dir, 'one'),
      '--nproc',
      '2',
      '--master-port',
      port,
    ]);
    await until('the workers to train', () => /^epoch 1\/200/m.test(launcher.output()));
    // The launcher's children with a RANK (not tsx's esbuild service).
    const workers = childrenOf(launcher.child).filter((pid) => environ(pid).some((v) => v.startsWith('RANK=')));
    assert.equal(workers.length, 2);
    const stores = workers.map(
      (pid) =>
        environ(pid)
          .find((v) => v.startsWith('DIAS_INIT_METHOD='))
          ?.split('=')[1],
    );
    for (const pid of workers) {
      const sockets = listeningOf(pid);
      assert.deepEqual(
        sockets.filter((s) => !s.loopback || String(s.port) === port),
        [],
        `worker ${pid} listens on ${JSON.stringify(sockets)}`,
      );
    }
    launcher.child.kill('SIGTERM');
    await launcher.exited;
    assert.ok(stores[0]?.startsWith('file:///'), String(stores[0]));
    assert.equal(existsSync(dirname(fileURLToPath(stores[0]!))), false, 'the rendezvous folder is removed');

    // Several machines: machine 0 hosts the rendezvous on --master-port, which another program holds.
    const node0 = dias([
      ...common,
      '--epochs',
      '1',
      '--out',
      join(dir, 'two'),
      '--nproc',
      '1',
      '--nnodes',
      '2',
      '--node-rank',
      '0',
      '--master-addr',
      '127.0.0.1',
      '--master-port',
      port,
    ]);
    assert.equal(node0.status, 2, node0.stderr);
    assert.match(
      node0.stderr,
      new RegExp(`the rendezvous port ${port} is in use on this machine .*\\(--master-port, MASTER_PORT\\)`),
    );
    assert.doesNotMatch(node0.stderr, /InitGoogleLogging|socket\.cpp/);
  } finally {
    busy.close();
    cleanup();
  }
});
