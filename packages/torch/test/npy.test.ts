import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNpy, saveNpy, serializeNpy, deserializeNpy, tensor, arange } from '../src/index.js';
import { sharedPath, SKIP_WITHOUT_SHARED } from '../../../test-support/shared-data.js';

test('reads the reference float32 output written by NumPy', { skip: SKIP_WITHOUT_SHARED }, () => {
  const t = loadNpy(sharedPath('reference/models/UNet.output.npy'));
  assert.deepEqual(t.shape, [1, 2, 64, 64]);
  assert.equal(t.dtype, 'float32');
  const stats = JSON.parse(readFileSync(sharedPath('reference/models/UNet.json'), 'utf8')).output_stats;
  assert.ok(Math.abs(t.mean().item() - stats.mean) < 1e-6);
  assert.ok(Math.abs(t.max().item() - stats.max) < 1e-6);
});

test('round trip keeps dtype, shape and values; header is 64-byte aligned', () => {
  for (const dtype of ['float32', 'float64', 'int64', 'int32', 'uint8', 'bool'] as const) {
    const t = arange(24).reshape(2, 3, 4).to(dtype);
    const bytes = serializeNpy(t);
    assert.equal((10 + new DataView(bytes.buffer).getUint16(8, true)) % 64, 0);
    const back = deserializeNpy(bytes);
    assert.equal(back.dtype, dtype);
    assert.deepEqual(back.shape, [2, 3, 4]);
    assert.ok(back.equal(t));
  }
  const dir = mkdtempSync(join(tmpdir(), 'npy-'));
  saveNpy(join(dir, 'a.npy'), tensor([1.5, -2]));
  assert.deepEqual(loadNpy(join(dir, 'a.npy')).toArray(), [1.5, -2]);
});

test('Fortran-ordered arrays come back in row-major order', () => {
  // NumPy writes np.asfortranarray([[1,2,3],[4,5,6]]) as 1 4 2 5 3 6.
  let header = "{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }";
  header = header.padEnd(128 - 10 - 1, ' ') + '\n';
  const bytes = new Uint8Array(128 + 24);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(bytes.buffer).setUint16(8, header.length, true);
  bytes.set(new TextEncoder().encode(header), 10);
  new Int32Array(bytes.buffer, 128, 6).set([1, 4, 2, 5, 3, 6]);
  assert.deepEqual(deserializeNpy(bytes).toArray(), [1, 2, 3, 4, 5, 6]);
});

test('corrupt files give errors naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'npy-'));
  const bad = join(dir, 'bad.npy');
  writeFileSync(bad, 'hello world, not numpy');
  assert.throws(() => loadNpy(bad), /bad\.npy: not a \.npy file/);
  const full = serializeNpy(tensor([1, 2, 3, 4]));
  writeFileSync(bad, full.subarray(0, full.length - 3));
  assert.throws(() => loadNpy(bad), /bad\.npy: data truncated/);
  assert.throws(() => loadNpy(join(dir, 'missing.npy')), /missing\.npy: cannot read \(ENOENT\)/);
});
