// `dias segment` on an NPY stack and on a folder of frames: the outputs exist, the saved probability map is what
// predictSequence gives with the same weights, the mask is its threshold; --fast; the errors a user meets.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromTypedArray, loadNpy, saveNpy } from '@dias-ts/torch';
import { readGrayPng } from '../src/image/png.js';
import { predictSequence } from '../src/predict/predictor.js';
import { readSequence } from '../src/data/readers/read-sequence.js';
import { segmentCommand } from '../src/cli/segment.js';
import { defaultModelDir } from '../src/predict/default-model.js';
import { inferenceModelLoads, loadWeightsForInference } from '../src/cli/inference-flags.js';
import { UsageError } from '../src/cli/command.js';
import { tempDir, writePng } from './data-fixture.js';
import { frameGrey, writeTinyRun } from './eval-fixture.js';
import { writeDicom } from './dicom-writer.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const { dir, cleanup } = tempDir('dias-segment-cli-');
const run = join(dir, 'run');
const npy = join(dir, 'stack.npy');
const folder = join(dir, 'frames');
const [T, H, W] = [6, 40, 72];
after(cleanup);

function dias(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--conditions=dias-source', '--import', 'tsx', MAIN, 'segment', ...args], {
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function readProb(path: string): Float32Array {
  const t = loadNpy(path);
  assert.deepEqual(t.shape, [H, W]);
  const v = t.toTypedArray() as Float32Array;
  t.dispose();
  return v;
}

/** What predictSequence gives for this input with the run's best weights. */
async function reference(
  input: string,
  options: { stride?: number; tta?: boolean; subtract?: 'auto'; scheme?: 'whole' } = {},
): Promise<Float32Array> {
  const m = loadWeightsForInference(join(run, 'checkpoint_best.safetensors'));
  const { subtract, ...predict } = options;
  const prob = predictSequence(m.model, m.spec, await readSequence(input, { subtract }), {
    frames: m.frames,
    ...predict,
  });
  m.model.dispose();
  return prob;
}

function assertClose(a: Float32Array, b: Float32Array): void {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  assert.ok(d < 1e-6, `max difference ${d}`);
}

describe('dias segment', () => {
  before(() => {
    // 6 frames in, the run's model takes 8: segment resamples along time.
    writeTinyRun(run, { frames: 8, dataDir: dir });
    const frames = new Float32Array(T * H * W);
    for (let k = 0; k < T; k++)
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) frames[(k * H + y) * W + x] = frameGrey(1, k, T)(x, y);
    const t = fromTypedArray(frames, [T, H, W]);
    saveNpy(npy, t);
    t.dispose();
    for (let k = 0; k < T; k++) writePng(join(folder, `frame_${k}.png`), W, H, frameGrey(2, k, T));
  });

  test("an NPY stack: mask, probability (NPY, PNG) and overlay; the map is predictSequence's; time and peak RSS printed", async () => {
    const out = join(dir, 'out-npy');
    const r = dias('--run', run, npy, '--out', out, '--no-progress');
    assert.equal(r.code, 0, r.stderr);
    for (const f of ['stack_mask.png', 'stack_prob.npy', 'stack_prob.png', 'stack_overlay.png'])
      assert.ok(existsSync(join(out, f)), f);
    assert.ok(!existsSync(join(out, 'stack_error.png')), 'no label, no error map');
    assert.match(r.stdout, /6 frame\(s\) of 72x40 \(resampled to 8\)/);
    assert.match(r.stdout, /time: [\d.]+ s .*peak RSS [\d.]+ MB/);
    const prob = readProb(join(out, 'stack_prob.npy'));
    assertClose(prob, await reference(npy));
    const mask = readGrayPng(join(out, 'stack_mask.png')).data;
    assert.deepEqual(
      Array.from(mask),
      Array.from(prob, (p) => (p >= 0.5 ? 255 : 0)),
    );
  });

  test('a frame folder with --fast and --json: the whole image without TTA, the JSON names the files', async (t) => {
    const out = join(dir, 'out-folder');
    const log = t.mock.method(console, 'log', () => {});
    t.mock.method(console, 'error', () => {});
    assert.equal(
      await segmentCommand.run([
        '--weights',
        join(run, 'checkpoint_best.safetensors'),
        folder,
        '--out',
        out,
        '--fast',
        '--json',
        '--no-progress',
      ]),
      0,
    );
    const calls = log.mock.calls;
    const json = JSON.parse(calls[calls.length - 1].arguments[0] as string);
    assert.equal(json.format, 'frame-folder');
    assert.equal(json.scheme, 'whole');
    assert.equal(json.stride, null);
    assert.equal(json.tta, false);
    assert.deepEqual([json.frames, json.height, json.width], [T, H, W]);
    assert.ok(json.peak_rss_mb > 0 && json.seconds.total > 0);
    assert.equal(json.files.maskPng, join(out, 'frames_mask.png'));
    for (const f of Object.values(json.files)) assert.ok(existsSync(f as string), String(f));
    assertClose(readProb(json.files.probNpy), await reference(folder, { scheme: 'whole', tta: false }));
  });

  test('several inputs: the model is loaded once, each input gets its outputs and its JSON line', async (t) => {
    const out = join(dir, 'out-many');
    const log = t.mock.method(console, 'log', () => {});
    t.mock.method(console, 'error', () => {});
    const loads = inferenceModelLoads();
    const args = ['--run', run, npy, folder, '--out', out, '--fast', '--json', '--no-progress'];
    assert.equal(await segmentCommand.run(args), 0);
    assert.equal(inferenceModelLoads() - loads, 1);
    const lines = log.mock.calls.map((c) => JSON.parse(c.arguments[0] as string) as Record<string, unknown>);
    assert.deepEqual(
      lines.map((l) => l.input),
      [npy, folder],
    );
    const seconds = lines.map((l) => l.seconds as { load: number; predict: number });
    assert.ok(seconds.every((s) => s.predict > 0));
    assertClose(readProb(join(out, 'stack_prob.npy')), await reference(npy, { scheme: 'whole', tta: false }));
    assertClose(readProb(join(out, 'frames_prob.npy')), await reference(folder, { scheme: 'whole', tta: false }));
    // One model load per command, not per input: three commands, three loads.
    const before = inferenceModelLoads();
    for (const input of [npy, folder, npy])
      assert.equal(
        await segmentCommand.run(['--run', run, input, '--out', out, '--fast', '--overwrite', '--no-progress']),
        0,
      );
    assert.equal(inferenceModelLoads() - before, 3);
    // The same input twice would write the same files: refused before its outputs are written.
    await assert.rejects(
      segmentCommand.run(['--run', run, npy, npy, '--out', join(dir, 'out-twice'), '--no-progress']),
      /outputs would be named stack_\*, as those of an earlier INPUT/,
    );
  });

  test('without --run or --weights: the shipped default model (models/default), loaded from its safetensors', async (t) => {
    const dirOf = defaultModelDir();
    assert.ok(dirOf, 'the repository ships packages/dias/models/default/model.safetensors');
    assert.ok(existsSync(join(dirOf, 'CARD.md')), 'with its training card');
    const log = t.mock.method(console, 'log', () => {});
    t.mock.method(console, 'error', () => {});
    const out = join(dir, 'out-default');
    assert.equal(await segmentCommand.run([npy, '--out', out, '--fast', '--json', '--no-progress']), 0);
    const calls = log.mock.calls;
    const json = JSON.parse(calls[calls.length - 1].arguments[0] as string);
    assert.equal(json.weights, join(dirOf, 'model.safetensors'));
    const m = loadWeightsForInference(json.weights);
    const want = predictSequence(m.model, m.spec, await readSequence(npy), {
      frames: m.frames,
      scheme: 'whole',
      tta: false,
    });
    m.model.dispose();
    assertClose(readProb(json.files.probNpy), want);
  });

  test('--scheme whole without --fast: the whole-image map; --stride, --tile and --scheme are checked', async (t) => {
    t.mock.method(console, 'log', () => {});
    t.mock.method(console, 'error', () => {});
    const out = join(dir, 'out-scheme');
    const args = ['--run', run, npy, '--out', out, '--scheme', 'whole', '--no-tta', '--no-progress', '--overwrite'];
    assert.equal(await segmentCommand.run(args), 0);
    assertClose(readProb(join(out, 'stack_prob.npy')), await reference(npy, { scheme: 'whole', tta: false }));
    const rejects = (extra: string[], pattern: RegExp) =>
      assert.rejects(
        segmentCommand.run([...args, ...extra]),
        (e: Error) => e instanceof UsageError && pattern.test(e.message),
      );
    await rejects(['--stride', '32'], /--stride goes with --scheme sliding/);
    await rejects(['--tile', '64'], /--tile must be at least 128/);
    await assert.rejects(
      segmentCommand.run(['--run', run, npy, '--out', out, '--tile', '256']),
      /--tile goes with --scheme whole/,
    );
    await assert.rejects(
      segmentCommand.run([...args.slice(0, 5), '--scheme', 'patches']),
      /--scheme must be sliding or whole/,
    );
  });

  test('a DICOM cine: a note when it is not marked SUBTRACTED, --subtract auto makes it DSA first', async (t) => {
    // 5 native 16-bit frames; the "vessel" darkens from frame 2 on over a bright, slightly textured background.
    const frames = new Uint8Array(5 * H * W * 2);
    const view = new DataView(frames.buffer);
    for (let k = 0; k < 5; k++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          view.setUint16(
            2 * ((k * H + y) * W + x),
            3000 + ((x * 7 + y * 3) % 50) - (k >= 2 && Math.abs(x - y) < 2 ? 1500 : 0),
            true,
          );
        }
    const dcm = join(dir, 'cine.dcm');
    writeFileSync(
      dcm,
      writeDicom({
        '00080016': { vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.12.1' },
        '00080060': { vr: 'CS', value: 'XA' },
        '00080008': { vr: 'CS', value: 'ORIGINAL\\PRIMARY\\SINGLE PLANE' },
        '00280002': { vr: 'US', value: [1] },
        '00280004': { vr: 'CS', value: 'MONOCHROME2' },
        '00280008': { vr: 'IS', value: '5' },
        '00280010': { vr: 'US', value: [H] },
        '00280011': { vr: 'US', value: [W] },
        '00280100': { vr: 'US', value: [16] },
        '00280101': { vr: 'US', value: [12] },
        '00280102': { vr: 'US', value: [11] },
        '00280103': { vr: 'US', value: [0] },
        '7fe00010': { vr: 'OW', value: frames },
      }),
    );
    t.mock.method(console, 'log', () => {});
    const err = t.mock.method(console, 'error', () => {});
    const out = join(dir, 'out-dicom');
    assert.equal(await segmentCommand.run(['--run', run, dcm, '--out', out, '--fast', '--no-progress']), 0);
    assert.match(
      err.mock.calls.map((c) => String(c.arguments[0])).join('\n'),
      /cine\.dcm is not marked SUBTRACTED; .*--subtract auto/,
    );
    assert.equal(
      await segmentCommand.run([
        '--run',
        run,
        dcm,
        '--out',
        out,
        '--fast',
        '--subtract',
        'auto',
        '--overwrite',
        '--no-progress',
      ]),
      0,
    );
    for (const f of ['cine_mask.png', 'cine_prob.npy', 'cine_prob.png', 'cine_overlay.png'])
      assert.ok(existsSync(join(out, f)), f);
    const subtracted = readProb(join(out, 'cine_prob.npy'));
    assertClose(subtracted, await reference(dcm, { scheme: 'whole', tta: false, subtract: 'auto' }));
  });

  test('missing input, run, weights or checkpoint: exit 2 with the path and the problem', () => {
    const out = join(dir, 'out-err');
    const noInput = dias('--run', run, join(dir, 'nothing.npy'), '--out', out);
    assert.equal(noInput.code, 2);
    assert.match(noInput.stderr, /nothing\.npy: no such file or folder/);
    const noRun = dias('--run', join(dir, 'no-run'), npy, '--out', out);
    assert.equal(noRun.code, 2);
    assert.match(noRun.stderr, /--run .*no-run: no such run folder/);
    assert.ok(!existsSync(out), 'nothing written');
  });

  test('flag errors', async () => {
    const rejects = (args: string[], pattern: RegExp) =>
      assert.rejects(segmentCommand.run(args), (e: Error) => e instanceof UsageError && pattern.test(e.message));
    await rejects(['--run', run, '--out', dir], /at least one INPUT/);
    await rejects(['--run', run, npy], /--out DIR is required/);
    await rejects(
      ['--run', run, '--weights', join(run, 'checkpoint_best.safetensors'), npy, '--out', dir],
      /either --run RUN or --weights FILE, not both/,
    );
    await rejects([npy, '--out', dir, '--checkpoint', 'final'], /--checkpoint goes with --run/);
    await rejects(
      ['--weights', join(dir, 'w.safetensors'), npy, '--out', dir],
      /--weights .*w\.safetensors: no such file/,
    );
    await rejects(['--run', run, '--checkpoint', 'final', npy, '--out', npy], /--out .*exists and is not a folder/);
    await rejects(['--run', run, npy, '--out', dir, '--threshold', '2'], /--threshold must be a number in \[0, 1\]/);
    await rejects(
      ['--run', run, npy, '--out', dir, '--subtract', 'first'],
      /--subtract must be 'auto' or a frame index/,
    );
    mkdirSync(join(dir, 'empty-run'));
    await rejects(['--run', join(dir, 'empty-run'), npy, '--out', dir], /not a run folder \(no config\.json\)/);
  });
});
