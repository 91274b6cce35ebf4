// The default thread count's view of other processes' load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateBusyCores, sampleLoad } from '../src/busy-cores.js';

test('a core counts as busy only when the load average and the tasks runnable now agree', () => {
  // A build that just finished: the average remembers it, nothing else runs now.
  assert.equal(estimateBusyCores({ load1: 1.9, runnable: 1, ownRunnable: 1 }), 0);
  // Another process computing all along.
  assert.equal(estimateBusyCores({ load1: 1.02, runnable: 2, ownRunnable: 1 }), 1);
  // A momentary burst of short tasks on a quiet machine.
  assert.equal(estimateBusyCores({ load1: 0.1, runnable: 6, ownRunnable: 1 }), 0);
  // Our own threads are not other processes' load.
  assert.equal(estimateBusyCores({ load1: 3, runnable: 4, ownRunnable: 4 }), 0);
  // Without /proc, the average alone.
  assert.equal(estimateBusyCores({ load1: 1.6 }), 2);
});

test('on this machine the sample is self-consistent', () => {
  const s = sampleLoad();
  assert.ok(s.load1 >= 0);
  if (s.runnable !== undefined) {
    // This thread is running while it reads /proc, so the kernel counts at least one runnable task.
    assert.ok(Number.isInteger(s.runnable) && s.runnable >= 1, JSON.stringify(s));
  }
});
