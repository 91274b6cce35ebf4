// Small pieces the routes share to read a query and answer with pixels: the format and threshold parameters, and
// a frame, projection or map sent as an 8-bit PNG or as its raw stored values (docs/server-api.md).
import type { FastifyReply } from 'fastify';
import type { DsaSequence } from '../data/sequence.js';
import { encodeGrayPng } from '../image/png.js';
import { displayGrey, rawBytes, rawHeaders, type PixelEncoding } from './pixels.js';
import { HttpError } from './safe-paths.js';

export type Params = Record<string, string>;
export type Query = Record<string, string | undefined>;

export function formatOf(query: Query, allowed: readonly string[]): string {
  const f = query.format ?? allowed[0];
  if (!allowed.includes(f)) throw new HttpError(400, `format must be ${allowed.join(' or ')}, got '${f.slice(0, 40)}'`);
  return f;
}

export function thresholdOf(query: Query): number {
  if (query.threshold === undefined) return 0.5;
  // Number('') is 0: an empty value must not become a threshold of 0.
  const t = query.threshold.trim() === '' ? NaN : Number(query.threshold);
  if (!(t >= 0 && t <= 1))
    throw new HttpError(400, `threshold must be a number in [0, 1], got '${query.threshold.slice(0, 40)}'`);
  return t;
}

export function png(reply: FastifyReply, bytes: Uint8Array): FastifyReply {
  return reply
    .type('image/png')
    .header('cache-control', 'no-store')
    .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** A frame or projection as an 8-bit PNG or the raw stored values. */
export function sendPixels(
  reply: FastifyReply,
  values: Float32Array,
  seq: DsaSequence,
  e: PixelEncoding,
  query: Query,
): FastifyReply {
  if (formatOf(query, ['png', 'raw']) === 'raw') {
    return reply
      .type('application/octet-stream')
      .headers(rawHeaders(seq.W, seq.H, e))
      .header('cache-control', 'no-store')
      .send(rawBytes(values, e));
  }
  return png(reply, encodeGrayPng(seq.W, seq.H, displayGrey(values, e)));
}
