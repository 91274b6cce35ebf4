import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PatchPrefetcher } from '../src/data/pipeline/prefetch.js';
import { PatchSampler, type PatchBatch, type PatchSamplerOptions } from '../src/data/pipeline/patch-sampler.js';
import { Random } from '../src/data/random.js';
import type { DsaSequence } from '../src/data/sequence.js';

function sequence(id: string, T: number, H: number, W: number, seed: number): DsaSequence {
  const rng = new Random(seed);
  const frames = Float32Array.from({ length: T * H * W }, () => rng.normal());
  const label = Uint8Array.from(frames.subarray(0, H * W), (v) => (v > 0 ? 1 : 0));
  const scribble = Uint8Array.from(frames.subarray(0, H * W), (v) => (v > 1 ? 1 : v < -1 ? 0 : 255));
  return { id, source: 'test', frames, T, H, W, label, scribble, meta: {} };
}

function assertSameBatch(got: PatchBatch, want: PatchBatch, what: string): void {
  assert.equal(got.index, want.index, what);
  for (const k of ['images', 'images2', 'labels', 'scribbles', 'sequenceIndex', 'origin', 'orientation'] as const) {
    const a = got[k];
    const b = want[k];
    assert.equal(a === undefined, b === undefined, `${what}: ${k} presence`);
    if (a && b) {
      assert.equal(a.constructor, b.constructor, `${what}: ${k} type`);
      assert.ok(
        Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength)),
        `${what}: ${k} differs`,
      );
    }
  }
}

const seqs = [sequence('a', 4, 70, 90, 1), sequence('b', 4, 100, 64, 2), sequence('c', 4, 50, 50, 3)];
const opts: PatchSamplerOptions = { patchSize: 32, batchSize: 8, seed: 21, augment: 'ssl-strong', views: 2 };

test('worker threads produce exactly the batches the calling thread would, in order, whatever their timing', async () => {
  const reference = new PatchSampler(seqs, opts);
  const want = Array.from({ length: 12 }, () => reference.next());
  const framesBefore = Float32Array.from(seqs[0].frames);
  const pf = new PatchPrefetcher(seqs, { ...opts, workers: 3, queueSize: 5 });
  try {
    // Ask for several at once (they resolve in index order), then one by one through the iterator.
    const first = await Promise.all([pf.next(), pf.next(), pf.next(), pf.next()]);
    first.forEach((b, i) => assertSameBatch(b, want[i], `batch ${i}`));
    let i = 4;
    for await (const b of pf) {
      assertSameBatch(b, want[i], `batch ${i}`);
      if (++i === want.length) break;
    }
    assert.deepEqual(pf.getState(), { seed: 21, nextIndex: 12 });
  } finally {
    await pf.close();
  }
  // The caller's sequences are untouched (the workers read shared copies).
  assert.deepEqual(seqs[0].frames, framesBefore);
  assert.ok(!(seqs[0].frames.buffer instanceof SharedArrayBuffer));
});

test('a run resumes from a saved state, and 0 workers means the same batches on the calling thread', async () => {
  const reference = new PatchSampler(seqs, opts);
  const resumed = new PatchPrefetcher(seqs, { ...opts, workers: 2, startIndex: 7 });
  const inline = new PatchPrefetcher(seqs, { ...opts, workers: 0 });
  try {
    for (let i = 7; i < 10; i++) assertSameBatch(await resumed.next(), reference.batchAt(i), `resumed batch ${i}`);
    assert.deepEqual(resumed.getState(), { seed: 21, nextIndex: 10 });
    for (let i = 0; i < 2; i++) assertSameBatch(await inline.next(), reference.batchAt(i), `inline batch ${i}`);
  } finally {
    await resumed.close();
    await inline.close();
  }
});

test('close() rejects pending and later requests; bad options are refused before any worker starts', async () => {
  const pf = new PatchPrefetcher(seqs, { ...opts, batchSize: 64, workers: 1, queueSize: 1 });
  const settled = Promise.allSettled([pf.next(), pf.next(), pf.next()]);
  await pf.close();
  const results = await settled;
  assert.ok(
    results.some((r) => r.status === 'rejected' && /closed/.test(String(r.reason))),
    'a request still waiting is rejected',
  );
  await assert.rejects(pf.next(), /after close/);
  assert.throws(() => new PatchPrefetcher(seqs, { workers: -1 }), /workers must be a non-negative integer/);
  assert.throws(() => new PatchPrefetcher(seqs, { queueSize: 0 }), /queueSize must be a positive integer/);
  assert.throws(() => new PatchPrefetcher(seqs, { startIndex: 1.5 }), /startIndex/);
  assert.throws(
    () => new PatchPrefetcher(seqs, { augment: { noise: { std: [0.2, 0.1] } } }),
    /noise.std must have lo <= hi/,
  );
});
