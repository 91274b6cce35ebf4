// c10d through the addon: several ranks as child processes on 127.0.0.1, as torchrun would start them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { distributed as dist } from '../src/index.js';

const rankScript = fileURLToPath(new URL('./fixtures/distributed-rank.ts', import.meta.url));

interface RankResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  report: Record<string, unknown> | null;
  stderr: string;
}

/** Runs worldSize ranks of one scenario and returns each one's exit and JSON report, in rank order. */
async function runRanks(scenario: string, worldSize: number, timeoutMs: number): Promise<RankResult[]> {
  const port = await dist.freePort();
  const runs = Array.from({ length: worldSize }, (_, rank) => {
    const child = spawn(process.execPath, ['--conditions=dias-source', '--import', 'tsx', rankScript, scenario], {
      env: {
        ...process.env,
        RANK: String(rank),
        WORLD_SIZE: String(worldSize),
        MASTER_ADDR: '127.0.0.1',
        MASTER_PORT: String(port),
        DIST_TEST_TIMEOUT_MS: String(timeoutMs),
        DIAS_THREADS: '1',
        OMP_NUM_THREADS: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    // A hung rank would fail the test on this limit rather than hang the suite.
    const guard = setTimeout(() => child.kill('SIGKILL'), timeoutMs * 4 + 30_000);
    return new Promise<RankResult>((resolve) => {
      child.on('exit', (code, signal) => {
        clearTimeout(guard);
        const line = stdout.trim().split('\n').pop();
        resolve({ code, signal, report: line ? JSON.parse(line) : null, stderr });
      });
    });
  });
  return Promise.all(runs);
}

test('all-reduce (sum, avg, several buckets and dtypes), broadcast from rank 1, barrier', async () => {
  const results = await runRanks('collectives', 2, 20_000);
  for (const r of results) {
    assert.equal(r.code, 0, r.stderr);
    const rep = r.report as Record<string, unknown>;
    assert.equal(rep.worldSize, 2);
    assert.deepEqual(rep.small, [3, 3, 3]);
    assert.deepEqual(rep.wide, [0, 3, 6, 9, 12]);
    assert.equal(rep.largeMin, 3);
    assert.equal(rep.largeMax, 3);
    assert.deepEqual(rep.averaged, [2, 2, 2, 2]);
    assert.deepEqual(rep.fromOne, [7, 7, 7, 7]);
    assert.deepEqual(rep.strided, [5, 5, 5, 5, 5, 5]);
  }
});

test('DistributedDataParallel: rank 0 weights at wrap, the global-batch gradient, identical parameters after a step', async () => {
  const [r0, r1] = await runRanks('ddp', 2, 20_000);
  assert.equal(r0.code, 0, r0.stderr);
  assert.equal(r1.code, 0, r1.stderr);
  type Report = {
    afterWrap: number[];
    afterStep: number[];
    gradError: number;
    buckets: number[][];
    launchedDuringBackward: number;
    gradError2: number;
    afterStep2: number[];
  };
  const a = r0.report as Report;
  const b = r1.report as Report;
  assert.deepEqual(b.afterWrap, a.afterWrap);
  assert.ok(
    a.gradError < 1e-6 && b.gradError < 1e-6,
    `averaged gradients differ from the global batch's: ${a.gradError}, ${b.gradError}`,
  );
  assert.deepEqual(b.afterStep, a.afterStep);
  assert.ok(
    a.afterStep.some((v, i) => v !== a.afterWrap[i]),
    'the step changed the parameters',
  );
  // Buckets of at most 0.0005 MB, in reverse parameter order: [bias2, weight2, bias1] and [weight1].
  assert.deepEqual(a.buckets, [[3, 2, 1], [0]]);
  // With prepareForBackward, backward itself started every bucket's all-reduce; the result is the same.
  assert.equal(a.launchedDuringBackward, 2);
  assert.equal(b.launchedDuringBackward, 2);
  assert.ok(a.gradError2 < 1e-6 && b.gradError2 < 1e-6, `overlapped: ${a.gradError2}, ${b.gradError2}`);
  assert.deepEqual(b.afterStep2, a.afterStep2);
});

test('a rank that dies makes the collective on the others throw at once, and the group refuses further work', async () => {
  const [r0, r1] = await runRanks('die', 2, 20_000);
  assert.equal(r1.signal, 'SIGKILL');
  const rep = r0.report as { error: string | null; ms: number; state: { broken: string | null } };
  assert.ok(rep.error, 'rank 0 should have thrown');
  assert.match(rep.error, /allReduce/);
  assert.ok(rep.ms < 20_000, `took ${rep.ms} ms`);
  assert.ok(rep.state.broken);
  assert.equal(r0.code, 0, r0.stderr);
});

test('a rank that stays away makes the collective throw after the timeout, not hang', async () => {
  const [r0] = await runRanks('hang', 2, 1500);
  assert.ok(r0.report, r0.stderr);
  const rep = r0.report as { error: string | null; ms: number };
  assert.ok(rep.error, 'rank 0 should have thrown');
  assert.ok(rep.ms >= 1400 && rep.ms < 10_000, `gave up after ${rep.ms} ms`);
});

test('options: environment defaults as torchrun sets them, clear errors, nccl refused without a CUDA build', async () => {
  const o = dist.resolveInitOptions({}, { RANK: '1', WORLD_SIZE: '4', MASTER_ADDR: '10.0.0.5', MASTER_PORT: '29511' });
  assert.deepEqual(o, {
    backend: 'gloo',
    rank: 1,
    worldSize: 4,
    masterAddr: '10.0.0.5',
    masterPort: 29511,
    timeoutMs: dist.DEFAULT_TIMEOUT_MS,
    rendezvousTimeoutMs: dist.DEFAULT_TIMEOUT_MS,
    initMethod: 'env://',
  });
  assert.throws(() => dist.resolveInitOptions({}, { WORLD_SIZE: '2' }), /RANK is not set/);
  assert.throws(() => dist.resolveInitOptions({}, { RANK: 'x', WORLD_SIZE: '2' }), /RANK='x' is not an integer/);
  assert.throws(() => dist.resolveInitOptions({ rank: 2, worldSize: 2 }, {}), /rank 2 is outside 0..1/);
  assert.throws(() => dist.resolveInitOptions({ rank: 0, worldSize: 1, masterPort: 70000 }, {}), /masterPort/);
  assert.deepEqual(dist.availableBackends(), ['gloo']);
  assert.equal(dist.isInitialized(), false);
  assert.throws(() => dist.allReduce([]), /initProcessGroup/);
  assert.throws(() => dist.initProcessGroup({ backend: 'nccl', rank: 0, worldSize: 1 }), /nccl.*CUDA build/);
  // A group of one works without peers.
  dist.initProcessGroup({ rank: 0, worldSize: 1, masterPort: await dist.freePort(), timeoutMs: 5000 });
  assert.equal(dist.worldSize(), 1);
  assert.throws(() => dist.initProcessGroup({ rank: 0, worldSize: 1 }), /already initialised/);
  dist.destroyProcessGroup();
  assert.equal(dist.isInitialized(), false);
});

test('a rank that never arrives makes the rendezvous throw after its timeout', async () => {
  const masterPort = await dist.freePort();
  const started = Date.now();
  assert.throws(
    () => dist.initProcessGroup({ rank: 0, worldSize: 2, masterPort, rendezvousTimeoutMs: 1000 }),
    /distInitProcessGroup: .*time/i,
  );
  const ms = Date.now() - started;
  assert.ok(ms >= 900 && ms < 10_000, `gave up after ${ms} ms`);
  assert.equal(dist.isInitialized(), false);
});

const listenScript = fileURLToPath(new URL('./fixtures/distributed-listen.ts', import.meta.url));

/** Runs worldSize ranks of fixtures/distributed-listen.ts with `env`; each one's report and stderr, in rank order. */
async function runListen(
  worldSize: number,
  env: Record<string, string>,
): Promise<{ report: Record<string, unknown>; stderr: string }[]> {
  return Promise.all(
    Array.from({ length: worldSize }, (_, rank) => {
      const child = spawn(process.execPath, ['--conditions=dias-source', '--import', 'tsx', listenScript], {
        env: { ...process.env, RANK: String(rank), WORLD_SIZE: String(worldSize), DIAS_THREADS: '1', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let [stdout, stderr] = ['', ''];
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
      return new Promise<{ report: Record<string, unknown>; stderr: string }>((resolve) =>
        child.on('exit', () => {
          clearTimeout(guard);
          const line = stdout.trim().split('\n').pop();
          resolve({ report: line ? (JSON.parse(line) as Record<string, unknown>) : {}, stderr });
        }),
      );
    }),
  );
}

const loopback = (address: string) => /^(127\.|\[::1\]|\[::ffff:127\.)/.test(address);

test('initMethod file://: a group on one machine listens on loopback only (no TCPStore on every interface)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dias-rdzv-'));
  try {
    const ranks = await runListen(2, { INIT_METHOD: pathToFileURL(join(dir, 'store')).href, MASTER_ADDR: '127.0.0.1' });
    for (const [rank, { report, stderr }] of ranks.entries()) {
      assert.equal(report.sum, 1, `rank ${rank}: ${JSON.stringify(report)} ${stderr}`);
      const addresses = report.listening as string[];
      assert.deepEqual(
        addresses.filter((a) => !loopback(a)),
        [],
        `rank ${rank} listens on ${addresses.join(', ')}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // libtorch 1.13's TCPStore, by contrast, binds its port on every interface even for MASTER_ADDR 127.0.0.1.
  const port = await dist.freePort();
  const [tcp0] = await runListen(2, { MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) });
  assert.ok((tcp0.report.listening as string[]).includes(`[::]:${port}`), JSON.stringify(tcp0.report));
  assert.throws(
    () => dist.resolveInitOptions({ rank: 0, worldSize: 1, initMethod: 'file://relative' }, {}),
    /initMethod/,
  );
});

test('a busy rendezvous port is one clear error naming it, without c10d glog noise', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    const [{ report, stderr }] = await runListen(1, { MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) });
    assert.match(
      String(report.error),
      new RegExp(`the rendezvous port ${port} is in use on this machine .*choose another masterPort`),
    );
    assert.doesNotMatch(stderr, /InitGoogleLogging|socket\.cpp/);
  } finally {
    server.close();
  }
});
