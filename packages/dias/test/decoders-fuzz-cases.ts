// The generated inputs of decoders-fuzz.test.ts: for each decoder a few valid files, and from them, with a fixed
// seed, random bytes and mutations (bit flips, truncations, header length fields set to odd values, spliced
// garbage). Each case decodes in a worker thread (decoders-fuzz-worker.ts), which checks what came back: a
// proper Error that names the file, or a result whose shape agrees with itself and holds finite numbers.
import { encodeNpy } from '../src/data/readers/npy-array.js';
import { encodeGrayPng } from '../src/image/png.js';
import { encodeGrayTiff } from '../src/image/tiff.js';
import { encapsulated, packBits, rleFrame16, writeDicom, type DicomElements } from './dicom-writer.js';
import { deflateSync } from 'node:zlib';
import { encode } from 'fast-png';

export type DecoderKind = 'png' | 'tiff' | 'npy' | 'dicom' | 'safetensors' | 'yaml';
export const DECODER_KINDS: DecoderKind[] = ['png', 'tiff', 'npy', 'dicom', 'safetensors', 'yaml'];

export interface FuzzCase {
  /** What was done to which seed file: shown when the case fails. */
  label: string;
  bytes: Uint8Array;
}

/** mulberry32: a small seeded generator, so every run makes the same cases. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const le16 = (values: number[]) => {
  const out = new Uint8Array(values.length * 2);
  values.forEach((v, i) => new DataView(out.buffer).setUint16(2 * i, v, true));
  return out;
};

function dicomImage(rows: number, columns: number, frames: number, extra: DicomElements): DicomElements {
  return {
    '00080016': { vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.12.1' },
    '00080060': { vr: 'CS', value: 'XA' },
    '00280002': { vr: 'US', value: [1] },
    '00280004': { vr: 'CS', value: 'MONOCHROME2' },
    '00280008': { vr: 'IS', value: String(frames) },
    '00280010': { vr: 'US', value: [rows] },
    '00280011': { vr: 'US', value: [columns] },
    '00280100': { vr: 'US', value: [16] },
    '00280101': { vr: 'US', value: [12] },
    '00280102': { vr: 'US', value: [11] },
    '00280103': { vr: 'US', value: [0] },
    '00181063': { vr: 'DS', value: '100' },
    ...extra,
  };
}

/**
 * TIFF's LZW (TIFF 6.0 section 13, as libtiff writes it): codes of 9 to 12 bits, most significant bit first, 256
 * clears the table and 257 ends the strip; the code width grows one code early, and the table is cleared before
 * it would need 13 bits.
 */
export function tiffLzw(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  let pending = 0;
  let pendingBits = 0;
  let bits = 9;
  const emit = (code: number) => {
    pending = (pending << bits) | code;
    pendingBits += bits;
    while (pendingBits >= 8) {
      out.push((pending >>> (pendingBits - 8)) & 255);
      pendingBits -= 8;
    }
    pending &= (1 << pendingBits) - 1;
  };
  let table = new Map<string, number>();
  let next = 258;
  // The decoder adds a table entry for every code it reads (after the first since a clear) and widens its codes
  // when the table is one short of the width's limit; the encoder's table runs one entry ahead.
  const grow = () => {
    next++;
    if (next === 1 << bits) bits++;
  };
  emit(256);
  let w = '';
  for (const byte of data) {
    const wc = w + String.fromCharCode(byte);
    if (w === '' || table.has(wc)) {
      w = wc;
      continue;
    }
    emit(w.length === 1 ? w.charCodeAt(0) : table.get(w)!);
    table.set(wc, next);
    grow();
    if (next === 4094) {
      emit(256);
      table = new Map();
      [next, bits] = [258, 9];
    }
    w = String.fromCharCode(byte);
  }
  if (w) {
    emit(w.length === 1 ? w.charCodeAt(0) : table.get(w)!);
    grow();
  }
  emit(257);
  if (pendingBits > 0) out.push((pending << (8 - pendingBits)) & 255);
  return Uint8Array.from(out);
}

/** A one-page 8-bit TIFF whose strip is LZW- (5), Deflate- (8) or PackBits- (32773) compressed. */
export function compressedTiff(
  compression: 5 | 8 | 32773,
  width = 8,
  height = 6,
  values: ArrayLike<number> = Array.from({ length: 48 }, (_, i) => (i * 5) % 256),
): Uint8Array {
  const plain = encodeGrayTiff(width, height, [values], 8);
  const view = new DataView(plain.buffer);
  const ifd = view.getUint32(4, true);
  const entry = (tag: number) => {
    for (let i = 0; i < view.getUint16(ifd, true); i++)
      if (view.getUint16(ifd + 2 + 12 * i, true) === tag) return ifd + 2 + 12 * i;
    throw new Error(`no tag ${tag}`);
  };
  const offset = view.getUint32(entry(273) + 8, true);
  const data = plain.subarray(offset, offset + view.getUint32(entry(279) + 8, true));
  const packed = compression === 5 ? tiffLzw(data) : compression === 8 ? deflateSync(data) : packBits(data);
  const out = new Uint8Array(offset + packed.length);
  out.set(plain.subarray(0, offset));
  out.set(packed, offset);
  const outView = new DataView(out.buffer);
  outView.setUint16(entry(259) + 8, compression, true);
  outView.setUint32(entry(279) + 8, packed.length, true);
  return out;
}

/** A column-major (np.asfortranarray) int16 array of shape (3, 4, 2): the .npy readers' other order. */
function fortranNpy(): Uint8Array {
  const header = "{'descr': '<i2', 'fortran_order': True, 'shape': (3, 4, 2), }";
  const padded = header.padEnd(Math.ceil((header.length + 11) / 64) * 64 - 11, ' ') + '\n';
  const out = new Uint8Array(10 + padded.length + 48);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, padded.length, true);
  out.set(new TextEncoder().encode(padded), 10);
  for (let i = 0; i < 24; i++) new DataView(out.buffer).setInt16(10 + padded.length + 2 * i, i * 1000 - 12000, true);
  return out;
}

/** A safetensors file by hand (no tensors needed to write one): a float32 [2, 3] and a uint8 [4]. */
function safetensorsBytes(): Uint8Array {
  const header = JSON.stringify({
    __metadata__: { dias_model: 'UNet', dias_frames: '4' },
    'conv.weight': { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] },
    'bn.num_batches_tracked': { dtype: 'U8', shape: [4], data_offsets: [24, 28] },
  });
  const json = new TextEncoder().encode(header.padEnd(Math.ceil(header.length / 8) * 8, ' '));
  const out = new Uint8Array(8 + json.length + 28);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  for (let i = 0; i < 6; i++) view.setFloat32(8 + json.length + 4 * i, i * 0.5 - 1, true);
  out.set([1, 2, 3, 4], 8 + json.length + 24);
  return out;
}

const CONFIG_YAML = `model:
  name: unet
  options: { feature_scale: 4 }
data:
  frames: 4
  patchSize: 32
train:
  epochs: 3
  patchesPerEpoch: 64
  batchSize: 8
  seed: 7
optimizer:
  lr: 0.001
  betas: [0.9, 0.99]
scheduler:
  warmupEpochs: 1
validation:
  threshold: 0.5
`;

/** The valid files each decoder's cases start from. */
export function seedFiles(kind: DecoderKind): Uint8Array[] {
  const ramp = (n: number, scale: number, modulo = 256) => Array.from({ length: n }, (_, i) => (i * scale) % modulo);
  switch (kind) {
    case 'png':
      return [
        encodeGrayPng(12, 9, ramp(108, 7)),
        encode({
          width: 5,
          height: 4,
          data: Uint16Array.from(ramp(20, 3000 / 256).map((v) => v * 250)),
          channels: 1,
          depth: 16,
        }),
        encode({ width: 4, height: 3, data: Uint8Array.from(ramp(48, 11)), channels: 4, depth: 8 }),
      ];
    case 'tiff':
      return [
        encodeGrayTiff(8, 6, [ramp(48, 5), ramp(48, 9)], 8),
        encodeGrayTiff(5, 4, [ramp(20, 3000).map((v) => v * 200)], 16),
        compressedTiff(5),
        compressedTiff(8),
        compressedTiff(32773),
      ];
    case 'npy':
      return [
        encodeNpy([2, 5, 6], Float32Array.from(ramp(60, 0.5))),
        encodeNpy([7, 3], Uint8Array.from(ramp(21, 13))),
        fortranNpy(),
      ];
    case 'dicom':
      return [
        writeDicom(dicomImage(4, 5, 2, { '7fe00010': { vr: 'OW', value: le16(ramp(40, 97)) } })),
        writeDicom(
          dicomImage(3, 4, 1, { '7fe00010': encapsulated([rleFrame16(ramp(12, 300))]) }),
          '1.2.840.10008.1.2.5',
        ),
        // 8-bit planar RGB, and signed 16-bit MONOCHROME1 with a rescale: the other paths of the sample conversion
        writeDicom(
          dicomImage(3, 4, 2, {
            '00280002': { vr: 'US', value: [3] },
            '00280004': { vr: 'CS', value: 'RGB' },
            '00280006': { vr: 'US', value: [1] },
            '00280100': { vr: 'US', value: [8] },
            '00280101': { vr: 'US', value: [8] },
            '7fe00010': { vr: 'OB', value: Uint8Array.from(ramp(72, 29)) },
          }),
        ),
        writeDicom(
          dicomImage(4, 3, 1, {
            '00280004': { vr: 'CS', value: 'MONOCHROME1' },
            '00280103': { vr: 'US', value: [1] },
            '00281052': { vr: 'DS', value: '-1024' },
            '00281053': { vr: 'DS', value: '0.5' },
            '7fe00010': { vr: 'OW', value: le16(ramp(12, 5003, 65535)) },
          }),
        ),
      ];
    case 'safetensors':
      return [safetensorsBytes()];
    case 'yaml':
      return [
        new TextEncoder().encode(CONFIG_YAML),
        new TextEncoder().encode(JSON.stringify({ train: { epochs: 2, batchSize: 4 }, data: { frames: 4 } })),
      ];
  }
}

/** Byte offsets of each format's length and size fields in a seed file: where a changed number does most harm. */
function lengthFields(kind: DecoderKind, bytes: Uint8Array): { at: number; width: 2 | 4 | 8 }[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fields: { at: number; width: 2 | 4 | 8 }[] = [];
  if (kind === 'png') {
    // Every chunk's length, and IHDR's width and height.
    for (let at = 8; at + 8 <= bytes.length; at += 12 + view.getUint32(at)) fields.push({ at, width: 4 });
    fields.push({ at: 16, width: 4 }, { at: 20, width: 4 });
  } else if (kind === 'tiff') {
    // The first IFD's offset, entry count, and every entry's count and value (width, height, strip offsets, ...).
    fields.push({ at: 4, width: 4 });
    for (let ifd = view.getUint32(4, true), pages = 0; ifd && ifd + 2 <= bytes.length && pages < 4; pages++) {
      const n = view.getUint16(ifd, true);
      fields.push({ at: ifd, width: 2 });
      for (let i = 0; i < n; i++)
        fields.push({ at: ifd + 2 + 12 * i + 4, width: 4 }, { at: ifd + 2 + 12 * i + 8, width: 4 });
      ifd = view.getUint32(ifd + 2 + 12 * n, true);
    }
  } else if (kind === 'npy') {
    fields.push({ at: 8, width: 2 });
  } else if (kind === 'dicom') {
    // Every element's length (explicit VR little endian: 2 bytes, or 4 after two reserved bytes for long VRs).
    for (let at = 132; at + 8 <= bytes.length;) {
      const vr = String.fromCharCode(bytes[at + 4], bytes[at + 5]);
      const long = ['OB', 'OW', 'OF', 'SQ', 'UT', 'UN'].includes(vr);
      fields.push({ at: at + (long ? 8 : 6), width: long ? 4 : 2 });
      if (vr === 'US') fields.push({ at: at + 8, width: 2 }); // rows, columns, bits, samples per pixel
      const length = long ? view.getUint32(at + 8, true) : view.getUint16(at + 6, true);
      if (length === 0xffffffff) break;
      at += (long ? 12 : 8) + length;
    }
  } else if (kind === 'safetensors') {
    fields.push({ at: 0, width: 8 });
  }
  return fields;
}

const ODD_NUMBERS = [0, 1, 2, 3, 7, 0xff, 0x7fff, 0xffff, 0x10000, 0x7fffffff, 0xffffffff, 0x80000000];

/** For text formats, numbers in the text replaced by odd ones (negative, huge, fractional, not a number). */
const ODD_TEXT_NUMBERS = [
  '-1',
  '0',
  '1e308',
  '99999999999999999999',
  '0.5',
  'NaN',
  '.inf',
  '"3"',
  '[]',
  '{}',
  'null',
  '~',
];

/**
 * `count` cases for `kind` from seed `seed`: in turn random bytes (with the format's first bytes kept, so that
 * they reach past the magic check), bit flips, truncations, length fields set to odd values, spliced garbage.
 */
export function fuzzCases(kind: DecoderKind, seed: number, count: number): FuzzCase[] {
  const random = seeded(seed);
  const int = (n: number) => Math.floor(random() * n);
  const seeds = seedFiles(kind);
  const cases: FuzzCase[] = [];
  for (let i = 0; cases.length < count; i++) {
    const s = i % seeds.length;
    const bytes = new Uint8Array(seeds[s]);
    const strategy = i % 5;
    if (strategy === 0) {
      const keep = int(Math.min(bytes.length, 40));
      const out = new Uint8Array(keep + int(300));
      out.set(bytes.subarray(0, keep));
      for (let k = keep; k < out.length; k++) out[k] = int(256);
      cases.push({ label: `seed file ${s}: first ${keep} bytes, then ${out.length - keep} random ones`, bytes: out });
    } else if (strategy === 1) {
      const flips = 1 + int(8);
      const where: number[] = [];
      for (let k = 0; k < flips; k++) {
        const at = int(bytes.length);
        bytes[at] ^= 1 << int(8);
        where.push(at);
      }
      cases.push({ label: `seed file ${s}: bits flipped at bytes ${where.join(', ')}`, bytes });
    } else if (strategy === 2) {
      const at = int(bytes.length);
      cases.push({ label: `seed file ${s}: truncated to ${at} of ${bytes.length} bytes`, bytes: bytes.slice(0, at) });
    } else if (strategy === 3) {
      if (kind === 'npy' && int(2) === 0) {
        // A number of the shape in the header text, the header keeping its length (its padding absorbs the change).
        const length = new DataView(bytes.buffer).getUint16(8, true);
        const header = new TextDecoder('latin1').decode(bytes.subarray(10, 10 + length));
        const shape = /'shape': \(([^)]*)\)/.exec(header)!;
        const odd = ['0', '-1', '99999999999', '1e9', '2.5', 'x', '', '3, 3, 3, 3, 3'][int(8)];
        const changed =
          header
            .replace(shape[0], `'shape': (${odd},)`)
            .padEnd(length, ' ')
            .slice(0, length - 1) + '\n';
        bytes.set(new TextEncoder().encode(changed), 10);
        cases.push({ label: `seed file ${s}: the shape set to (${odd},)`, bytes });
        continue;
      }
      if (kind === 'yaml') {
        const text = new TextDecoder().decode(bytes);
        const numbers = [...text.matchAll(/\d+(\.\d+)?/g)];
        const m = numbers[int(numbers.length)];
        const odd = ODD_TEXT_NUMBERS[int(ODD_TEXT_NUMBERS.length)];
        const changed = text.slice(0, m.index) + odd + text.slice(m.index + m[0].length);
        cases.push({
          label: `seed file ${s}: the number at ${m.index} ('${m[0]}') set to ${odd}`,
          bytes: new TextEncoder().encode(changed),
        });
        continue;
      }
      const fields = lengthFields(kind, bytes);
      const field = fields[int(fields.length)];
      const value = ODD_NUMBERS[int(ODD_NUMBERS.length)];
      const view = new DataView(bytes.buffer);
      const big = kind === 'png'; // PNG's numbers are big-endian, the others' little-endian
      if (field.width === 2) view.setUint16(field.at, value & 0xffff, !big);
      else if (field.width === 4) view.setUint32(field.at, value >>> 0, !big);
      else view.setBigUint64(field.at, BigInt(value) * BigInt(1 + int(3)), true);
      cases.push({ label: `seed file ${s}: the ${field.width}-byte field at ${field.at} set to ${value}`, bytes });
    } else {
      const at = int(bytes.length);
      const garbage = Uint8Array.from({ length: 1 + int(64) }, () => int(256));
      const out = new Uint8Array(bytes.length + garbage.length);
      out.set(bytes.subarray(0, at));
      out.set(garbage, at);
      out.set(bytes.subarray(at), at + garbage.length);
      cases.push({ label: `seed file ${s}: ${garbage.length} random bytes inserted at ${at}`, bytes: out });
    }
  }
  return cases;
}
