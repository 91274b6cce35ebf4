// The PNG writer on Node's zlib (image/png-encode.ts): what it writes, another decoder (fast-png, checking every
// chunk's CRC) reads back pixel for pixel, for grey, RGB and RGBA at odd sizes; wrong data lengths are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode } from 'fast-png';
import { encodePng8 } from '../src/image/png-encode.js';
import { encodeGrayPng, decodeGrayPng } from '../src/image/png.js';

function pseudoRandomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    // Runs of equal bytes as well as noise, so that deflate has both to do.
    out[i] = i % 97 < 40 ? 200 : s & 255;
  }
  return out;
}

test('grey, RGB and RGBA PNGs read back exactly by fast-png, CRCs checked', () => {
  for (const channels of [1, 3, 4] as const) {
    for (const [w, h] of [
      [1, 1],
      [37, 11],
      [130, 67],
    ]) {
      const data = pseudoRandomBytes(w * h * channels, w + channels);
      const png = decode(encodePng8(w, h, channels, data), { checkCrc: true });
      assert.deepEqual([png.width, png.height, png.channels, png.depth], [w, h, channels, 8]);
      assert.deepEqual(new Uint8Array(png.data as Uint8Array), data, `${channels} channel(s), ${w}x${h}`);
    }
  }
});

test('encodeGrayPng rounds and clamps, and our own reader gets the levels back', () => {
  const levels = [-3, 0, 0.4, 0.6, 127.5, 254.6, 255, 300];
  const back = decodeGrayPng(encodeGrayPng(4, 2, levels));
  assert.deepEqual([...back.data], [0, 0, 0, 1, 128, 255, 255, 255]);
  assert.equal(back.bitDepth, 8);
});

test('a data length that does not match the size is an error naming both', () => {
  assert.throws(() => encodePng8(4, 4, 3, new Uint8Array(47)), /47 bytes for 4x4 x 3 channel/);
  assert.throws(() => encodePng8(0, 4, 1, new Uint8Array(0)), /bad size 0x4/);
});
