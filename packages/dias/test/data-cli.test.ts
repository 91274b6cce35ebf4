// `dias data check` and `dias data show` end to end: the integrity report on a sound and on a broken DIAS
// folder (every problem listed, exit code 1), and contact sheets of the expected size and colours.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode } from 'fast-png';
import { dataCommand } from '../src/cli/data.js';
import { contactSheetLayout } from '../src/eval/contact-sheet.js';
import { UsageError } from '../src/cli/command.js';
import { tempDir, writeDiasSequences, writePng } from './data-fixture.js';
import { sharedPath } from '../../../test-support/shared-data.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const XCA = sharedPath('data/xca-cimat40');

/** The real CLI in a child process (exit codes as the shell sees them); about a second per call. */
function diasProcess(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--conditions=dias-source', '--import', 'tsx', MAIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The data command in this process, its console output captured. */
async function dias(...args: string[]): Promise<{ code: number; stdout: string }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...parts: unknown[]) => void lines.push(parts.join(' '));
  try {
    const code = await dataCommand.run(args.slice(1));
    return { code, stdout: lines.join('\n') };
  } finally {
    console.log = log;
  }
}

describe('dias data', () => {
  const { dir, cleanup } = tempDir();
  const good = join(dir, 'good');
  const bad = join(dir, 'bad');
  before(() => {
    const sequences = [
      { split: 'training', id: 3, frames: 5, label: true, scribbleSet: 'scribbles' },
      { split: 'training', id: 4, frames: 8, label: true, scribbleSet: 'scribbles' },
      { split: 'validation', id: 9, frames: 8, label: true },
      { split: 'test', id: 10, frames: 6, label: true, size: [8, 5] as [number, number] },
      { split: 'unlabelled', id: 30, frames: 4 },
    ];
    writeDiasSequences(good, sequences);
    writeDiasSequences(bad, sequences);
    writeFileSync(join(bad, 'training', 'images', 'image_s3_i1.png'), 'corrupt');
    writePng(join(bad, 'training', 'images', 'image_s4_i5.png'), 7, 4, () => 50);
    writePng(join(bad, 'validation', 'labels', 'label_s9.png'), 6, 4, (x) => (x === 1 ? 128 : 0));
    writePng(join(bad, 'test', 'labels', 'label_s10.png'), 6, 4, () => 0);
    writePng(join(bad, 'training', 'scribbles', 'label_s4.png'), 6, 4, () => 7);
    writePng(join(bad, 'test', 'labels', 'label_s11.png'), 8, 5, () => 0);
  });
  after(cleanup);

  test('check: a sound dataset, summarised per split, exit code 0', async () => {
    const r = await dias('data', 'check', good, '--json');
    assert.equal(r.code, 0, r.stdout);
    const report = JSON.parse(r.stdout);
    assert.equal(report.ok, true);
    assert.equal(report.format, 'dias');
    assert.deepEqual(report.splits.training.frameCounts, { 5: 1, 8: 1 });
    assert.deepEqual(report.splits.training.labelValues, [0, 255]);
    assert.deepEqual(report.splits.training.scribbles, { scribbles: { count: 2, values: [0, 1, 255] } });
    assert.deepEqual(report.splits.test.sizes, { '8x5': 1 });
    assert.equal(report.splits.unlabelled.sequences, 1);
    assert.equal(report.splits.unlabelled.labels, 0);
    const text = await dias('data', 'check', good);
    assert.match(text.stdout, /training: 2 sequences, 2 labels/);
    assert.match(text.stdout, /no problems found/);
  });

  test('check: every problem of a broken dataset is listed, exit code 1', async () => {
    const r = await dias('data', 'check', bad, '--json');
    assert.equal(r.code, 1);
    const report = JSON.parse(r.stdout);
    const lines = report.problems.map((p: { path: string; problem: string }) => `${p.path}: ${p.problem}`).join('\n');
    assert.match(lines, /image_s3_i1\.png: not a readable PNG/);
    assert.match(lines, /image_s4_i5\.png: 7x4, but .*image_s4_i0\.png is 6x4/);
    assert.match(lines, /label_s9\.png: label values must be 0 and 255 \(or 0 and 1\); found 0, 128/);
    assert.match(lines, /label_s10\.png: label is 6x4, but the frames of s10 are 8x5/);
    assert.match(
      lines,
      /scribbles\/label_s4\.png: scribble values must be 1 \(vessel\), 0 \(background\) or 255 \(unlabelled\); found 7/,
    );
    assert.match(lines, /label_s11\.png: label without images/);
    assert.equal(report.problems.length, 6, lines);
    const text = diasProcess('data', 'check', bad);
    assert.equal(text.code, 1, text.stderr);
    assert.match(text.stdout, /6 problems:/);
  });

  test('show: a contact sheet of the expected size with the label in red and scribbles red/blue', async () => {
    const out = join(dir, 'sheet.png');
    const r = await dias('data', 'show', good, '--id', 's3', '--out', out, '--json');
    assert.equal(r.code, 0);
    const info = JSON.parse(r.stdout);
    // 5 frames of 6x4 (never upscaled): 4 columns, 2 frame rows + 1 projection row, 4-pixel gaps.
    assert.deepEqual([info.width, info.height, info.T], [4 * 6 + 5 * 4, 3 * 4 + 4 * 4, 5]);
    assert.deepEqual(info.projections, ['minip', 'label', 'scribble']);
    const png = decode(readFileSync(out));
    assert.deepEqual([png.width, png.height, png.channels], [44, 28, 3]);
    const px = (x: number, y: number) =>
      Array.from(png.data.subarray((y * png.width + x) * 3, (y * png.width + x) * 3 + 3));
    const projectionRow = 4 + 2 * (4 + 4);
    const [lr, lg] = px(4 + 1 * 10 + 2, projectionRow); // label tile, vessel column
    assert.ok(lr > lg + 60, `label overlay is red: ${px(16, projectionRow)}`);
    const [sr, sg] = px(4 + 2 * 10 + 2, projectionRow); // scribble tile, vessel column
    assert.ok(sr > sg + 100, `vessel scribble is red: ${px(26, projectionRow)}`);
    const [br, , bb] = px(4 + 2 * 10, projectionRow); // scribble tile, background column 0
    assert.ok(bb > br + 100, `background scribble is blue: ${px(24, projectionRow)}`);
    const [mr, mg, mb] = px(4 + 2, projectionRow); // MinIP tile: grey
    assert.ok(mr === mg && mg === mb);
  });

  test('a long cine shows 16 evenly spaced frames; projections need their columns', () => {
    const seq = { id: 'c', source: 'c', frames: new Float32Array(96 * 4), T: 96, H: 2, W: 2, meta: {} };
    const layout = contactSheetLayout(seq);
    assert.equal(layout.frames.length, 16);
    assert.deepEqual([layout.frames[0], layout.frames[1], layout.frames[15]], [0, 6, 95]);
    assert.deepEqual([layout.columns, layout.rows], [4, 5]);
    assert.throws(
      () => contactSheetLayout({ ...seq, label: new Uint8Array(4), scribble: new Uint8Array(4) }, { columns: 2 }),
      /2 columns cannot hold the 3 projection tiles/,
    );
  });

  test(
    'show: a real XCA image downscaled to 100-pixel tiles; usage errors exit 2',
    { skip: !existsSync(XCA) },
    async () => {
      const out = join(dir, 'xca.png');
      const r = await dias('data', 'show', join(XCA, 'images', 'training__03.png'), '--out', out, '--tile', '100');
      assert.equal(r.code, 0);
      const png = decode(readFileSync(out));
      assert.deepEqual([png.width, png.height], [2 * 100 + 3 * 4, 2 * 100 + 3 * 4]);
      await assert.rejects(
        dias('data', 'show', good, '--id', '3'),
        (e: Error) => e instanceof UsageError && /--out FILE.png is required/.test(e.message),
      );
      await assert.rejects(dias('data', 'show', good, '--id', '3', '--out', out, '--frames', '0'), UsageError);
      await assert.rejects(dias('data', 'show', good, '--id', '77', '--out', out), /no sequence s77/);
      const usage = diasProcess('data', 'frobnicate');
      assert.equal(usage.code, 2);
      assert.match(usage.stderr, /unknown subcommand 'frobnicate'/);
    },
  );
});
