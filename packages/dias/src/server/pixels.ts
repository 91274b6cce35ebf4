// How a frame (or a projection) travels to the browser: an 8-bit grey PNG for showing, or the raw stored values
// (8- or 16-bit, little-endian) for exact windowing on the page. 8-bit sources go as stored; wider ones are sent
// as whole 16-bit numbers when they are, else mapped linearly onto 0..65535 with the offset and scale in headers.
import type { DsaSequence } from '../data/sequence.js';

/** How a sequence's values are stored on the wire. */
export interface PixelEncoding {
  bits: 8 | 16;
  /** value = offset + scale * stored (identity for whole numbers that fit). */
  offset: number;
  scale: number;
  min: number;
  max: number;
}

/** The encoding of a sequence: 8-bit when every value is a whole number in 0..255, 16-bit otherwise. */
export function pixelEncoding(seq: DsaSequence): PixelEncoding {
  let min = Infinity,
    max = -Infinity,
    whole = true;
  for (const v of seq.frames) {
    if (v < min) min = v;
    if (v > max) max = v;
    if (whole && v !== Math.round(v)) whole = false;
  }
  if (!Number.isFinite(min)) min = max = 0;
  if (whole && min >= 0 && max <= 255 && seq.meta.bitDepth !== 16) return { bits: 8, offset: 0, scale: 1, min, max };
  if (whole && min >= 0 && max <= 65535) return { bits: 16, offset: 0, scale: 1, min, max };
  return { bits: 16, offset: min, scale: max > min ? (max - min) / 65535 : 1, min, max };
}

/** The values as stored on the wire (Uint8Array or Uint16Array, little-endian bytes). */
export function rawBytes(values: Float32Array, e: PixelEncoding): Buffer {
  if (e.bits === 8) {
    // A plain loop: TypedArray.from with a map function goes through the iterator, ten times slower.
    const out = Buffer.alloc(values.length);
    for (let i = 0; i < values.length; i++) out[i] = Math.round(values[i]);
    return out;
  }
  const out = Buffer.alloc(values.length * 2);
  for (let i = 0; i < values.length; i++)
    out.writeUInt16LE(Math.max(0, Math.min(65535, Math.round((values[i] - e.offset) / e.scale))), i * 2);
  return out;
}

/** 8-bit grey for a PNG: as stored for 8-bit sources, else the sequence's min..max onto 0..255. */
export function displayGrey(values: Float32Array, e: PixelEncoding): Float32Array {
  if (e.bits === 8) return values;
  const span = e.max > e.min ? e.max - e.min : 1;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = ((values[i] - e.min) * 255) / span;
  return out;
}

/** The response headers that describe raw pixels. */
export function rawHeaders(W: number, H: number, e: PixelEncoding): Record<string, string> {
  return {
    'x-dias-width': String(W),
    'x-dias-height': String(H),
    'x-dias-bits': String(e.bits),
    'x-dias-offset': String(e.offset),
    'x-dias-scale': String(e.scale),
    'x-dias-min': String(e.min),
    'x-dias-max': String(e.max),
  };
}
