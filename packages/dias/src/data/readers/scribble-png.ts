// A scribble as a client uploads it (dias serve's PUT /api/sequences/:id/scribble): a PNG whose every pixel is
// 0 (background), 1 (vessel) or 255 (unlabelled), the DIAS encoding. What a browser canvas exports is accepted
// too: RGB(A) whose three channels are equal and whose alpha is opaque. Grey files of 1, 2 or 4 bits are read by
// their levels (a 1-bit file is 0 background and 1 vessel), as the readers read scribble files (masks.ts).
import { decode } from 'fast-png';
import { checkPixelCount } from '../../image/pixel-limit.js';
import { decodeGrayPng } from '../../image/png.js';
import { SCRIBBLE_UNLABELLED } from '../sequence.js';
import { scribbleFromGray } from './masks.js';

const NAME = 'the scribble';

/**
 * The scribble values (0, 1, 255) of a PNG that must be W x H; an Error with the reason otherwise (the size is
 * checked from the header before anything is decoded: a huge declared image costs nothing).
 */
export function decodeScribblePng(bytes: Uint8Array, W: number, H: number): Uint8Array {
  if (bytes.length < 24 || bytes[0] !== 0x89 || bytes[1] !== 0x50 || bytes[2] !== 0x4e || bytes[3] !== 0x47)
    throw new Error('the body is not a PNG');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [w, h] = [view.getUint32(16), view.getUint32(20)];
  if (w !== W || h !== H) throw new Error(`the scribble is ${w}x${h}, the sequence's frames are ${W}x${H}`);
  checkPixelCount('scribble', `${w}x${h}`, w * h);
  let png;
  try {
    png = decode(bytes);
  } catch (e) {
    throw new Error(`not a readable PNG (${(e as Error).message})`);
  }
  if (png.palette) throw new Error('a palette PNG; send greyscale (or RGBA with equal channels)');
  if (png.depth < 8) return scribbleFromGray(decodeGrayPng(bytes, NAME), NAME);
  return fromSamples(png.data, png.channels, png.depth === 16 ? 65535 : 255, W * H);
}

/** 8- or 16-bit samples (grey, grey+alpha, RGB, RGBA) as scribble values; every bad pixel counted, a few shown. */
function fromSamples(src: ArrayLike<number>, channels: number, full: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let bad = 0;
  const badValues = new Set<string>();
  for (let i = 0; i < n; i++) {
    const o = i * channels;
    const v = src[o];
    const colour = channels >= 3 && (src[o + 1] !== v || src[o + 2] !== v);
    const alpha = channels === 2 || channels === 4 ? src[o + channels - 1] : full;
    const value = v === 0 || v === 1 ? v : v === 255 ? SCRIBBLE_UNLABELLED : -1;
    if (colour || alpha !== full || value < 0) {
      bad++;
      if (badValues.size < 6)
        badValues.add(
          colour ? `(${src[o]},${src[o + 1]},${src[o + 2]})` : alpha !== full ? `alpha ${alpha}` : String(v),
        );
      continue;
    }
    out[i] = value;
  }
  if (bad)
    throw new Error(
      `${bad} of ${n} pixels are not 0 (background), 1 (vessel) or 255 (unlabelled) (found ${[...badValues].join(', ')})`,
    );
  return out;
}
