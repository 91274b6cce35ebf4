// PNG decoding of the grey depths below 8 bits: fast-png hands their rows over packed (each row from a byte
// boundary, the leftmost pixel in the high bits); read as one byte per pixel they gave a different picture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode } from 'fast-png';
import { decodeGrayPng } from '../src/image/png.js';

/** A grey PNG of `depth` bits from its levels, packed as the file stores them. */
function packedPng(width: number, height: number, depth: 1 | 2 | 4, levels: number[]): Uint8Array {
  const rowBytes = Math.ceil((width * depth) / 8);
  const packed = new Uint8Array(rowBytes * height);
  levels.forEach((level, i) => {
    const [x, y] = [i % width, Math.floor(i / width)];
    packed[y * rowBytes + Math.floor((x * depth) / 8)] |= level << (8 - depth * ((x % (8 / depth)) + 1));
  });
  return encode({ width, height, data: packed, channels: 1, depth });
}

test('1-, 2- and 4-bit grey PNGs decode pixel by pixel, scaled to 0..255 as PIL does, odd widths included', () => {
  for (const [depth, width] of [
    [1, 5],
    [1, 11],
    [2, 7],
    [4, 3],
  ] as const) {
    const height = 3;
    const max = (1 << depth) - 1;
    const levels = Array.from({ length: width * height }, (_, i) => (i * 7 + (i >> 2)) % (max + 1));
    const image = decodeGrayPng(packedPng(width, height, depth, levels), 'x.png');
    assert.equal(image.bitDepth, depth);
    assert.deepEqual(
      Array.from(image.data),
      levels.map((l) => (l * 255) / max),
      `${depth}-bit, ${width} wide`,
    );
  }
});
