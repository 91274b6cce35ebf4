// The caching allocator of large CPU tensors (native/cpu_allocator.cc): a freed block of 256 KiB or more is kept
// and handed to the next tensor of about its size, without stale values showing through, and its bytes count in
// memoryInfo().heapInUse while a tensor holds them; small tensors stay with libtorch's own allocator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuCacheInfo, memoryInfo, ones, zeros, empty, noGrad } from '../src/index.js';

test('a large block freed is reused for the next tensor of its size, which reads as asked', () => {
  const start = cpuCacheInfo();
  assert.equal(start.installed, true);
  const n = 1 << 20; // 4 MiB of float32
  const a = ones([n]);
  const held = cpuCacheInfo();
  assert.equal(held.inUse - start.inUse, n * 4);
  a.dispose();
  const freed = cpuCacheInfo();
  assert.equal(freed.inUse, start.inUse);
  assert.ok(freed.cached >= n * 4);

  // The same size again: served from the cache, and zeros() still zeroes the ones left in the block.
  const b = zeros([n]);
  const again = cpuCacheInfo();
  assert.equal(again.hits, freed.hits + 1);
  assert.equal(again.misses, freed.misses);
  assert.equal(b.sum().item(), 0);
  b.dispose();

  // A tensor a little smaller takes the same block (at most a quarter larger than asked).
  const c = ones([n - 1000]);
  assert.equal(cpuCacheInfo().hits, again.hits + 1);
  assert.equal(c.sum().item(), n - 1000);
  c.dispose();
});

test('a block far larger than asked is not used; small tensors bypass the cache', () => {
  const big = empty([10 << 20]); // 40 MiB
  big.dispose();
  const before = cpuCacheInfo();
  // 12 MiB: the 40 MiB block is more than a quarter too large (and no earlier test freed a block of 12-15 MiB).
  const half = empty([3 << 20]);
  assert.equal(cpuCacheInfo().misses, before.misses + 1);
  half.dispose();
  const beforeSmall = cpuCacheInfo();
  const small = ones([1000]);
  const after = cpuCacheInfo();
  assert.equal(after.hits + after.misses, beforeSmall.hits + beforeSmall.misses);
  assert.equal(after.inUse, beforeSmall.inUse);
  assert.equal(small.sum().item(), 1000);
  small.dispose();
});

test('bytes held by large tensors count in heapInUse', () => {
  const heap0 = memoryInfo().heapInUse;
  if (heap0 === null) return;
  const t = noGrad(() => ones([2 << 20])); // 8 MiB
  const heap1 = memoryInfo().heapInUse!;
  assert.ok(heap1 - heap0 >= 8 * 2 ** 20, `heapInUse grew by ${heap1 - heap0}`);
  t.dispose();
  assert.ok(Math.abs(memoryInfo().heapInUse! - heap0) < 2 ** 20);
});
