import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TensorWorker, F, randn, manualSeed, noGrad } from '../src/index.js';

const bootstrap = new URL('./fixtures/tsx-worker.mjs', import.meta.url);
const script = new URL('./fixtures/conv-worker.ts', import.meta.url).href;

test('a worker computes the same result as the main thread, and the event loop keeps running meanwhile', async () => {
  const worker = await TensorWorker.start(bootstrap, { workerData: { script, seed: 7 } });
  try {
    const x = randn([1, 16, 96, 96]);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    // 100 convolutions: tens of milliseconds even on a fast machine, so a working event loop ticks many times.
    const y = await worker.call<import('../src/index.js').Tensor>('forward', x, 100);
    clearInterval(timer);
    assert.ok(ticks > 5, `the main thread should tick while the worker computes (ticks=${ticks})`);
    // The same computation on this thread, with the weights the worker drew from the same seed.
    manualSeed(7);
    const weight = randn([16, 16, 3, 3]);
    const expected = noGrad(() => {
      let h = x;
      for (let i = 0; i < 100; i++) h = F.conv2d(h, weight, null, { padding: 1 }).tanh();
      return h;
    });
    assert.deepEqual(y.shape, [1, 16, 96, 96]);
    assert.ok(y.sub(expected).abs().max().item() < 1e-5);
    // The input is still usable here after the worker released its reference.
    assert.equal(x.shape[1], 16);
    const d = await worker.call<{ shape: number[]; sum: import('../src/index.js').Tensor }>('describe', x);
    assert.deepEqual(d.shape, [1, 16, 96, 96]);
    assert.ok(Math.abs(d.sum.item() - x.sum().item()) < 1e-2);
    await assert.rejects(worker.call('fail'), /deliberate failure/);
    await assert.rejects(worker.call('nope'), /no method 'nope'/);
  } finally {
    await worker.terminate();
  }
});
