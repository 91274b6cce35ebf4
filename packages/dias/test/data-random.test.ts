// The two seeded generators (the pipeline's Random, the synthetic data's Rng) share one xoshiro128** core; their
// streams are pinned here to the values they gave before sharing it, so a change to the core or to either seeding
// shows up as a failure, not as quietly different patches, augmentations or synthetic datasets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../src/data/random.js';
import { Rng } from '../src/data/synth/rng.js';
import { Xoshiro128, splitmix32 } from '../src/data/xoshiro.js';

const draw = (g: Xoshiro128, n: number) => Array.from({ length: n }, () => g.nextUint32());

test('Random and Rng draw from the one xoshiro128** core, their streams as pinned', () => {
  const random = new Random(2024, -3);
  assert.ok(random instanceof Xoshiro128);
  assert.deepEqual(draw(random, 3), [2671133949, 4189625445, 3208009101]);
  assert.deepEqual(random.getState().s, [1369484879, 1346640086, 3341668706, 3031125910]);
  assert.deepEqual(draw(new Random(0), 1), [2384061890]);

  const rng = new Rng(2024);
  assert.ok(rng instanceof Xoshiro128);
  assert.deepEqual(draw(rng, 3), [2419916859, 2996235947, 1249288266]);
  assert.deepEqual(draw(new Rng(2024).fork('noise', 1), 2), [3680255393, 3569010795]);
  assert.deepEqual(draw(new Rng(0), 1), [3809008728]);
  assert.deepEqual(draw(new Rng(0xffffffff), 1), [835879718]);
});

test('splitmix32 gives unsigned 32-bit words, and the same ones for x and x + 2^32', () => {
  for (const x of [0, 1, -1, 0x7fffffff, 0xffffffff, 123456789]) {
    const v = splitmix32(x);
    assert.ok(Number.isInteger(v) && v >= 0 && v < 2 ** 32, `${x} -> ${v}`);
    assert.equal(splitmix32(x + 2 ** 32), v);
  }
  assert.notEqual(splitmix32(0), splitmix32(1));
});
