// `dias serve` with no --runs segments with the shipped default model, run ':default' (server/default-model-store.ts):
// the inference worker loads it for a request with no run folder, the map it serves is the one the Predictor
// gives here with the same weights, and its files land in the cache folder (DIAS_CACHE_DIR), nowhere else; the
// warm-up `dias serve` runs at start segments into a scratch folder it removes, writing nothing anywhere else.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadDiasSequence, openDiasDataset } from '../src/data/readers/dias-layout.js';
import { defaultModelWeights } from '../src/predict/default-model.js';
import { Predictor } from '../src/predict/predictor.js';
import { buildServer, type DiasServer } from '../src/server/app.js';
import { DEFAULT_MODEL_RUN } from '../src/server/default-model-store.js';
import { modeSettings } from '../src/server/inference.js';
import { loadWeightsFile } from '../src/train/run-folder.js';
import { tempDir } from './data-fixture.js';
import { writeTinyDataset } from './eval-fixture.js';

const { dir, cleanup } = tempDir('dias-server-default-');
const data = join(dir, 'data');
const cache = join(dir, 'cache');
const scratch = join(dir, 'tmp');
const [W, H] = [64, 48];
const SCRIPT = { 'x-dias-request': '1' };
let server: DiasServer;
const savedCacheEnv = process.env.DIAS_CACHE_DIR;
const savedTmpEnv = process.env.TMPDIR;

before(() => {
  writeTinyDataset(data, { splits: { training: 1, test: 1 } });
  process.env.DIAS_CACHE_DIR = cache;
  // The worker's os.tmpdir(), to see the warm-up's scratch folder go (the worker copies the environment at start).
  mkdirSync(scratch);
  process.env.TMPDIR = scratch;
  server = buildServer({ data });
});
after(async () => {
  await server?.app.close();
  if (savedCacheEnv === undefined) delete process.env.DIAS_CACHE_DIR;
  else process.env.DIAS_CACHE_DIR = savedCacheEnv;
  if (savedTmpEnv === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpEnv;
  cleanup();
});

const listing = (root: string) => (readdirSync(root, { recursive: true }) as string[]).sort();

test('the warm-up loads the default model and segments the first sequence, leaving nothing written', async () => {
  const before = listing(data);
  const w = await server.warmUp();
  assert.ok(w, 'warmed up');
  assert.equal(w.run, DEFAULT_MODEL_RUN);
  assert.equal(w.sequence, '0');
  assert.ok(w.seconds > 0);
  assert.equal(existsSync(cache), false);
  assert.deepEqual(listing(data), before);
  // (tsx, when the tests run from source, keeps its cache there too.)
  assert.deepEqual(
    readdirSync(scratch).filter((name) => name.startsWith('dias-warm-')),
    [],
    'the scratch folder is removed',
  );
});

test('no --runs: the default model is offered, segments in the worker, and its map is the Predictor map', async () => {
  const info = (await server.app.inject({ url: '/api/info' })).json();
  assert.deepEqual(info.runs, []);
  assert.equal(info.defaultModel.name, DEFAULT_MODEL_RUN);
  assert.equal(info.defaultModel.model, 'FR_UNet');
  assert.match(info.defaultModel.note, /synthetic/);
  const dataBefore = listing(data);

  const r = await server.app.inject({
    method: 'POST',
    headers: SCRIPT,
    url: '/api/infer',
    payload: { run: DEFAULT_MODEL_RUN, sequence: 's1', mode: 'fast' },
  });
  assert.equal(r.statusCode, 202, r.body);
  const stream = await server.app.inject({ url: r.json().events });
  assert.match(stream.body, /event: done/, stream.body);
  const prediction = `/api/sequences/1/prediction?run=${encodeURIComponent(DEFAULT_MODEL_RUN)}`;
  assert.ok(stream.body.includes(JSON.stringify(prediction)), stream.body);

  const raw = (await server.app.inject({ url: `${prediction}&format=raw` })).rawPayload;
  const got = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const loaded = loadWeightsFile(defaultModelWeights());
  const seq = loadDiasSequence(openDiasDataset(data).find(1)!, { frames: 'native' });
  const want = new Predictor(loaded.model, loaded.spec, { ...modeSettings('fast'), frames: loaded.frames }).predict(
    seq,
  );
  loaded.model.dispose();
  assert.equal(got.length, W * H);
  let d = 0;
  for (let i = 0; i < got.length; i++) d = Math.max(d, Math.abs(got[i] - want[i]));
  assert.ok(d < 1e-6, `max difference ${d}`);

  // Its files are in the cache folder, under the model's and the dataset's own keys; the dataset is untouched.
  const [modelFolder] = readdirSync(join(cache, 'predictions'));
  assert.match(modelFolder, /^default-[0-9a-f]{8}$/);
  const [dataFolder] = readdirSync(join(cache, 'predictions', modelFolder));
  assert.match(dataFolder, /^data-[0-9a-f]{8}$/);
  for (const f of ['s1_prob.npy', 's1_prob.png', 's1_mask.png', 's1_overlay.png', 's1_error.png'])
    assert.ok(existsSync(join(cache, 'predictions', modelFolder, dataFolder, f)), f);
  assert.deepEqual(listing(data), dataBefore);

  const entry = (await server.app.inject({ url: '/api/sequences/1' })).json();
  assert.deepEqual(entry.predictions, [DEFAULT_MODEL_RUN]);
  const metrics = (await server.app.inject({ url: `/api/sequences/1/metrics?run=${DEFAULT_MODEL_RUN}` })).json();
  assert.equal(typeof metrics.metrics.DSC, 'number');
});

test('the default model has one checkpoint; other names with a colon are not runs', async () => {
  const final = await server.app.inject({
    method: 'POST',
    headers: SCRIPT,
    url: '/api/infer',
    payload: { run: DEFAULT_MODEL_RUN, sequence: 's0', checkpoint: 'final' },
  });
  assert.equal(final.statusCode, 404, final.body);
  assert.match(final.json().error, /only one checkpoint/);
  const other = await server.app.inject({
    method: 'POST',
    headers: SCRIPT,
    url: '/api/infer',
    payload: { run: ':other', sequence: 's0' },
  });
  assert.equal(other.statusCode, 400, other.body);
  const none = await server.app.inject({ url: `/api/sequences/0/prediction?run=${DEFAULT_MODEL_RUN}` });
  assert.equal(none.statusCode, 404, none.body);
});
