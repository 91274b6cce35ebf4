// TIFF in and out. Reading goes through UTIF (uncompressed, LZW, PackBits, Deflate, JPEG); every page is one frame,
// so a multi-page TIFF is a sequence. Grey 8/16-bit, 32-bit float, and RGB(A) (taken as luminance, as PNGs) are
// read. Writing is a small uncompressed little-endian multi-page grey encoder (8 or 16 bit), for exports and tests.
import { readFileBytes, writeFileAtomic } from '@dias-ts/torch';
import UTIF, { type IFD } from 'utif';
import { checkPixelCount } from './pixel-limit.js';

export interface TiffFrames {
  width: number;
  height: number;
  /** One row-major Float32Array per page. */
  frames: Float32Array[];
  bitDepth: number;
}

function tagNumber(ifd: IFD, tag: number, fallback: number): number {
  const v = ifd[`t${tag}`];
  return v && typeof v[0] === 'number' ? v[0] : fallback;
}

/** Bytes per value of each TIFF field type (TIFF 6.0 section 2, plus 13 IFD and 16-18 of BigTIFF). */
const TYPE_BYTES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4 };
/** Types UTIF always reads at the value offset, even when they would fit in the entry. */
const ALWAYS_AT_OFFSET = new Set([5, 10, 11, 12]);
/** More IFDs than any cine needs (pages, sub-IFDs and EXIF together): a file claiming more is refused. */
const MAX_IFDS = 10000;

/**
 * Walks the IFD chain and every sub-IFD (SubIFDs, EXIF, maker notes, DNG private data: the tags UTIF follows)
 * before UTIF reads the file, which trusts it: an IFD chain that loops back made UTIF.decode loop forever, a
 * sub-IFD pointing at itself recursed without end, and a field count of 4 billion made it push values read
 * past the end of the file for minutes. Each IFD must lie in the file and be reached once; each field's values
 * must lie in the file.
 */
function checkStructure(bytes: Uint8Array, little: boolean, name: string): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const seen = new Set<number>();
  const fail = (why: string): never => {
    throw new Error(`${name}: not a readable TIFF (${why})`);
  };
  const walk = (offset: number, what: string): number => {
    if (offset < 8 || offset + 2 > bytes.length) fail(`${what} at byte ${offset} lies outside the file of ${bytes.length} bytes`);
    if (seen.has(offset)) fail(`${what} at byte ${offset} is reached twice: the file's structure loops`);
    seen.add(offset);
    if (seen.size > MAX_IFDS) fail(`more than ${MAX_IFDS} IFDs`);
    const entries = view.getUint16(offset, little);
    if (offset + 2 + 12 * entries + 4 > bytes.length) fail(`${what} at byte ${offset} has ${entries} entries, running past the end of the file`);
    for (let i = 0; i < entries; i++) {
      const at = offset + 2 + 12 * i;
      const [tag, type, count, value] = [view.getUint16(at, little), view.getUint16(at + 2, little), view.getUint32(at + 4, little), view.getUint32(at + 8, little)];
      const size = (TYPE_BYTES[type] ?? 0) * count;
      const inline = size <= 4 && !ALWAYS_AT_OFFSET.has(type);
      if (!inline && value + size > bytes.length) fail(`tag ${tag} of ${what} has ${count} values at byte ${value}, past the end of the file`);
      const start = inline ? at + 8 : value;
      if (tag === 330 || tag === 34665) {
        // UTIF follows these whatever their type; only offsets (LONG or IFD, or SHORT) make sense.
        if (type !== 3 && type !== 4 && type !== 13) fail(`tag ${tag} of ${what} lists sub-IFDs as type ${type}, not offsets`);
        for (let k = 0; k < count; k++) walk(type === 3 ? view.getUint16(start + 2 * k, little) : view.getUint32(start + 4 * k, little), `sub-IFD of tag ${tag}`);
      } else if (tag === 50740 && type !== 1 && type !== 7) {
        fail(`tag 50740 (DNG private data) of ${what} is of type ${type}, not bytes`);
      } else if (tag === 50740 && size >= 4) {
        const sub = view.getUint32(start, little);
        if (sub + 2 <= bytes.length && view.getUint16(sub, little) < 300) walk(sub, 'DNG private IFD');
      } else if (tag === 37500 && size > 0) {
        // UTIF decodes a Nikon maker note as a TIFF of its own; others as an IFD when they start like one.
        if (size >= 5 && String.fromCharCode(...bytes.subarray(start, start + 5)) === 'Nikon') fail('a Nikon maker note, which is not read');
        if (value + 2 <= bytes.length && view.getUint16(value, little) < 300) walk(value, 'maker note IFD');
      }
    }
    return view.getUint32(offset + 2 + 12 * entries, little);
  };
  for (let next = view.getUint32(4, little), page = 0; next !== 0; page++) next = walk(next, `IFD ${page}`);
}

/**
 * Whether an LZW strip reaches its end-of-information code within its `length` bytes. UTIF's LZW decoder stops at
 * that code and nowhere else: past the end of a corrupt strip it read on, and past the file's end zeros, for ever.
 * This reads the codes as it does (9 bits after each clear code, one bit more one code early, as TIFF's LZW).
 */
function lzwEnds(bytes: Uint8Array, start: number, length: number): boolean {
  const end = (start + length) * 8;
  let bits = 9;
  let at = start * 8;
  let next = 258;
  const read = (): number => {
    const v = ((bytes[at >>> 3] ?? 0) << 16) | ((bytes[(at + 8) >>> 3] ?? 0) << 8) | (bytes[(at + 16) >>> 3] ?? 0);
    const code = (v >> (24 - (at & 7) - bits)) & ((1 << bits) - 1);
    at += bits;
    return code;
  };
  while (at + bits <= end) {
    let code = read();
    if (code === 257) return true;
    if (code === 256) {
      bits = 9;
      next = 258;
      if (at + bits > end) return false;
      code = read();
      if (code === 257) return true;
      continue;
    }
    next++;
    if (next + 1 === 1 << bits) bits++;
  }
  return false;
}

export function decodeTiff(bytes: Uint8Array, name = '<tiff>'): TiffFrames {
  const le = bytes[0] === 0x49 && bytes[1] === 0x49 && bytes[2] === 42 && bytes[3] === 0;
  const be = bytes[0] === 0x4d && bytes[1] === 0x4d && bytes[2] === 0 && bytes[3] === 42;
  if (bytes.length < 8 || (!le && !be)) throw new Error(`${name}: not a TIFF file (bad header)`);
  checkStructure(bytes, le, name);
  const buffer = new Uint8Array(bytes).buffer; // UTIF indexes the whole ArrayBuffer: give it an unshared copy
  let ifds: IFD[];
  try {
    ifds = UTIF.decode(buffer);
  } catch (e) {
    throw new Error(`${name}: not a readable TIFF (${(e as Error).message ?? e})`);
  }
  ifds = ifds.filter((ifd) => ifd.t256 !== undefined && (tagNumber(ifd, 254, 0) & 1) === 0); // skip thumbnails
  if (!ifds.length) throw new Error(`${name}: TIFF holds no image`);
  // Every page's size from its tags, against the pixel limit, before UTIF decodes (and allocates) any of them. A
  // size tag without a value left UTIF's width undefined and the page an empty array of NaN size.
  ifds.forEach((ifd, page) => {
    const [w, h] = [tagNumber(ifd, 256, 0), tagNumber(ifd, 257, 0)];
    if (!(Number.isInteger(w) && Number.isInteger(h) && w >= 1 && h >= 1)) throw new Error(`${name}: page ${page} has no usable size (ImageWidth ${w}, ImageLength ${h})`);
    const compression = tagNumber(ifd, 259, 1);
    if (![1, 5, 7, 8, 32773].includes(compression)) throw new Error(`${name}: page ${page} uses TIFF compression ${compression}, which is not read`);
    // Strips (or tiles) must lie in the file: UTIF hands its decoders whatever the byte counts claim, and the fax
    // decoder looped without end over a count of 1 GB in a file of 356 bytes.
    const offsets = (ifd.t273 ?? ifd.t324 ?? []) as ArrayLike<unknown>;
    const counts = (ifd.t279 ?? ifd.t325 ?? []) as ArrayLike<unknown>;
    for (let k = 0; k < offsets.length; k++) {
      const [at, length] = [offsets[k], counts[k]];
      if (typeof at === 'number' && typeof length === 'number' && at + length > bytes.length) {
        throw new Error(`${name}: page ${page} is truncated (strip ${k} claims bytes ${at} to ${at + length}; the file has ${bytes.length})`);
      }
      if (compression === 5 && !(typeof at === 'number' && typeof length === 'number' && lzwEnds(bytes, at, length))) {
        throw new Error(`${name}: page ${page} is corrupt (LZW strip ${k} has no end-of-information code within its bytes)`);
      }
    }
  });
  const sizes = ifds.map((ifd) => tagNumber(ifd, 256, 0) * tagNumber(ifd, 257, 0));
  const w0 = tagNumber(ifds[0], 256, 0), h0 = tagNumber(ifds[0], 257, 0);
  checkPixelCount(name, `${w0}x${h0}${ifds.length > 1 ? ` x ${ifds.length} pages` : ''}`, sizes.reduce((a, b) => a + b, 0));
  const frames: Float32Array[] = [];
  let width = 0;
  let height = 0;
  let bitDepth = 0;
  ifds.forEach((ifd, page) => {
    try {
      UTIF.decodeImage(buffer, ifd, ifds);
    } catch (e) {
      throw new Error(`${name}: page ${page} cannot be decoded (${(e as Error).message ?? e})`);
    }
    const w = ifd.width!;
    const h = ifd.height!;
    const bits = tagNumber(ifd, 258, 1);
    const spp = tagNumber(ifd, 277, 1);
    const format = tagNumber(ifd, 339, 1); // 1 unsigned, 2 signed, 3 float
    const photometric = tagNumber(ifd, 262, 1); // 0 WhiteIsZero, 1 BlackIsZero, 2 RGB
    if (page === 0) [width, height, bitDepth] = [w, h, bits];
    else if (w !== width || h !== height) throw new Error(`${name}: page ${page} is ${w}x${h}, page 0 is ${width}x${height} (frames must share a size)`);
    if (![1, 8, 16, 32].includes(bits) || (bits === 32 && format !== 3) || (bits !== 32 && format === 3)) {
      throw new Error(`${name}: page ${page} has ${bits}-bit samples of format ${format}; grey 8/16-bit integers or 32-bit floats are read`);
    }
    const data = ifd.data!;
    const n = w * h;
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const bytesPer = bits / 8;
    const needed = bits === 1 ? Math.ceil(w / 8) * h : n * spp * bytesPer;
    if (data.length < needed) throw new Error(`${name}: page ${page} is truncated (${data.length} of ${needed} bytes)`);
    const sample = (i: number): number => {
      if (bits === 8) return format === 2 ? view.getInt8(i) : data[i];
      // UTIF turns 16-bit big-endian samples little-endian; 32-bit floats keep the file's order.
      if (bits === 16) return format === 2 ? view.getInt16(2 * i, true) : view.getUint16(2 * i, true);
      return view.getFloat32(4 * i, !be);
    };
    const out = new Float32Array(n);
    if (bits === 1) {
      const rowBytes = Math.ceil(w / 8);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = (data[y * rowBytes + (x >> 3)] >> (7 - (x & 7))) & 1 ? 255 : 0;
    } else if (spp === 1 || spp === 2) {
      for (let i = 0; i < n; i++) out[i] = sample(i * spp);
    } else if (photometric === 2 && (spp === 3 || spp === 4)) {
      for (let i = 0; i < n; i++) out[i] = (sample(i * spp) * 299 + sample(i * spp + 1) * 587 + sample(i * spp + 2) * 114) / 1000;
      if (bits === 8) for (let i = 0; i < n; i++) out[i] = Math.floor(out[i]);
    } else throw new Error(`${name}: page ${page} has ${spp} samples per pixel with photometric ${photometric}; grey or RGB is read`);
    if (photometric === 0) {
      const max = bits === 1 ? 255 : bits === 8 ? 255 : bits === 16 ? 65535 : 1;
      for (let i = 0; i < n; i++) out[i] = max - out[i];
    }
    frames.push(out);
  });
  return { width, height, frames, bitDepth };
}

export function readTiff(path: string): TiffFrames {
  return decodeTiff(readFileBytes(path), path);
}

/** Uncompressed little-endian grey TIFF, one page per frame; values rounded and clamped to the bit depth. */
export function encodeGrayTiff(width: number, height: number, frames: ArrayLike<number>[], bitDepth: 8 | 16 = 8): Uint8Array {
  if (!frames.length) throw new Error('a TIFF needs at least one frame');
  const n = width * height;
  const bytesPer = bitDepth / 8;
  const entries = 10;
  const ifdSize = 2 + entries * 12 + 4;
  const pageSize = ifdSize + n * bytesPer;
  const out = new Uint8Array(8 + frames.length * pageSize);
  const view = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0], 0);
  view.setUint32(4, 8, true);
  const max = bitDepth === 8 ? 255 : 65535;
  frames.forEach((frame, page) => {
    if (frame.length !== n) throw new Error(`TIFF frame ${page} has ${frame.length} values, not ${width}x${height}`);
    const ifd = 8 + page * pageSize;
    const dataAt = ifd + ifdSize;
    const tags: [number, number, number][] = [
      [256, 4, width], [257, 4, height], [258, 3, bitDepth], [259, 3, 1], [262, 3, 1],
      [273, 4, dataAt], [277, 3, 1], [278, 4, height], [279, 4, n * bytesPer], [339, 3, 1],
    ];
    view.setUint16(ifd, entries, true);
    tags.forEach(([tag, type, value], i) => {
      const at = ifd + 2 + i * 12;
      view.setUint16(at, tag, true);
      view.setUint16(at + 2, type, true);
      view.setUint32(at + 4, 1, true);
      if (type === 3) view.setUint16(at + 8, value, true);
      else view.setUint32(at + 8, value, true);
    });
    view.setUint32(ifd + 2 + entries * 12, page + 1 < frames.length ? ifd + pageSize : 0, true);
    for (let i = 0; i < n; i++) {
      const v = Math.max(0, Math.min(max, Math.round(frame[i])));
      if (bitDepth === 8) out[dataAt + i] = v;
      else view.setUint16(dataAt + 2 * i, v, true);
    }
  });
  return out;
}

/** Writes a grey TIFF atomically. */
export function writeGrayTiff(path: string, width: number, height: number, frames: ArrayLike<number>[], bitDepth: 8 | 16 = 8): void {
  writeFileAtomic(path, encodeGrayTiff(width, height, frames, bitDepth));
}
