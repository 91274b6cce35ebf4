// `dias bench data`: the throughput benchmark runs end to end on a small workload and reports consistent figures;
// bad flags are usage errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchData } from '../src/cli/bench-data.js';
import { UsageError } from '../src/cli/command.js';

async function lastJsonLine(run: () => Promise<number>): Promise<Record<string, number | string>> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.join(' '));
  try {
    assert.equal(await run(), 0);
  } finally {
    console.log = original;
  }
  return JSON.parse(lines[lines.length - 1]);
}

test('bench data: both ways of making batches measured, the speed-up is their ratio, waits reported', async () => {
  const r = await lastJsonLine(() =>
    benchData([
      '--batch',
      '4',
      '--patch',
      '32',
      '--frames',
      '4',
      '--batches',
      '4',
      '--sequences',
      '2',
      '--size',
      '96',
      '--workers',
      '1',
      '--consumer-ms',
      '5',
      '--json',
    ]),
  );
  assert.equal(r.batch, 4);
  assert.equal(r.patch, 32);
  assert.equal(r.workers, 1);
  assert.equal(r.augment, 'fsl');
  assert.ok((r.single_batches_per_s as number) > 0 && (r.prefetch_batches_per_s as number) > 0);
  assert.ok(
    Math.abs((r.speedup as number) - (r.prefetch_batches_per_s as number) / (r.single_batches_per_s as number)) <
      0.05 * (r.speedup as number) + 0.01,
  );
  assert.ok(
    (r.prefetch_wait_ms_median as number) >= 0 &&
      (r.prefetch_wait_ms as number) >= (r.prefetch_wait_ms_median as number) / 4,
  );
});

test('bench data: unknown augmentation, a patch larger than the sequences, a negative consumer time', async () => {
  await assert.rejects(
    benchData(['--augment', 'strongest']),
    (e: Error) => e instanceof UsageError && /unknown preset 'strongest'/.test(e.message),
  );
  await assert.rejects(
    benchData(['--patch', '128', '--size', '64']),
    (e: Error) => e instanceof UsageError && /--patch 128 is larger/.test(e.message),
  );
  await assert.rejects(
    benchData(['--consumer-ms=-1']),
    (e: Error) => e instanceof UsageError && /--consumer-ms/.test(e.message),
  );
});
