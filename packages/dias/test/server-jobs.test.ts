// `dias serve`'s jobs by injected requests on a tiny dataset: inference in the worker thread gives the map that the
// Predictor gives in this thread, streamed over SSE and then served as probability, error map and metrics; queued
// jobs cancel; /api/next ranks by the mean binary entropy; a training job writes an ordinary run, reports its
// epochs, refuses a second job (409) and cancels.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { loadDiasSequence, openDiasDataset } from '../src/data/readers/dias-layout.js';
import { decodeGrayPng } from '../src/image/png.js';
import { evaluateImage } from '../src/metrics/metrics.js';
import { probabilityImage } from '../src/eval/pictures.js';
import { Predictor } from '../src/predict/predictor.js';
import { loadRunModel, readRunConfig } from '../src/train/run-folder.js';
import { defaultTrainConfig, setConfigValue, type TrainConfig } from '../src/train/config.js';
import { parseAssignment } from '../src/train/config-assignments.js';
import { buildServer, type DiasServer } from '../src/server/app.js';
import { Datastore } from '../src/server/datastore.js';
import { RunStore } from '../src/server/run-store.js';
import { modeSettings } from '../src/server/inference.js';
import { trainConfigFromBody } from '../src/server/train-request.js';
import { tempDir } from './data-fixture.js';
import { writeTinyDataset, writeTinyRun } from './eval-fixture.js';

const { dir, cleanup } = tempDir('dias-server-jobs-');
const data = join(dir, 'data');
const runs = join(dir, 'runs');
const [W, H] = [64, 48];
let server: DiasServer;
/** What a script adds to a request that changes state (the server's cross-site rule, docs/server-api.md). */
const SCRIPT = { 'x-dias-request': '1' };
after(async () => {
  await server?.app.close();
  cleanup();
});

interface Sse {
  event: string;
  data: Record<string, unknown> & { [k: string]: unknown };
}

function parseSse(text: string): Sse[] {
  return text
    .split('\n\n')
    .filter((b) => b.trim())
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)![1];
      const json = /^data: (.*)$/m.exec(block)![1];
      return { event, data: JSON.parse(json) };
    });
}

/** The fast-mode map of a sequence as the Predictor gives it here, with the run's best weights. */
function reference(id: number): Float32Array {
  const loaded = loadRunModel(join(runs, 'r1'), 'best');
  const ref = openDiasDataset(data).find(id)!;
  const prob = new Predictor(loaded.model, loaded.spec, { ...modeSettings('fast'), frames: loaded.frames }).predict(
    loadDiasSequence(ref, { frames: 'native' }),
  );
  loaded.model.dispose();
  return prob;
}

function entropy(prob: Float32Array): number {
  let s = 0;
  for (const p of prob) if (p > 0 && p < 1) s += -p * Math.log2(p) - (1 - p) * Math.log2(1 - p);
  return s / prob.length;
}

const blankScribble = () =>
  Buffer.from(
    encode({ width: W, height: H, data: new Uint8Array(W * H).fill(255).fill(1, 0, 5), channels: 1, depth: 8 }),
  );

/** The tiny training settings (train-fixture.ts's tinyConfig, through the API's settings). */
const TINY = {
  model: 'FR_UNet',
  modelOptions: { feature_scale: 16 },
  epochs: 1,
  patchesPerEpoch: 8,
  batchSize: 4,
  settings: {
    'data.patchSize': 32,
    'data.workers': 0,
    'train.threads': 1,
    'scheduler.warmupEpochs': 0,
    'validation.stride': 16,
    'validation.batchSize': 16,
  },
};

describe('dias serve: jobs', () => {
  before(() => {
    writeTinyDataset(data, { splits: { training: 2, validation: 1, test: 1 } });
    writeTinyRun(join(runs, 'r1'), { dataDir: data });
    server = buildServer({ data, runs });
  });

  test("infer: SSE progress then the result; the served map is the Predictor's; error map and metrics agree with it", async () => {
    const r = await server.app.inject({
      method: 'POST',
      headers: SCRIPT,
      url: '/api/infer',
      payload: { run: 'r1', sequence: 's3', mode: 'fast' },
    });
    assert.equal(r.statusCode, 202, r.body);
    const { job, events } = r.json();
    const stream = await server.app.inject({ url: events });
    assert.match(stream.headers['content-type'] as string, /text\/event-stream/);
    const evs = parseSse(stream.body);
    assert.equal(evs[0].event, 'state');
    assert.equal(evs.at(-1)!.event, 'done', stream.body);
    const progress = evs.filter((e) => e.event === 'progress').map((e) => e.data);
    assert.ok(progress.length >= 1);
    const loaded = loadRunModel(join(runs, 'r1'), 'best');
    const steps = new Predictor(loaded.model, loaded.spec, {
      ...modeSettings('fast'),
      frames: loaded.frames,
    }).patchCount(H, W);
    loaded.model.dispose();
    assert.deepEqual(progress.at(-1), { done: steps, total: steps });
    const result = evs.at(-1)!.data as { metrics: Record<string, number>; prediction: string; vesselFraction: number };
    assert.equal(result.prediction, '/api/sequences/3/prediction?run=r1');
    assert.equal((await server.app.inject({ url: `/api/jobs/${job}` })).json().state, 'done');

    const want = reference(3);
    const raw = (await server.app.inject({ url: `${result.prediction}&format=raw` })).rawPayload;
    const got = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    assert.equal(got.length, W * H);
    let d = 0;
    for (let i = 0; i < got.length; i++) d = Math.max(d, Math.abs(got[i] - want[i]));
    assert.ok(d < 1e-6, `max difference ${d}`);
    const png = decodeGrayPng((await server.app.inject({ url: result.prediction })).rawPayload);
    assert.deepEqual(Array.from(png.data), Array.from(probabilityImage(got, W, H)));

    const label = decodeGrayPng((await server.app.inject({ url: '/api/sequences/3/label' })).rawPayload).data;
    const error = (await server.app.inject({ url: '/api/sequences/3/error?run=r1&threshold=0.5' })).rawPayload;
    const { decode } = await import('fast-png');
    const rgb = decode(error).data as Uint8Array;
    for (let i = 0; i < W * H; i++) {
      const [p, t] = [got[i] >= 0.5, label[i] === 255];
      const colour = p && t ? [255, 255, 255] : p ? [0, 255, 0] : t ? [255, 0, 0] : [0, 0, 0];
      assert.deepEqual(Array.from(rgb.subarray(i * 3, i * 3 + 3)), colour, `pixel ${i}`);
    }
    const metrics = (await server.app.inject({ url: '/api/sequences/3/metrics?run=r1' })).json().metrics;
    const direct = evaluateImage(
      want,
      Uint8Array.from(label, (v) => (v ? 1 : 0)),
      W,
      H,
    ).metrics;
    assert.ok(Math.abs(metrics.DSC - direct.DSC) < 1e-6 && Math.abs(result.metrics.AUC - direct.AUC) < 1e-6);
    const entry = (await server.app.inject({ url: '/api/sequences/3' })).json();
    assert.deepEqual(entry.predictions, ['r1']);
    const folder = readdirSync(join(runs, 'r1', 'predictions'));
    assert.equal(folder.length, 1);
    for (const f of ['s3_prob.npy', 's3_prob.png', 's3_mask.png', 's3_error.png', 's3_overlay.png'])
      assert.ok(existsSync(join(runs, 'r1', 'predictions', folder[0], f)), f);
  });

  test('infer: a queued job cancels before it starts; an ended job cannot be cancelled; bad requests are 4xx', async () => {
    const first = (
      await server.app.inject({
        method: 'POST',
        headers: SCRIPT,
        url: '/api/infer',
        payload: { run: 'r1', sequence: '2', mode: 'full', checkpoint: 'final' },
      })
    ).json();
    const second = (
      await server.app.inject({
        method: 'POST',
        url: '/api/infer',
        headers: SCRIPT,
        payload: { run: 'r1', sequence: '1' },
      })
    ).json();
    const cancel = await server.app.inject({
      method: 'POST',
      url: `/api/jobs/${second.job}/cancel`,
      headers: SCRIPT,
      payload: {},
    });
    assert.equal(cancel.statusCode, 200);
    const evs = parseSse((await server.app.inject({ url: second.events })).body);
    assert.equal(evs.at(-1)!.event, 'cancelled');
    assert.equal(parseSse((await server.app.inject({ url: first.events })).body).at(-1)!.event, 'done');
    assert.equal(
      (await server.app.inject({ method: 'POST', url: `/api/jobs/${first.job}/cancel`, headers: SCRIPT, payload: {} }))
        .statusCode,
      409,
    );
    assert.equal(
      (await server.app.inject({ url: '/api/sequences/1/prediction?run=r1' })).statusCode,
      404,
      'the cancelled job wrote nothing',
    );
    const bad: [Record<string, unknown>, number][] = [
      [{ sequence: '1' }, 400],
      [{ run: 'r1' }, 400],
      [{ run: 'r1', sequence: '1', mode: 'slow' }, 400],
      [{ run: 'r1', sequence: '1', checkpoint: 'worst' }, 400],
      [{ run: 'nope', sequence: '1' }, 404],
      [{ run: 'r1', sequence: '42' }, 404],
    ];
    for (const [payload, status] of bad)
      assert.equal(
        (await server.app.inject({ method: 'POST', url: '/api/infer', headers: SCRIPT, payload })).statusCode,
        status,
        JSON.stringify(payload),
      );
    assert.equal((await server.app.inject({ url: '/api/jobs/j999' })).statusCode, 404);
  });

  test('next: the unscribbled training sequence with the highest mean binary entropy; scribbled ones drop out', async () => {
    const predictions = join(runs, 'r1', 'predictions');
    const stored = () => (existsSync(predictions) ? readdirSync(predictions, { recursive: true }).length : 0);
    const before = stored();
    // A GET only ranks what is stored: with nothing predicted it says what to do and writes nothing.
    const none = await server.app.inject({ url: '/api/next?run=r1' });
    assert.equal(none.statusCode, 409, none.body);
    assert.match(none.json().error, /POST \/api\/next\/predict/);
    assert.equal(stored(), before, 'GET /api/next wrote nothing');
    assert.equal((await server.app.inject({ url: '/api/next?split=nonsense' })).statusCode, 400);
    // The explicit POST predicts the two training sequences still to annotate, as one job.
    const predict = await server.app.inject({
      method: 'POST',
      headers: SCRIPT,
      url: '/api/next/predict',
      payload: { run: 'r1', split: 'training' },
    });
    assert.equal(predict.statusCode, 202, predict.body);
    assert.deepEqual(predict.json().sequences, ['0', '1']);
    const evs = parseSse((await server.app.inject({ url: predict.json().events })).body);
    assert.equal(evs.at(-1)!.event, 'done', JSON.stringify(evs.at(-1)));
    const again = await server.app.inject({
      method: 'POST',
      headers: SCRIPT,
      url: '/api/next/predict',
      payload: { run: 'r1' },
    });
    assert.deepEqual(again.json(), { job: null, sequences: [] }, 'nothing left to predict');
    const r = await server.app.inject({ url: '/api/next?run=r1' });
    assert.equal(r.statusCode, 200, r.body);
    const next = r.json();
    assert.deepEqual(next.unpredicted, []);
    const want = [0, 1]
      .map((id) => ({ id: String(id), entropy: entropy(reference(id)) }))
      .sort((a, b) => b.entropy - a.entropy);
    assert.deepEqual(
      next.candidates.map((c: { id: string }) => c.id),
      want.map((c) => c.id),
    );
    assert.ok(Math.abs(next.entropy - want[0].entropy) < 1e-5, `${next.entropy} vs ${want[0].entropy}`);
    assert.equal(next.id, want[0].id);
    const put = (id: string) =>
      server.app.inject({
        method: 'PUT',
        url: `/api/sequences/${id}/scribble`,
        headers: { 'content-type': 'image/png', ...SCRIPT },
        payload: blankScribble(),
      });
    assert.equal((await put(next.id)).statusCode, 200);
    assert.equal((await server.app.inject({ url: '/api/next' })).json().id, want[1].id);
    assert.equal((await put(want[1].id)).statusCode, 200);
    assert.equal((await server.app.inject({ url: '/api/next' })).statusCode, 404);
  });

  test('train: a bad request is 400 naming the problem, an existing run 409; SSCR trains on the scribbled sequences only', async () => {
    const post = (payload: Record<string, unknown>) =>
      server.app.inject({ method: 'POST', url: '/api/train', headers: SCRIPT, payload });
    const cases: [Record<string, unknown>, number, RegExp][] = [
      [{}, 400, /recipe: required/],
      [{ recipe: 'magic' }, 400, /unknown recipe 'magic'/],
      [{ recipe: 'fsl', settings: { 'train.nonsense': 1 } }, 400, /train\.nonsense/],
      [{ recipe: 'fsl', epochs: -2 }, 400, /train\.epochs/],
      [{ recipe: 'fsl', name: '../x' }, 400, /plain name/],
      [{ recipe: 'fsl', name: 'r1' }, 409, /exists already/],
      [{ recipe: 'sscr', scribbles: 'nothing-here' }, 400, /'nothing-here' is not a scribble set of this dataset/],
      [{ recipe: 'sscr', settings: { 'data.scribbles': '../../x' } }, 400, /not a scribble set of this dataset/],
      // Paths: the API trains on --data and runs under --runs only, and says nothing of other paths.
      [{ recipe: 'fsl', settings: { 'data.dir': '/tmp' } }, 400, /settings\.data\.dir: a path, not settable/],
      [{ recipe: 'fsl', settings: { 'train.init.from': '/root/.ssh' } }, 400, /settings\.train\.init\.from: a path/],
      [{ recipe: 'fsl', settings: { 'data.pseudo': '/etc' } }, 400, /settings\.data\.pseudo: a path/],
      [{ recipe: 'fsl', set: ['data.dir=/tmp'] }, 400, /set: data\.dir: a path, not settable/],
      [{ recipe: 'fsl', set: ['optimizer.lr'] }, 400, /set optimizer\.lr: expected KEY=VALUE/],
      [{ recipe: 'fsl', set: ['train.nonsense=1'] }, 400, /set: train\.nonsense: unknown key/],
      [{ recipe: 'fsl', set: 'optimizer.lr=1e-3' }, 400, /set/],
      [{ recipe: 'fsl', from: '../../etc' }, 400, /plain name/],
      // Settings that do not apply to the recipe, and values only the model can check: refused before a 202.
      [{ recipe: 'fsl', scribbles: 'annotator' }, 400, /scribbles: recipe fsl learns from dense labels/],
      [{ recipe: 'fsl', scribbledOnly: false }, 400, /scribbledOnly: recipe fsl/],
      [{ recipe: 'fsl', model: 'FR_UNet', modelOptions: { feature_scale: -3 } }, 400, /feature_scale/],
    ];
    for (const [payload, status, message] of cases) {
      const r = await post(payload);
      assert.equal(r.statusCode, status, `${JSON.stringify(payload)}: ${r.body}`);
      assert.match(r.json().error, message);
    }
    // The previous test saved annotator scribbles for 0 and 1; drop nothing, ask for the set: both ids.
    const { config } = trainConfigFromBody(
      { recipe: 'sscr', name: 'w1', from: 'r1' },
      Datastore.open(data),
      new RunStore(runs),
    );
    assert.equal(config.data.scribbles, 'annotator');
    assert.deepEqual(config.data.labelledIds, [0, 1]);
    assert.equal(config.train.init.from, join(runs, 'r1'));
    assert.equal(config.model.name, 'FR_UNet');
    // A short job scales the warm-up (10 of 100 epochs) instead of failing on it; one the request sets is kept.
    const short = (settings: Record<string, unknown>) =>
      trainConfigFromBody({ recipe: 'fsl', name: 'w2', epochs: 5, settings }, Datastore.open(data), new RunStore(runs))
        .config;
    assert.equal(short({}).scheduler.warmupEpochs, 0);
    assert.equal(short({ 'scheduler.warmupEpochs': 3 }).scheduler.warmupEpochs, 3);
    assert.equal(
      trainConfigFromBody({ recipe: 'fsl', name: 'w2', epochs: 100 }, Datastore.open(data), new RunStore(runs)).config
        .scheduler.warmupEpochs,
      10,
    );
  });

  test('train: `set` lines mean what `dias train --set` makes of them (1e-3 a number, null null, a flow list)', () => {
    const lines = [
      'optimizer.lr=1e-3',
      'validation.earlyStopping=null',
      'optimizer.betas=[0.8, 0.99]',
      'train.seed= 7',
    ];
    // After `settings`: the null of a `set` line replaces the 5.
    const body = { recipe: 'fsl', name: 'w3', settings: { 'validation.earlyStopping': 5 }, set: lines };
    const { config } = trainConfigFromBody(body, Datastore.open(data), new RunStore(runs));
    const cli = defaultTrainConfig();
    for (const line of lines) setConfigValue(cli, ...parseAssignment('--set', line), '--set');
    assert.equal(config.optimizer.lr, 0.001);
    assert.equal(config.validation.earlyStopping, null);
    assert.deepEqual(config.optimizer.betas, [0.8, 0.99]);
    assert.equal(config.train.seed, 7);
    for (const pick of [
      (c: TrainConfig) => c.optimizer,
      (c: TrainConfig) => c.validation.earlyStopping,
      (c: TrainConfig) => c.train.seed,
    ])
      assert.deepEqual(pick(config), pick(cli));
    // model.options.K sets one constructor option, as `--set model.options.K=V` and --model-option do.
    const one = trainConfigFromBody(
      { recipe: 'fsl', name: 'w4', model: 'FR_UNet', set: ['model.options.feature_scale=16'] },
      Datastore.open(data),
      new RunStore(runs),
    ).config;
    assert.equal(one.model.options.feature_scale, 16);
    const viaSettings = trainConfigFromBody(
      { recipe: 'fsl', name: 'w5', model: 'FR_UNet', settings: { 'model.options.feature_scale': 16 } },
      Datastore.open(data),
      new RunStore(runs),
    ).config;
    assert.equal(viaSettings.model.options.feature_scale, 16);
  });

  test('train: a background run with progress and epochs over SSE, one at a time (409), an ordinary run folder at the end', async () => {
    const r = await server.app.inject({
      method: 'POST',
      headers: SCRIPT,
      url: '/api/train',
      payload: { recipe: 'fsl', name: 'fsl-tiny', ...TINY },
    });
    assert.equal(r.statusCode, 202, r.body);
    const { job, run, events } = r.json();
    assert.equal(run, 'fsl-tiny');
    const again = await server.app.inject({
      method: 'POST',
      headers: SCRIPT,
      url: '/api/train',
      payload: { recipe: 'fsl', name: 'other', ...TINY },
    });
    assert.equal(again.statusCode, 409);
    assert.match(again.json().error, /still running/);
    const evs = parseSse((await server.app.inject({ url: events })).body);
    assert.equal(evs.at(-1)!.event, 'done', JSON.stringify(evs.at(-1)));
    const progress = evs
      .filter((e) => e.event === 'progress')
      .map((e) => e.data as { step: number; steps: number; losses: { loss: number } });
    assert.deepEqual(
      progress.map((p) => p.step),
      [1, 2],
    );
    assert.ok(progress.every((p) => p.steps === 2 && Number.isFinite(p.losses.loss)));
    const epoch = evs.find((e) => e.event === 'epoch')!.data as { epoch: number; val: { DSC: number } };
    assert.equal(epoch.epoch, 1);
    assert.ok(typeof epoch.val.DSC === 'number');
    assert.ok(evs.some((e) => e.event === 'log' && /training FR_UNet/.test(String(e.data.line))));
    assert.deepEqual(evs.at(-1)!.data, {
      run: 'fsl-tiny',
      epochs: 1,
      finished: true,
      best: { metric: 'dsc', value: epoch.val.DSC, epoch: 1 },
    });
    assert.equal((await server.app.inject({ url: `/api/jobs/${job}` })).json().state, 'done');
    // An ordinary run: its config, checkpoints, and the server lists it.
    assert.equal(readRunConfig(join(runs, 'fsl-tiny')).train.recipe, 'fsl');
    const info = (await server.app.inject({ url: '/api/info' })).json();
    const listed = info.runs.find((x: { name: string }) => x.name === 'fsl-tiny');
    assert.deepEqual([listed.epochs, listed.finished, listed.checkpoints], [1, true, ['best', 'final', 'latest']]);
  });

  test('train: cancel stops the run at its next step; the next job is accepted', async () => {
    const r = await server.app.inject({
      method: 'POST',
      headers: SCRIPT,
      url: '/api/train',
      payload: { recipe: 'fsl', name: 'long', ...TINY, epochs: 50, patchesPerEpoch: 400 },
    });
    assert.equal(r.statusCode, 202, r.body);
    const job = server.jobs.get(r.json().job)!;
    await new Promise<void>((resolve) => {
      const stop = job.subscribe((e) => {
        if (e.event === 'progress') {
          stop();
          resolve();
        }
      });
    });
    assert.equal(
      (await server.app.inject({ method: 'POST', url: `/api/jobs/${job.id}/cancel`, headers: SCRIPT, payload: {} }))
        .statusCode,
      200,
    );
    assert.equal(await job.whenEnded(), 'cancelled');
    assert.ok(existsSync(join(runs, 'long', 'config.json')), 'the run folder stays, resumable');
    assert.equal((await server.app.inject({ url: '/api/info' })).json().train, null);
  });
});
