// `dias serve`'s dataset API by injected requests on a tiny DIAS dataset: info and datastore, frames (PNG and raw)
// and projections equal to the files' pixels, labels, scribbles saved in the DIAS encoding with the previous
// version kept; every rejection (size, values, body too large, wrong type, split, traversal, symlinks out) writes
// nothing; the token and the loopback rules; the page or its placeholder.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { encode } from 'fast-png';
import { fromTypedArray, saveNpy } from '@dias-ts/torch';
import { openDiasDataset } from '../src/data/readers/dias-layout.js';
import { subtractMask } from '../src/data/pipeline/mask-subtraction.js';
import { readSequence } from '../src/data/readers/read-sequence.js';
import { decodeGrayPng, encodeGrayPng } from '../src/image/png.js';
import { buildServer, startServer, type DiasServer } from '../src/server/app.js';
import { bindProblem, isLoopbackHost, tokenMatches } from '../src/server/access.js';
import { JobRegistry } from '../src/server/jobs.js';
import { outputStem } from '../src/server/run-store.js';
import { confineMessage, OUTSIDE } from '../src/server/safe-paths.js';
import { serveCommand } from '../src/cli/serve.js';
import { UsageError } from '../src/cli/command.js';
import { tempDir, writePng } from './data-fixture.js';
import { frameGrey, vesselAt, writeTinyDataset, writeTinyRun } from './eval-fixture.js';

const { dir, cleanup } = tempDir('dias-server-');
const data = join(dir, 'data');
const runs = join(dir, 'runs');
const outside = join(dir, 'outside');
const [W, H, T] = [64, 48, 8];
let server: DiasServer;
/** What a script adds to a request that changes state (the server's cross-site rule, docs/server-api.md). */
const SCRIPT = { 'x-dias-request': '1' };
after(async () => {
  await server?.app.close();
  cleanup();
});

/** Every file under root with its size and modification time: what "nothing was written" compares. */
function snapshot(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(p);
      out.push(`${relative(root, p)} ${st.size} ${st.mtimeMs}`);
    }
  };
  walk(root);
  return out.sort();
}

function scribblePng(value: (x: number, y: number) => number, w = W, h = H): Buffer {
  const pixels = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) pixels[y * w + x] = value(x, y);
  return Buffer.from(encode({ width: w, height: h, data: pixels, channels: 1, depth: 8 }));
}

/** A scribble: vessel along the fixture's diagonal band of s0, background in the top-right corner, rest unlabelled. */
const firstScribble = (x: number, y: number) => (Math.abs(x - y) === 0 && x < 30 ? 1 : x > 55 && y < 8 ? 0 : 255);

const put = (id: string, body: Buffer | string, type = 'image/png') =>
  server.app.inject({
    method: 'PUT',
    url: `/api/sequences/${id}/scribble`,
    headers: { 'content-type': type, ...SCRIPT },
    payload: body,
  });

describe('dias serve: the dataset API', () => {
  before(() => {
    writeTinyDataset(data, { splits: { training: 2, validation: 1, test: 1 } });
    writeTinyRun(join(runs, 'r1'), { dataDir: data });
    // Things that lead out of the served folders: a frame and a run folder reached through symbolic links.
    writePng(join(outside, 'secret.png'), W, H, () => 7);
    writeTinyRun(join(outside, 'run-out'), { dataDir: data });
    symlinkSync(join(outside, 'secret.png'), join(data, 'test', 'images', 'image_s9_i0.png'));
    symlinkSync(join(outside, 'run-out'), join(runs, 'evil'));
    server = buildServer({ data, runs, maxScribbleBytes: 4096, webDir: join(dir, 'no-web') });
  });

  test('info names the dataset, the runs (model, recipe) and the recipes; the symlinked run is left out', async () => {
    const r = await server.app.inject({ url: '/api/info' });
    assert.equal(r.statusCode, 200);
    const info = r.json();
    assert.equal(info.dataset.layout, 'dias');
    assert.equal(info.dataset.sequences, 5);
    assert.equal(info.dataset.canTrain, true);
    assert.deepEqual(
      info.runs.map((x: { name: string }) => x.name),
      ['r1'],
    );
    assert.equal(info.runs[0].model, 'FR_UNet');
    assert.deepEqual(info.runs[0].checkpoints, ['best', 'final', 'latest']);
    const recipes = Object.fromEntries(info.recipes.map((x: { name: string; targets: string }) => [x.name, x.targets]));
    assert.equal(recipes.fsl, 'label');
    assert.equal(recipes.sscr, 'scribble');
  });

  test('datastore: split, frames, size, label, scribble flags; a sequence whose frame leads outside has no size', async () => {
    const r = await server.app.inject({ url: '/api/datastore' });
    const byId = Object.fromEntries(r.json().sequences.map((s: { id: string }) => [s.id, s]));
    assert.deepEqual(Object.keys(byId).sort(), ['0', '1', '2', '3', '9']);
    assert.deepEqual(byId['0'], {
      id: '0',
      split: 'training',
      frames: T,
      width: W,
      height: H,
      bitDepth: 8,
      label: true,
      scribble: false,
      scribbleSets: [],
      canScribble: true,
      predictions: [],
    });
    assert.equal(byId['2'].split, 'validation');
    assert.equal(byId['2'].canScribble, false);
    assert.equal(byId['9'].width, 0);
    const one = await server.app.inject({ url: '/api/sequences/s1' });
    assert.equal(one.json().id, '1');
    assert.equal((await server.app.inject({ url: '/api/sequences/77' })).statusCode, 404);
  });

  test('frames: the PNG and the raw bytes are the stored pixels; out-of-range frames are 404', async () => {
    for (const k of [0, 5]) {
      const want = Array.from({ length: W * H }, (_, i) => frameGrey(1, k, T)(i % W, Math.floor(i / W)));
      const r = await server.app.inject({ url: `/api/sequences/1/frames/${k}` });
      assert.equal(r.headers['content-type'], 'image/png');
      const img = decodeGrayPng(r.rawPayload);
      assert.deepEqual([img.width, img.height], [W, H]);
      assert.deepEqual(Array.from(img.data), want);
      const raw = await server.app.inject({ url: `/api/sequences/1/frames/${k}?format=raw` });
      assert.equal(raw.headers['x-dias-bits'], '8');
      assert.deepEqual([raw.headers['x-dias-width'], raw.headers['x-dias-height']], [String(W), String(H)]);
      assert.deepEqual(Array.from(raw.rawPayload), want);
    }
    assert.equal((await server.app.inject({ url: `/api/sequences/1/frames/${T}` })).statusCode, 404);
    assert.equal((await server.app.inject({ url: '/api/sequences/1/frames/x' })).statusCode, 404);
    assert.equal((await server.app.inject({ url: '/api/sequences/1/frames/0?format=jpeg' })).statusCode, 400);
    const twice = await server.app.inject({ url: '/api/sequences/1/frames/0?subtract=auto' });
    assert.equal(twice.statusCode, 400);
    assert.match(twice.json().error, /already subtracted/);
  });

  test('MinIP and mean projections over the frames', async () => {
    const minip = decodeGrayPng((await server.app.inject({ url: '/api/sequences/0/minip' })).rawPayload).data;
    const mean = (await server.app.inject({ url: '/api/sequences/0/mean?format=raw' })).rawPayload;
    for (const [x, y] of [
      [0, 0],
      [5, 5],
      [30, 10],
      [63, 47],
    ]) {
      const values = Array.from({ length: T }, (_, k) => frameGrey(0, k, T)(x, y));
      assert.equal(minip[y * W + x], Math.min(...values));
      assert.equal(mean[y * W + x], Math.round(values.reduce((a, b) => a + b) / T));
    }
  });

  test('label: 0/255 where the fixture has vessels; none for a sequence without', async () => {
    const img = decodeGrayPng((await server.app.inject({ url: '/api/sequences/3/label' })).rawPayload);
    assert.deepEqual(
      Array.from(img.data),
      Array.from({ length: W * H }, (_, i) => (vesselAt(3, i % W, Math.floor(i / W)) ? 255 : 0)),
    );
    assert.equal((await server.app.inject({ url: '/api/sequences/0/scribble' })).statusCode, 404);
  });

  test('PUT scribble: saved as training/scribbles_annotator/label_s0.png in the DIAS encoding, read back; the previous version kept', async () => {
    const r1 = await put('0', scribblePng(firstScribble));
    assert.equal(r1.statusCode, 200, r1.body);
    const saved = r1.json();
    assert.equal(saved.path, join('training', 'scribbles_annotator', 'label_s0.png'));
    assert.equal(saved.previous, null);
    const onDisk = decodeGrayPng(readFileSync(join(data, saved.path)));
    const want = Array.from({ length: W * H }, (_, i) => firstScribble(i % W, Math.floor(i / W)));
    assert.deepEqual(Array.from(onDisk.data), want);
    assert.deepEqual(saved.counts, {
      vessel: want.filter((v) => v === 1).length,
      background: want.filter((v) => v === 0).length,
      unlabelled: want.filter((v) => v === 255).length,
    });
    const back = await server.app.inject({ url: '/api/sequences/0/scribble' });
    assert.equal(back.headers['x-dias-scribble-set'], 'scribbles_annotator');
    assert.deepEqual(Array.from(decodeGrayPng(back.rawPayload).data), want);

    // A second save from a browser canvas (RGBA, equal channels, opaque): the first is kept under .history/.
    const rgba = new Uint8Array(W * H * 4);
    for (let i = 0; i < W * H; i++)
      rgba.set([i % 7 === 0 ? 1 : 255, i % 7 === 0 ? 1 : 255, i % 7 === 0 ? 1 : 255, 255], i * 4);
    const r2 = await put('s0', Buffer.from(encode({ width: W, height: H, data: rgba, channels: 4, depth: 8 })));
    assert.equal(r2.statusCode, 200, r2.body);
    assert.match(r2.json().previous, /^training\/scribbles_annotator\/\.history\/label_s0\.\d{8}T\d+Z\.png$/);
    assert.deepEqual(Array.from(decodeGrayPng(readFileSync(join(data, r2.json().previous))).data), want);
    assert.equal(decodeGrayPng(readFileSync(join(data, saved.path))).data[7], 1);
    // The readers see the new set and nothing odd (the history folder is invisible to them).
    const ds = openDiasDataset(data);
    assert.ok(ds.scribbleSets.includes('scribbles_annotator'));
    assert.deepEqual(
      ds.problems.filter((p) => p.path.includes('scribbles_annotator')),
      [],
    );
    const entry = (await server.app.inject({ url: '/api/sequences/0' })).json();
    assert.equal(entry.scribble, true);
  });

  test('rejected scribbles (size, values, colour, not PNG, type, too large, split, unknown) get 4xx and write nothing', async () => {
    const before = snapshot(data);
    const cases: [string, Promise<{ statusCode: number; body: string }>, number, RegExp][] = [
      [
        'wrong size',
        put(
          '1',
          scribblePng(() => 255, W - 1, H),
        ),
        400,
        /63x48.*64x48/,
      ],
      [
        'other values',
        put(
          '1',
          scribblePng((x) => (x === 3 ? 128 : 255)),
        ),
        400,
        /48 of 3072 pixels .*128/,
      ],
      [
        'colour',
        put(
          '1',
          Buffer.from(
            encode({
              width: W,
              height: H,
              data: new Uint8Array(W * H * 3).fill(0).map((_, i) => (i % 3 === 0 ? 255 : 0)),
              channels: 3,
              depth: 8,
            }),
          ),
        ),
        400,
        /\(255,0,0\)/,
      ],
      ['not a PNG', put('1', Buffer.from('hello, not a png at all')), 400, /not a PNG/],
      ['JSON instead', put('1', JSON.stringify({ a: 1 }), 'application/json'), 415, /image\/png/],
      ['other type (a body another site could send)', put('1', 'x', 'text/plain'), 403, /JSON body .* or a PNG/],
      ['too large', put('1', Buffer.alloc(5000, 1)), 413, /./],
      [
        'validation split',
        put(
          '2',
          scribblePng(() => 255),
        ),
        403,
        /training sequences/,
      ],
      [
        'unknown id',
        put(
          '55',
          scribblePng(() => 255),
        ),
        404,
        /not in/,
      ],
      [
        'traversal id',
        put(
          '..%2F..%2Fx',
          scribblePng(() => 255),
        ),
        400,
        /number/,
      ],
    ];
    for (const [what, request, status, message] of cases) {
      const r = await request;
      assert.equal(r.statusCode, status, `${what}: ${r.body}`);
      assert.match(JSON.parse(r.body).error, message, what);
    }
    assert.deepEqual(snapshot(data), before);
  });

  test('a scribble folder that is a symbolic link out of the dataset is not written through', async () => {
    const linked = join(dir, 'linked');
    writeTinyDataset(linked, { splits: { training: 1 } });
    const target = join(outside, 'scribble-target');
    mkdirSync(target);
    symlinkSync(target, join(linked, 'training', 'scribbles_annotator'));
    const s = buildServer({ data: linked });
    try {
      const r = await s.app.inject({
        method: 'PUT',
        url: '/api/sequences/0/scribble',
        headers: { 'content-type': 'image/png', ...SCRIPT },
        payload: scribblePng(() => 255),
      });
      assert.equal(r.statusCode, 403, r.body);
      assert.deepEqual(readdirSync(target), []);
    } finally {
      await s.app.close();
    }
  });

  test('path traversal: ../, encoded, absolute, symlinks out of the dataset or --runs are 4xx', async () => {
    const urls = [
      '/api/sequences/..%2F..%2F..%2Fetc%2Fpasswd/frames/0',
      '/api/sequences/%2Fetc%2Fpasswd/label',
      '/api/sequences/../../etc/passwd',
      '/api/sequences/..%252F..%252Fetc/minip',
      '/api/sequences/0/prediction?run=..%2Foutside%2Frun-out',
      '/api/sequences/0/prediction?run=%2Ftmp',
      '/api/sequences/0/prediction?run=evil',
      '/api/sequences/9/frames/0',
      '/..%2F..%2Fpackage.json',
      '/%2Fetc%2Fpasswd',
    ];
    for (const url of urls) {
      const r = await server.app.inject({ url });
      assert.ok(r.statusCode >= 400 && r.statusCode < 500, `${url}: ${r.statusCode} ${r.body}`);
      assert.doesNotMatch(r.body, /root:|PNG/, url);
    }
    const inferOut = await server.app.inject({
      method: 'POST',
      headers: SCRIPT,
      url: '/api/infer',
      payload: { run: '../outside/run-out', sequence: '0' },
    });
    assert.equal(inferOut.statusCode, 400);
    const viaLink = await server.app.inject({
      method: 'POST',
      headers: SCRIPT,
      url: '/api/infer',
      payload: { run: 'evil', sequence: '0' },
    });
    assert.equal(viaLink.statusCode, 403);
  });

  test('a folder of .npy stacks: ids are file names; ../ and a symlinked stack outside are refused', async () => {
    const folder = join(dir, 'npy');
    mkdirSync(folder);
    const stack = fromTypedArray(
      Float32Array.from({ length: 3 * 8 * 10 }, (_, i) => i * 0.5),
      [3, 8, 10],
    );
    saveNpy(join(folder, 'a.npy'), stack);
    saveNpy(join(outside, 'b.npy'), stack);
    stack.dispose();
    symlinkSync(join(outside, 'b.npy'), join(folder, 'b.npy'));
    const s = buildServer({ data: folder });
    try {
      const list = (await s.app.inject({ url: '/api/datastore' })).json().sequences;
      assert.deepEqual(
        list.map((e: { id: string; frames: number }) => [e.id, e.frames]),
        [
          ['a.npy', 3],
          ['b.npy', 0],
        ],
      );
      // Float values that are not whole numbers go raw as 16-bit with the offset and scale that give them back.
      const raw = await s.app.inject({ url: '/api/sequences/a.npy/frames/2?format=raw' });
      assert.equal(raw.headers['x-dias-bits'], '16');
      const [offset, scale] = [Number(raw.headers['x-dias-offset']), Number(raw.headers['x-dias-scale'])];
      const v = raw.rawPayload.readUInt16LE(2 * 13);
      assert.ok(Math.abs(offset + scale * v - (160 + 13) * 0.5) < scale, `${offset + scale * v}`);
      // Mask subtraction on request, by the readers' function: frame 0 against mask frame 2 (fractional values).
      const sub = await s.app.inject({ url: '/api/sequences/a.npy/frames/0?subtract=2&format=raw' });
      assert.equal(sub.headers['x-dias-mask-frame'], '2');
      assert.equal(sub.headers['x-dias-bits'], '16');
      const want = subtractMask(await readSequence(join(folder, 'a.npy')), { mask: 2 }).frames.subarray(0, 80);
      assert.ok(want.some((v) => v !== Math.round(v)));
      const [o, sc] = [Number(sub.headers['x-dias-offset']), Number(sub.headers['x-dias-scale'])];
      for (let i = 0; i < 80; i++)
        assert.ok(Math.abs(o + sc * sub.rawPayload.readUInt16LE(2 * i) - want[i]) <= sc, `pixel ${i}`);
      assert.equal((await s.app.inject({ url: '/api/sequences/a.npy/minip?subtract=x' })).statusCode, 400);
      assert.equal((await s.app.inject({ url: '/api/sequences/a.npy/minip?subtract=9' })).statusCode, 400);
      assert.equal((await s.app.inject({ url: '/api/sequences/b.npy/frames/0' })).statusCode, 403);
      assert.equal((await s.app.inject({ url: '/api/sequences/..%2Fdata%2Ftest/frames/0' })).statusCode, 400);
      assert.equal((await s.app.inject({ url: '/api/sequences/.hidden/frames/0' })).statusCode, 400);
    } finally {
      await s.app.close();
    }
  });

  test('prediction, error and metrics need a stored prediction and a run name', async () => {
    assert.equal((await server.app.inject({ url: '/api/sequences/0/prediction' })).statusCode, 400);
    const r = await server.app.inject({ url: '/api/sequences/0/prediction?run=r1' });
    assert.equal(r.statusCode, 404);
    assert.match(r.json().error, /POST \/api\/infer/);
    assert.equal((await server.app.inject({ url: '/api/sequences/0/error?run=nope' })).statusCode, 404);
    assert.equal((await server.app.inject({ url: '/api/sequences/0/metrics?run=r1&threshold=2' })).statusCode, 400);
  });

  test('the page: a note until packages/web is built, then its files; unknown paths are 404', async () => {
    const note = await server.app.inject({ url: '/' });
    assert.match(note.headers['content-type'] as string, /text\/html/);
    assert.match(note.body, /has not been built/);
    const web = join(dir, 'web');
    mkdirSync(join(web, 'assets'), { recursive: true });
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>viewer</title>');
    writeFileSync(join(web, 'assets', 'app.js'), 'console.log(1)');
    const s = buildServer({ data, webDir: web });
    try {
      assert.equal((await s.app.inject({ url: '/' })).body, '<!doctype html><title>viewer</title>');
      const js = await s.app.inject({ url: '/assets/app.js' });
      assert.match(js.headers['content-type'] as string, /text\/javascript/);
      assert.equal((await s.app.inject({ url: '/assets/none.js' })).statusCode, 404);
      assert.equal((await s.app.inject({ url: '/api/nothing' })).statusCode, 404);
    } finally {
      await s.app.close();
    }
  });
});

describe('dias serve: links, names, files changed on disk, broken folders', () => {
  const frameFolder = (path: string, value: number) => {
    mkdirSync(path, { recursive: true });
    for (let k = 0; k < 3; k++) writePng(join(path, `frame_${k}.png`), 8, 6, () => value + k);
  };

  test('a frame folder whose frames are links out, or whose frames.txt lists ../ or absolute paths out, is refused', async () => {
    const folder = join(dir, 'links');
    frameFolder(join(outside, 'frames'), 50);
    frameFolder(join(folder, 'fine'), 10);
    mkdirSync(join(folder, 'linked'));
    for (let k = 0; k < 3; k++)
      symlinkSync(join(outside, 'frames', `frame_${k}.png`), join(folder, 'linked', `frame_${k}.png`));
    mkdirSync(join(folder, 'listed-up'));
    writeFileSync(join(folder, 'listed-up', 'frames.txt'), '../../outside/frames/frame_0.png\n');
    mkdirSync(join(folder, 'listed-abs'));
    writeFileSync(join(folder, 'listed-abs', 'frames.txt'), `${join(outside, 'frames', 'frame_1.png')}\n`);
    mkdirSync(join(folder, 'listed-in'));
    frameFolder(join(folder, 'listed-in', 'x'), 20);
    writeFileSync(join(folder, 'listed-in', 'frames.txt'), 'x/frame_2.png\nx/frame_0.png\n');
    // An .npy stack whose frame-time sidecar is a link out of the dataset.
    const npy = fromTypedArray(new Float32Array(3 * 6 * 8), [3, 6, 8]);
    saveNpy(join(folder, 'timed.npy'), npy);
    npy.dispose();
    writeFileSync(join(outside, 'times.json'), '[0, 100, 200]');
    symlinkSync(join(outside, 'times.json'), join(folder, 'timed.frame_times.json'));
    const s = buildServer({ data: folder });
    try {
      const status = async (id: string) => (await s.app.inject({ url: `/api/sequences/${id}/frames/0` })).statusCode;
      assert.equal(await status('timed.npy'), 403, 'a linked frame-time sidecar');
      assert.equal(await status('fine'), 200);
      assert.equal(await status('listed-in'), 200, 'frames.txt inside the folder is read');
      for (const id of ['linked', 'listed-up', 'listed-abs']) {
        assert.equal(await status(id), 403, id);
        const r = await s.app.inject({ url: `/api/sequences/${id}/minip?format=raw` });
        assert.equal(r.statusCode, 403);
        assert.doesNotMatch(r.body, /\b5[0-2]\b/);
      }
    } finally {
      await s.app.close();
    }
  });

  test('a .history link in scribbles_annotator is not written through; files or broken links in the way are 409', async () => {
    const d = join(dir, 'history-link');
    writeTinyDataset(d, { splits: { training: 2, test: 1 } });
    const annot = join(d, 'training', 'scribbles_annotator');
    const s = buildServer({ data: d });
    const save = (id: string) =>
      s.app.inject({
        method: 'PUT',
        url: `/api/sequences/${id}/scribble`,
        headers: { 'content-type': 'image/png', ...SCRIPT },
        payload: scribblePng(() => 255),
      });
    try {
      assert.equal((await save('0')).statusCode, 200);
      const away = join(outside, 'history-target');
      mkdirSync(away);
      symlinkSync(away, join(annot, '.history'));
      const before = snapshot(d);
      const r = await save('0');
      assert.equal(r.statusCode, 409, r.body);
      assert.match(r.json().error, /\.history is a symbolic link, not a folder/);
      assert.deepEqual(readdirSync(away), [], 'nothing copied out of the dataset');
      assert.deepEqual(snapshot(d), before);
      // A dangling .history link and a scribbles_annotator that is a file: readable 409s, not raw EEXIST 500s.
      rmSync(join(annot, '.history'));
      symlinkSync(join(outside, 'nowhere'), join(annot, '.history'));
      const dangling = await save('0');
      assert.equal(dangling.statusCode, 409, dangling.body);
      rmSync(annot, { recursive: true });
      writeFileSync(annot, 'not a folder');
      const file = await save('1');
      assert.equal(file.statusCode, 409, file.body);
      assert.match(file.json().error, /scribbles_annotator is a file, not a folder; move it away/);
    } finally {
      await s.app.close();
    }
  });

  test('saves in the same millisecond keep every previous version under its own name', async (t) => {
    const d = join(dir, 'history-ms');
    writeTinyDataset(d, { splits: { training: 1 } });
    const s = buildServer({ data: d });
    try {
      const stamp = '2026-12-06T12:00:00.000Z';
      t.mock.method(Date.prototype, 'toISOString', () => stamp);
      for (let v = 0; v < 4; v++) {
        const r = await s.app.inject({
          method: 'PUT',
          url: '/api/sequences/0/scribble',
          headers: { 'content-type': 'image/png', ...SCRIPT },
          payload: scribblePng((x) => (x === v ? 1 : 255)),
        });
        assert.equal(r.statusCode, 200, r.body);
      }
      const history = join(d, 'training', 'scribbles_annotator', '.history');
      const kept = readdirSync(history).sort();
      assert.equal(kept.length, 3, kept.join(', '));
      // Each kept file is one earlier version: vessel pixel at x = 0, 1, 2.
      const vessels = kept
        .map((f) => decodeGrayPng(readFileSync(join(history, f))).data.indexOf(1))
        .sort((a, b) => a - b);
      assert.deepEqual(vessels, [0, 1, 2]);
    } finally {
      await s.app.close();
    }
  });

  test('a label or frame replaced on disk is served anew, not from the cache', async () => {
    const d = join(dir, 'stale');
    writeTinyDataset(d, { splits: { training: 1 } });
    const s = buildServer({ data: d });
    try {
      const label = async () => decodeGrayPng((await s.app.inject({ url: '/api/sequences/0/label' })).rawPayload).data;
      const frame = async () => (await s.app.inject({ url: '/api/sequences/0/frames/1?format=raw' })).rawPayload;
      const [label0, frame0] = [await label(), await frame()];
      assert.ok(label0.some((v) => v === 255));
      writePng(join(d, 'training', 'labels', 'label_s0.png'), W, H, () => 0);
      writePng(join(d, 'training', 'images', 'image_s0_i1.png'), W, H, () => 77);
      assert.ok(
        (await label()).every((v) => v === 0),
        'the new label',
      );
      assert.ok(
        [...(await frame())].every((v) => v === 77),
        'the new frame',
      );
      assert.notDeepEqual(frame0, await frame());
    } finally {
      await s.app.close();
    }
  });

  test('listing a folder again reads no sequence that did not change; one that changed is read again', async () => {
    const folder = join(dir, 'relist');
    mkdirSync(folder);
    const stack = (frames: number) => {
      const t = fromTypedArray(new Float32Array(frames * 6 * 8).fill(3), [frames, 6, 8]);
      return t;
    };
    for (const name of ['a.npy', 'b.npy', 'c.npy', 'd.npy', 'e.npy']) {
      const t = stack(3);
      saveNpy(join(folder, name), t);
      t.dispose();
    }
    // Whole seconds, so that setting the time again below gives exactly the same modification time.
    const when = 1_700_000_000;
    utimesSync(join(folder, 'a.npy'), when, when);
    const s = buildServer({ data: folder });
    try {
      const frames = async () =>
        Object.fromEntries(
          (await s.app.inject({ url: '/api/datastore' }))
            .json()
            .sequences.map((e: { id: string; frames: number }) => [e.id, e.frames]),
        );
      assert.deepEqual(await frames(), { 'a.npy': 3, 'b.npy': 3, 'c.npy': 3, 'd.npy': 3, 'e.npy': 3 });
      // Same size, same modification time, unreadable bytes: a listing that read the file again would fail on it.
      const a = join(folder, 'a.npy');
      writeFileSync(a, Buffer.alloc(statSync(a).size, 0x41));
      utimesSync(a, when, when);
      assert.equal((await frames())['a.npy'], 3, 'a.npy was not read again');
      // A file that did change is read again.
      const t = stack(5);
      saveNpy(join(folder, 'b.npy'), t);
      t.dispose();
      assert.equal((await frames())['b.npy'], 5);
    } finally {
      await s.app.close();
    }
  });

  test('a folder: ids are whole names (tiny.npy and tiny/ apart, Unicode kept); what is left out is listed with why', async () => {
    const folder = join(dir, 'names');
    mkdirSync(folder);
    const stack = fromTypedArray(
      Float32Array.from({ length: 3 * 6 * 8 }, (_, i) => i % 7),
      [3, 6, 8],
    );
    for (const name of ['tiny.npy', 'pätient,1.npy', '.hidden.npy']) saveNpy(join(folder, name), stack);
    stack.dispose();
    frameFolder(join(folder, 'tiny'), 30);
    writeFileSync(join(folder, 'notes.txt'), 'not a sequence');
    const s = buildServer({ data: folder });
    try {
      const listing = (await s.app.inject({ url: '/api/datastore' })).json();
      assert.deepEqual(
        listing.sequences.map((e: { id: string }) => e.id),
        ['pätient,1.npy', 'tiny', 'tiny.npy'],
      );
      assert.deepEqual(
        listing.skipped.map((e: { name: string; reason: string }) => [
          e.name,
          /hidden|not a sequence file/.test(e.reason),
        ]),
        [
          ['.hidden.npy', true],
          ['notes.txt', true],
        ],
      );
      const enc = encodeURIComponent('pätient,1.npy');
      assert.equal((await s.app.inject({ url: `/api/sequences/${enc}/frames/0` })).statusCode, 200);
      // One scribble file per sequence: tiny.npy's and tiny/'s are two files with their own content.
      for (const [id, x] of [
        ['tiny.npy', 1],
        ['tiny', 2],
      ] as const) {
        const r = await s.app.inject({
          method: 'PUT',
          url: `/api/sequences/${id}/scribble`,
          headers: { 'content-type': 'image/png', ...SCRIPT },
          payload: scribblePng((px) => (px === x ? 1 : 255), 8, 6),
        });
        assert.equal(r.statusCode, 200, r.body);
      }
      for (const [id, x] of [
        ['tiny.npy', 1],
        ['tiny', 2],
      ] as const) {
        const png = decodeGrayPng((await s.app.inject({ url: `/api/sequences/${id}/scribble` })).rawPayload);
        assert.equal(png.data.indexOf(1), x, id);
      }
      assert.notEqual(outputStem(s.datastore, 'tiny.npy'), outputStem(s.datastore, 'tiny'));
      assert.notEqual(outputStem(s.datastore, 'a b'), outputStem(s.datastore, 'a_b'));
      assert.equal(decodeURIComponent(outputStem(s.datastore, 'pätient,1.npy')), 'pätient,1.npy');
    } finally {
      await s.app.close();
    }
  });

  test('a 1-bit scribble PNG is read by its levels: 0 background, 1 vessel', async () => {
    const d = join(dir, 'one-bit');
    writeTinyDataset(d, { splits: { training: 1 } });
    const s = buildServer({ data: d });
    try {
      // Bits packed MSB first, each row padded to a byte: vessel on the diagonal, background elsewhere.
      const rowBytes = Math.ceil(W / 8);
      const packed = new Uint8Array(rowBytes * H);
      for (let y = 0; y < H; y++) packed[y * rowBytes + (y >> 3)] |= 0x80 >> (y & 7);
      const r = await s.app.inject({
        method: 'PUT',
        url: '/api/sequences/0/scribble',
        headers: { 'content-type': 'image/png', ...SCRIPT },
        payload: Buffer.from(encode({ width: W, height: H, data: packed, channels: 1, depth: 1 })),
      });
      assert.equal(r.statusCode, 200, r.body);
      assert.deepEqual(r.json().counts, { vessel: H, background: W * H - H, unlabelled: 0 });
      const saved = decodeGrayPng(readFileSync(join(d, 'training', 'scribbles_annotator', 'label_s0.png'))).data;
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) assert.equal(saved[y * W + x], x === y ? 1 : 0);
    } finally {
      await s.app.close();
    }
  });

  test('a broken run config.json, a malformed token cookie: readable 4xx, not 500', async () => {
    const d = join(dir, 'broken-run');
    writeTinyDataset(d, { splits: { training: 1 } });
    const r = join(dir, 'broken-runs');
    mkdirSync(join(r, 'bad'), { recursive: true });
    writeFileSync(join(r, 'bad', 'config.json'), '{ not json');
    const s = buildServer({ data: d, runs: r });
    try {
      const info = (await s.app.inject({ url: '/api/info' })).json();
      assert.deepEqual(info.runs, []);
      assert.equal(info.brokenRuns[0].name, 'bad');
      assert.match(info.brokenRuns[0].error, /config\.json: not valid JSON/);
      const pred = await s.app.inject({ url: '/api/sequences/0/prediction?run=bad' });
      assert.equal(pred.statusCode, 422, pred.body);
      assert.match(pred.json().error, /run 'bad': .*config\.json: not valid JSON/);
      const infer = await s.app.inject({
        method: 'POST',
        url: '/api/infer',
        headers: SCRIPT,
        payload: { run: 'bad', sequence: '0' },
      });
      assert.equal(infer.statusCode, 422, infer.body);
    } finally {
      await s.app.close();
    }
    const t = buildServer({ data: d, token: 'a-long-token-123' });
    try {
      for (const cookie of ['dias_token=%', 'dias_token=%E0%A4%A'])
        assert.equal((await t.app.inject({ url: '/api/info', headers: { cookie } })).statusCode, 401, cookie);
    } finally {
      await t.app.close();
    }
  });
});

describe('dias serve: access', () => {
  test('requests another site can make a browser send are refused and change nothing; the page and scripts pass', async () => {
    const s = buildServer({ data, runs });
    try {
      // A running job whose cancel is recorded: what a cross-site POST to /cancel would stop.
      let cancels = 0;
      const job = s.jobs.create('train', { run: 'victim' });
      job.cancel = () => void cancels++;
      const cancelUrl = `/api/jobs/${job.id}/cancel`;
      const evil = 'http://evil.example';
      // The simple requests of the Fetch standard: no preflight, so a foreign page can send them blind.
      const simple: [string, Record<string, string>, string | undefined][] = [
        ['no body', {}, undefined],
        ['text/plain', { 'content-type': 'text/plain', origin: evil }, '{}'],
        ['form', { 'content-type': 'application/x-www-form-urlencoded', origin: evil }, 'a=1'],
        ['multipart', { 'content-type': 'multipart/form-data; boundary=x', origin: evil }, '--x--\r\n'],
        ['no-cors text/plain, no Origin', { 'content-type': 'text/plain' }, '{}'],
        ['JSON without the header', { 'content-type': 'application/json' }, '{}'],
        ['JSON + header from another origin', { 'content-type': 'application/json', ...SCRIPT, origin: evil }, '{}'],
        [
          'JSON + header marked cross-site',
          { 'content-type': 'application/json', ...SCRIPT, 'sec-fetch-site': 'cross-site' },
          '{}',
        ],
        ['Origin null (sandboxed frame)', { 'content-type': 'application/json', ...SCRIPT, origin: 'null' }, '{}'],
      ];
      for (const [what, headers, payload] of simple) {
        const r = await s.app.inject({ method: 'POST', url: cancelUrl, headers, payload });
        assert.equal(r.statusCode, 403, `${what}: ${r.body}`);
        assert.equal(r.headers['access-control-allow-origin'], undefined, what);
      }
      const preflight = await s.app.inject({
        method: 'OPTIONS',
        url: cancelUrl,
        headers: { origin: evil, 'access-control-request-method': 'POST' },
      });
      assert.ok(preflight.statusCode >= 400, `preflight ${preflight.statusCode}`);
      assert.equal(preflight.headers['access-control-allow-origin'], undefined);
      assert.equal(cancels, 0, 'no refused request cancelled the job');
      assert.ok(job.running);
      // A scribble PUT and reads from another site: refused, nothing written.
      const before = snapshot(data);
      for (const headers of [
        { 'content-type': 'image/png', origin: evil },
        { 'content-type': 'image/png', ...SCRIPT, 'sec-fetch-site': 'same-site' },
        { 'content-type': 'text/plain', 'sec-fetch-site': 'cross-site' },
      ]) {
        const r = await s.app.inject({
          method: 'PUT',
          url: '/api/sequences/0/scribble',
          headers,
          payload: scribblePng(() => 255),
        });
        assert.equal(r.statusCode, 403, JSON.stringify(headers));
      }
      assert.deepEqual(snapshot(data), before);
      for (const url of ['/api/next', '/api/sequences/0/frames/0', '/api/info'])
        assert.equal((await s.app.inject({ url, headers: { 'sec-fetch-site': 'cross-site' } })).statusCode, 403, url);
      assert.equal((await s.app.inject({ url: '/api/info', headers: { origin: evil } })).statusCode, 403);
      // The page (its own Origin, or Sec-Fetch-Site: same-origin) and scripts (the header) pass.
      assert.equal(
        (await s.app.inject({ url: '/api/info', headers: { 'sec-fetch-site': 'same-origin' } })).statusCode,
        200,
      );
      const own = await s.app.inject({
        method: 'POST',
        url: cancelUrl,
        headers: { 'content-type': 'application/json', origin: 'http://localhost:80' },
        payload: '{}',
      });
      assert.equal(own.statusCode, 200, own.body);
      assert.equal(cancels, 1);
      const script = await s.app.inject({ method: 'POST', url: cancelUrl, headers: SCRIPT, payload: {} });
      assert.equal(script.statusCode, 200, script.body);
      assert.equal(cancels, 2);
      job.finish('cancelled', null);
    } finally {
      await s.app.close();
    }
  });

  test('bodies and queries are closed: an unknown or misspelt key is a 400 naming it, nothing done', async () => {
    const cases: [string, string, unknown, RegExp][] = [
      ['POST', '/api/train', { recipe: 'fsl', epoch: 1, patches_per_epoch: 16 }, /unknown key 'epoch'.*known: recipe/],
      ['POST', '/api/infer', { run: 'r1', sequence: '0', moed: 'full' }, /unknown key 'moed'/],
      ['POST', '/api/infer', { run: 'r1', sequence: '0', mode: 'slow' }, /mode must be one of fast, full/],
      ['POST', '/api/next/predict', { rnu: 'r1' }, /unknown key 'rnu'/],
      ['GET', '/api/sequences/0/frames/0?fromat=raw', undefined, /query: unknown key 'fromat'/],
      ['GET', '/api/sequences/0/metrics?run=r1&treshold=0.3', undefined, /unknown key 'treshold'/],
      ['GET', '/api/sequences/0/metrics?run=r1&threshold=', undefined, /threshold must be a number/],
      ['GET', '/api/sequences/0/error?run=r1&threshold=', undefined, /threshold must be a number/],
      ['GET', '/api/info?x=1', undefined, /query: unknown key 'x' \(it takes none\)/],
    ];
    const before = snapshot(runs);
    for (const [method, url, payload, message] of cases) {
      const r = await server.app.inject({
        method: method as 'GET' | 'POST',
        url,
        ...(payload === undefined ? {} : { headers: SCRIPT, payload: payload as Record<string, unknown> }),
      });
      assert.equal(r.statusCode, 400, `${method} ${url}: ${r.body}`);
      assert.match(r.json().error, message, url);
    }
    assert.deepEqual(snapshot(runs), before, 'no run folder was made');
    assert.equal(server.jobs.list().filter((j) => j.kind === 'train').length, 0);
  });

  test('with a token: 401 without or with a wrong one; Bearer, X-Dias-Token and the cookie pass; /?token= sets the cookie', async () => {
    const token = 'correct-horse-battery';
    const s = buildServer({ data, token });
    try {
      assert.equal((await s.app.inject({ url: '/api/info' })).statusCode, 401);
      assert.equal(
        (await s.app.inject({ url: '/api/info', headers: { authorization: 'Bearer wrong-token-123' } })).statusCode,
        401,
      );
      assert.equal(
        (await s.app.inject({ url: '/api/info', headers: { authorization: `Bearer ${token}` } })).statusCode,
        200,
      );
      assert.equal((await s.app.inject({ url: '/api/info', headers: { 'x-dias-token': token } })).statusCode, 200);
      assert.equal(
        (await s.app.inject({ url: '/api/info', headers: { cookie: `a=b; dias_token=${token}` } })).statusCode,
        200,
      );
      const before = snapshot(data);
      assert.equal(
        (
          await s.app.inject({
            method: 'PUT',
            url: '/api/sequences/1/scribble',
            headers: { 'content-type': 'image/png', ...SCRIPT },
            payload: scribblePng(() => 255),
          })
        ).statusCode,
        401,
      );
      assert.deepEqual(snapshot(data), before);
      const login = await s.app.inject({ url: `/?token=${token}` });
      assert.equal(login.statusCode, 303);
      assert.match(
        String(login.headers['set-cookie']),
        /^dias_token=correct-horse-battery; .*HttpOnly; SameSite=Strict/,
      );
      assert.equal((await s.app.inject({ url: '/?token=nope' })).statusCode, 401);
    } finally {
      await s.app.close();
    }
  });

  test('without a token: only loopback Host names are answered (DNS rebinding)', async () => {
    const s = buildServer({ data });
    try {
      assert.equal((await s.app.inject({ url: '/api/info', headers: { host: '127.0.0.1:8765' } })).statusCode, 200);
      assert.equal((await s.app.inject({ url: '/api/info', headers: { host: '[::1]:8765' } })).statusCode, 200);
      assert.equal((await s.app.inject({ url: '/api/info', headers: { host: 'evil.example:8765' } })).statusCode, 403);
    } finally {
      await s.app.close();
    }
  });

  test('a non-local bind without a token refuses to start (exit 2); with one it listens; tokens compare exactly', async (t) => {
    assert.match(bindProblem('0.0.0.0', undefined)!, /--token/);
    assert.equal(bindProblem('127.0.0.1', undefined), undefined);
    assert.equal(bindProblem('0.0.0.0', 'a-token-value'), undefined);
    assert.ok(
      isLoopbackHost('::1') &&
        isLoopbackHost('localhost') &&
        isLoopbackHost('127.0.0.2') &&
        !isLoopbackHost('10.0.0.1'),
    );
    await assert.rejects(
      startServer({ data, host: '0.0.0.0', port: 0 }),
      (e: Error & { exitCode?: number }) => e.exitCode === 2 && /not a loopback/.test(e.message),
    );
    await assert.rejects(serveCommand.run(['--data', data, '--host', '192.168.1.5', '--port', '0']), UsageError);
    await assert.rejects(serveCommand.run(['--data', join(dir, 'missing')]), UsageError);
    await assert.rejects(serveCommand.run(['--data', data, '--port', '99999']), UsageError);
    assert.ok(tokenMatches('abc', 'abc') && !tokenMatches('abd', 'abc') && !tokenMatches('abcd', 'abc'));
    // A loopback bind listens and prints a URL that works.
    const s = await startServer({ data, host: '127.0.0.1', port: 0, token: 'a-token-value' });
    try {
      assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=a-token-value$/);
      const r = await fetch(s.url.replace(/\?.*/, 'api/info'), { headers: { authorization: 'Bearer a-token-value' } });
      assert.equal(r.status, 200);
    } finally {
      await s.app.close();
    }
    t.mock.method(console, 'log', () => {});
  });
});

test('failed jobs and server errors name no path outside the served folders', () => {
  const inside = join(data, 'training', 'images', 'image_s0_i0.png');
  const message = `open /root/.ssh/id_rsa: EACCES; ${inside}: truncated; '/etc/passwd' (/tmp/elsewhere.png), ${runs}/r1.`;
  const out = confineMessage(message, [data, runs]);
  for (const gone of ['/root/.ssh', '/etc/passwd', '/tmp/elsewhere.png']) assert.ok(!out.includes(gone), out);
  assert.ok(out.includes(inside) && out.includes(`${runs}/r1`), out);
  const jobs = new JobRegistry(10, (m) => confineMessage(m, [data]));
  const job = jobs.create('train', {});
  let seen: unknown = null;
  job.subscribe((e) => (seen = e.data));
  job.finish('failed', { error: 'cannot read /root/.ssh/config' });
  assert.equal(job.error, `cannot read ${OUTSIDE}`);
  assert.deepEqual(seen, { error: `cannot read ${OUTSIDE}` }, 'the SSE event too');
});

test('encodeGrayPng keeps the scribble values 0, 1 and 255 exactly', () => {
  const img = decodeGrayPng(encodeGrayPng(3, 1, [0, 1, 255]));
  assert.deepEqual(Array.from(img.data), [0, 1, 255]);
});
