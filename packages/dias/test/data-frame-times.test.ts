// Frame times from a sidecar for the sources whose files carry none: frame_times.json / .txt in a frame folder,
// X.frame_times.json / .txt beside X.npy; every broken sidecar is an error that names the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeNpy } from '../src/data/readers/npy-array.js';
import { readSequence } from '../src/data/readers/read-sequence.js';
import { tempDir, writePng } from './data-fixture.js';

function frameFolder(dir: string, T: number): string {
  const folder = join(dir, 'run');
  mkdirSync(folder, { recursive: true });
  for (let k = 0; k < T; k++) writePng(join(folder, `frame_${k}.png`), 4, 3, (x) => 10 * k + x);
  return folder;
}

test('a frame folder takes its frame times from frame_times.json or .txt, shifted to start at 0', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const folder = frameFolder(dir, 3);
    assert.equal((await readSequence(folder)).meta.frameTimes, undefined);
    writeFileSync(join(folder, 'frame_times.json'), JSON.stringify({ frame_times_ms: [100, 350, 700] }));
    assert.deepEqual((await readSequence(folder)).meta.frameTimes, [0, 250, 600]);
    writeFileSync(join(folder, 'frame_times.json'), '[0, 125.5, 300]');
    assert.deepEqual((await readSequence(folder)).meta.frameTimes, [0, 125.5, 300]);
  } finally {
    cleanup();
  }
});

test('a .npy stack takes them from X.frame_times.txt beside it', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'cine.npy');
    writeFileSync(path, encodeNpy([3, 2, 2], new Float32Array(12)));
    writeFileSync(join(dir, 'cine.frame_times.txt'), '# ms\n0\n333\n\n667\n');
    assert.deepEqual((await readSequence(path)).meta.frameTimes, [0, 333, 667]);
  } finally {
    cleanup();
  }
});

test('bad sidecars are errors naming the file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const folder = frameFolder(dir, 3);
    const json = join(folder, 'frame_times.json');
    const cases: [string, RegExp][] = [
      ['{not json', /not valid JSON/],
      ['[0, 100]', /2 frame times for 3 frames/],
      ['[0, 100, 100]', /must increase; frame 2/],
      ['[0, "a", 200]', /frame time 1 is "a", not a number/],
      ['{"times": [0, 1, 2]}', /expected an array of frame times/],
    ];
    for (const [text, message] of cases) {
      writeFileSync(json, text);
      await assert.rejects(readSequence(folder), (e: Error) => {
        assert.match(e.message, message);
        assert.ok(e.message.includes(json), e.message);
        return true;
      });
    }
    writeFileSync(json, '[0, 1, 2]');
    writeFileSync(join(folder, 'frame_times.txt'), '0\n1\n2\n');
    await assert.rejects(readSequence(folder), /two frame-time files; keep one/);
    const npy = join(dir, 'x.npy');
    writeFileSync(npy, encodeNpy([2, 2, 2], new Float32Array(8)));
    writeFileSync(join(dir, 'x.frame_times.txt'), '0\nsoon\n');
    await assert.rejects(readSequence(npy), /x\.frame_times\.txt: line 2: 'soon' is not a number/);
  } finally {
    cleanup();
  }
});
