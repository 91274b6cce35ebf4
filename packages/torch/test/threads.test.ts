// libtorch's thread count: a request beyond the cores is capped at them (oversubscribed threads made a run that
// takes 8 s miss an epoch in 120 s), and the caller learns the count applied so it can say so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { getNumThreads, setNumThreads } from '../src/index.js';

test('setNumThreads caps at the available cores and returns the count applied', () => {
  const before = getNumThreads();
  try {
    const cores = availableParallelism();
    assert.equal(setNumThreads(1000), cores);
    assert.equal(getNumThreads(), cores);
    assert.equal(setNumThreads(1), 1);
    assert.equal(getNumThreads(), 1);
    assert.throws(() => setNumThreads(0), /positive integer/);
  } finally {
    setNumThreads(before);
  }
});
