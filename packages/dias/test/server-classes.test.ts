// dias serve and artery/vein runs (issue 20): /api/info says which runs were trained on the artery/vein labels,
// POST /api/infer stores such a run's class map beside its probability, and GET /api/sequences/:id/classes serves
// it as the class numbers (0 background, 1 artery, 2 vein) -- the map the predictor computes; a vessel run has
// none (404, saying why), and an unknown query key is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { trainRun } from '../src/train/index.js';
import { loadRunModel } from '../src/train/run-folder.js';
import { openDiasDataset } from '../src/data/readers/dias-layout.js';
import { Predictor } from '../src/predict/predictor.js';
import { modeSettings } from '../src/server/inference.js';
import { buildServer } from '../src/server/app.js';
import { tempDir } from './data-fixture.js';
import { tinyConfig, writeLineDataset } from './train-fixture.js';
import { writeTinyRun } from './eval-fixture.js';

const SCRIPT = { 'x-dias-request': '1' };
let dir: string, cleanup: () => void, data: string, runs: string;
let server: ReturnType<typeof buildServer>;

before(async () => {
  ({ dir, cleanup } = tempDir('dias-serve-classes-'));
  data = join(dir, 'data');
  runs = join(dir, 'runs');
  writeLineDataset(data, { arteryVein: true, frames: 6 });
  await trainRun({
    config: tinyConfig(data, (c) => {
      c.data.labels = 'av';
      c.data.frames = 6;
      c.train.epochs = 1;
    }),
    runDir: join(runs, 'av'),
    events: { log: () => {} },
  });
  writeTinyRun(join(runs, 'vessels'), { dataDir: data, frames: 6 });
  server = buildServer({ data, runs });
});
after(async () => {
  await server.app.close();
  cleanup();
});

test("an artery/vein run: its class map after POST /api/infer is the predictor's; a vessel run has none", async () => {
  const info = (await server.app.inject({ url: '/api/info' })).json<{ runs: { name: string; labels: string }[] }>();
  assert.deepEqual(info.runs.map((r) => [r.name, r.labels]).sort(), [
    ['av', 'av'],
    ['vessels', 'artery'],
  ]);
  const none = await server.app.inject({ url: '/api/sequences/3/classes?run=av' });
  assert.equal(none.statusCode, 404);
  assert.match(none.body, /no class map of sequence 3 yet/);

  const r = await server.app.inject({
    method: 'POST',
    headers: SCRIPT,
    url: '/api/infer',
    payload: { run: 'av', sequence: '3', mode: 'fast' },
  });
  assert.equal(r.statusCode, 202, r.body);
  const stream = await server.app.inject({ url: r.json().events });
  assert.match(stream.body, /event: done/, stream.body);

  const served = await server.app.inject({ url: '/api/sequences/3/classes?run=av' });
  assert.equal(served.statusCode, 200, served.body);
  assert.equal(served.headers['content-type'], 'image/png');
  const img = decode(served.rawPayload);
  const loaded = loadRunModel(join(runs, 'av'), 'best');
  const ds = openDiasDataset(data);
  const expected = new Predictor(loaded.model, loaded.spec, {
    ...modeSettings('fast'),
    frames: loaded.frames,
    labels: loaded.labels,
  }).predictClasses(ds.load(ds.find(3)!, { frames: 'native' }));
  loaded.model.dispose();
  assert.deepEqual([img.width, img.height, img.channels], [expected.W, expected.H, 1]);
  assert.deepEqual(Array.from(img.data), Array.from(expected.classMap));

  const vessels = await server.app.inject({ url: '/api/sequences/3/classes?run=vessels' });
  assert.equal(vessels.statusCode, 404);
  assert.match(vessels.body, /run 'vessels' was trained on the artery labels: it has no artery\/vein map/);
  assert.equal((await server.app.inject({ url: '/api/sequences/3/classes' })).statusCode, 400);
  assert.match((await server.app.inject({ url: '/api/sequences/3/classes?run=av&x=1' })).body, /unknown key 'x'/);
});
