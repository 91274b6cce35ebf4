import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { F, nn, optim, randn, randint, manualSeed, memoryInfo, scope, keep, zeros } from '../src/index.js';

const rssMb = () => process.memoryUsage().rss / 2 ** 20;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

// The JS heap grows in steps of megabytes before V8 collects it; collect, and let Node-API finalizers run,
// so that what is measured is native memory.
async function settledRssMb(): Promise<number> {
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  return rssMb();
}

// A leak of even one 16-byte allocation per tensor (about 40 tensors a step) shows as ~3 MB of heap in use over
// these steps. The resident set also moves with fragmentation (jumps of several MB, seen both ways), so it only
// gets a loose bound against runaway growth.
test('thousands of training steps of a small conv net keep native memory flat', async () => {
  manualSeed(3);
  const net = new nn.Sequential(
    new nn.Conv2d(4, 16, 3, { padding: 1 }),
    new nn.BatchNorm2d(16),
    new nn.ReLU(),
    new nn.Conv2d(16, 2, 1),
  );
  const opt = new optim.AdamW(net.parameters(), { lr: 1e-3 });
  const x = randn([2, 4, 24, 24]);
  const y = randint(0, 2, [2, 24, 24]);
  let first = 0;
  let heapFirst = 0;
  let lossAt500 = 0;
  let last = 0;
  for (let step = 1; step <= 3000; step++) {
    // Measured after warm-up (allocator pools, oneDNN primitive caches).
    if (step === 501) {
      first = await settledRssMb();
      heapFirst = memoryInfo().heapInUse ?? 0;
    }
    const loss = scope(() => {
      opt.zeroGrad();
      const l = F.crossEntropy(net.forward(x), y);
      l.backward();
      opt.step();
      return l.item();
    });
    if (step === 500) lossAt500 = loss;
    last = loss;
  }
  const growth = (await settledRssMb()) - first;
  const heap = memoryInfo().heapInUse;
  if (heap !== null) {
    const heapGrowth = (heap - heapFirst) / 2 ** 20;
    assert.ok(heapGrowth < 1, `native heap in use grew by ${heapGrowth.toFixed(2)} MB between step 500 and step 3000`);
  }
  assert.ok(growth < 32, `resident set grew by ${growth.toFixed(1)} MB between step 500 and step 3000`);
  assert.ok(last < lossAt500, `the net should learn the fixed batch (loss ${lossAt500} -> ${last})`);
});

test('tensors that are never disposed are freed by the garbage collector', async () => {
  gc();
  const before = rssMb();
  // 400 MB in total if nothing were freed; each 4 MB tensor is dropped without dispose().
  for (let i = 0; i < 100; i++) {
    zeros([1024, 1024]).add(1);
    // Node-API runs finalizers after a collection, once control returns to the event loop.
    if (i % 10 === 9) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const after = rssMb();
  assert.ok(after - before < 200, `resident set grew by ${(after - before).toFixed(0)} MB`);
});

test('V8 is told the size of tensors that only dispose() or the GC will free, not of scoped intermediates', () => {
  const external = () => memoryInfo().reportedToGc;
  const mb4 = 4 * 2 ** 20;
  const before = external();
  const kept = scope(() => {
    const inner = zeros([1024, 1024]).add(1);
    // Freed by the scope, so V8 need not count it.
    assert.ok(Math.abs(external() - before) < mb4 / 2, 'a scoped intermediate was reported');
    keep(inner);
    return zeros([1024, 1024]);
  });
  assert.ok(
    Math.abs(external() - before - 2 * mb4) < mb4 / 2,
    `kept and returned tensors: ${(external() - before) / 2 ** 20} MB`,
  );
  kept.dispose();
  const unscoped = zeros([1024, 1024]);
  assert.ok(Math.abs(external() - before - 2 * mb4) < mb4 / 2);
  unscoped.dispose();
  assert.ok(Math.abs(external() - before - mb4) < mb4 / 2, 'dispose takes the bytes back');
});

test('dropped tensors are collected under native memory pressure without an explicit gc()', () => {
  const before = rssMb();
  // 800 MB in total if V8 never learnt of the native bytes: its JS heap alone would not prompt a collection.
  for (let i = 0; i < 200; i++) zeros([1024, 1024]).add(1);
  const growth = rssMb() - before;
  assert.ok(growth < 400, `resident set grew by ${growth.toFixed(0)} MB`);
});
