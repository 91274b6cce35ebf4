// dias serve's parametric maps and artery/vein labels: GET /api/sequences/:id/perfusion (a colour overlay, the
// float32 map equal to what dias perfusion computes, the colour bar) and GET /api/sequences/:id/label-av, on a
// folder of synthetic complete runs and on a DIAS-layout set (which has no frame times: 422, saying so).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { getPreset } from '../src/data/synth/presets.js';
import { writeDataset } from '../src/data/synth/write-dataset.js';
import { readSequence } from '../src/data/readers/read-sequence.js';
import { perfusionMaps } from '../src/eval/perfusion.js';
import { readGrayPng } from '../src/image/png.js';
import { buildServer } from '../src/server/app.js';

const root = mkdtempSync(join(tmpdir(), 'dias-serve-perfusion-'));
after(() => rmSync(root, { recursive: true, force: true }));

function options(completeRun: boolean) {
  const o = getPreset('small');
  return Object.assign(o, {
    width: 48,
    height: 48,
    frames: completeRun ? [20, 20] : [4, 4],
    completeRun,
    classes: 'av' as const,
    counts: { training: 1, validation: 0, test: 0, unlabeled: 0 },
  });
}

test('complete runs: the colour overlay, the float32 map, the colour bar and the artery/vein label', async () => {
  const data = join(root, 'runs');
  await writeDataset({ out: data, seed: 2, preset: 'tiny', options: options(true), workers: 1 });
  const server = buildServer({ data, webDir: join(root, 'no-web') });
  try {
    const get = (url: string) => server.app.inject({ url });
    const expected = perfusionMaps(await readSequence(join(data, 's0'))).maps.ttp;
    const raw = await get('/api/sequences/s0/perfusion?map=ttp&format=raw');
    assert.equal(raw.statusCode, 200, raw.body);
    const values = new Float32Array(new Uint8Array(raw.rawPayload).buffer);
    assert.deepEqual(Array.from(values), Array.from(expected));
    const [lo, hi] = String(raw.headers['x-dias-range']).split(' ').map(Number);
    assert.ok(lo < hi && raw.headers['x-dias-unit'] === 'ms');
    const overlay = await get('/api/sequences/s0/perfusion?map=ttp');
    assert.equal(overlay.headers['content-type'], 'image/png');
    const img = decode(overlay.rawPayload);
    assert.deepEqual([img.width, img.height, img.channels], [48, 48, 4]);
    for (let i = 0; i < 48 * 48; i++)
      assert.equal(img.data[4 * i + 3] === 255, Number.isFinite(expected[i]), `alpha of pixel ${i}`);
    const legend = decode((await get('/api/sequences/s0/perfusion?map=arrival&format=legend')).rawPayload);
    assert.deepEqual([legend.width, legend.height], [16, 256]);
    assert.equal((await get('/api/sequences/s0/perfusion?map=speed')).statusCode, 400);
    assert.match((await get('/api/sequences/s0/perfusion?mapp=ttp')).body, /unknown key 'mapp'/);
    const av = await get('/api/sequences/s0/label-av');
    assert.equal(av.statusCode, 200);
    assert.deepEqual(
      Array.from(decode(av.rawPayload).data),
      Array.from(readGrayPng(join(data, 's0/truth/label_av.png')).data),
    );
  } finally {
    await server.app.close();
  }
});

test('a DIAS-layout set: no frame times is a 422 that says so; labels_av served, absent ones 404', async () => {
  const data = join(root, 'dias');
  await writeDataset({ out: data, seed: 2, preset: 'tiny', options: options(false), workers: 1 });
  const server = buildServer({ data, webDir: join(root, 'no-web') });
  try {
    const r = await server.app.inject({ url: '/api/sequences/0/perfusion?map=ttp' });
    assert.equal(r.statusCode, 422);
    assert.match(r.body, /no frame times/);
    assert.equal((await server.app.inject({ url: '/api/sequences/0/label-av' })).statusCode, 200);
    rmSync(join(data, 'training', 'labels_av'), { recursive: true });
    assert.equal((await server.app.inject({ url: '/api/sequences/0/label-av' })).statusCode, 404);
  } finally {
    await server.app.close();
  }
});
