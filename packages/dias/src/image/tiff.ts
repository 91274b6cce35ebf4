// TIFF in and out. Reading goes through UTIF (uncompressed, LZW, PackBits, Deflate, JPEG); every page is one frame,
// so a multi-page TIFF is a sequence. Grey 8/16-bit, 32-bit float, and RGB(A) (taken as luminance, as PNGs) are
// read. Writing is a small uncompressed little-endian multi-page grey encoder (8 or 16 bit), for exports and tests.
import { readFileBytes, writeFileAtomic } from '@dias-ts/torch';
import UTIF, { type IFD } from 'utif';
import { checkPixelCount } from './pixel-limit.js';
import { checkStrips, checkTiffStructure, tagNumber } from './tiff-checks.js';

export interface TiffFrames {
  width: number;
  height: number;
  /** One row-major Float32Array per page. */
  frames: Float32Array[];
  bitDepth: number;
}

export function decodeTiff(bytes: Uint8Array, name = '<tiff>'): TiffFrames {
  const le = bytes[0] === 0x49 && bytes[1] === 0x49 && bytes[2] === 42 && bytes[3] === 0;
  const be = bytes[0] === 0x4d && bytes[1] === 0x4d && bytes[2] === 0 && bytes[3] === 42;
  if (bytes.length < 8 || (!le && !be)) throw new Error(`${name}: not a TIFF file (bad header)`);
  checkTiffStructure(bytes, le, name);
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
    if (!(Number.isInteger(w) && Number.isInteger(h) && w >= 1 && h >= 1))
      throw new Error(`${name}: page ${page} has no usable size (ImageWidth ${w}, ImageLength ${h})`);
  });
  const sizes = ifds.map((ifd) => tagNumber(ifd, 256, 0) * tagNumber(ifd, 257, 0));
  const w0 = tagNumber(ifds[0], 256, 0),
    h0 = tagNumber(ifds[0], 257, 0);
  checkPixelCount(
    name,
    `${w0}x${h0}${ifds.length > 1 ? ` x ${ifds.length} pages` : ''}`,
    sizes.reduce((a, b) => a + b, 0),
  );
  ifds.forEach((ifd, page) => {
    const compression = tagNumber(ifd, 259, 1);
    if (![1, 5, 7, 8, 32773].includes(compression))
      throw new Error(`${name}: page ${page} uses TIFF compression ${compression}, which is not read`);
    const [bits, format] = [tagNumber(ifd, 258, 1), tagNumber(ifd, 339, 1)]; // format: 1 unsigned, 2 signed, 3 float
    if (![1, 8, 16, 32].includes(bits) || (bits === 32 && format !== 3) || (bits !== 32 && format === 3)) {
      throw new Error(
        `${name}: page ${page} has ${bits}-bit samples of format ${format}; grey 8/16-bit integers or 32-bit floats are read`,
      );
    }
    checkStrips(bytes, ifd, page, name);
  });
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
    else if (w !== width || h !== height)
      throw new Error(`${name}: page ${page} is ${w}x${h}, page 0 is ${width}x${height} (frames must share a size)`);
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
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) out[y * w + x] = (data[y * rowBytes + (x >> 3)] >> (7 - (x & 7))) & 1 ? 255 : 0;
    } else if (spp === 1 || spp === 2) {
      for (let i = 0; i < n; i++) out[i] = sample(i * spp);
    } else if (photometric === 2 && (spp === 3 || spp === 4)) {
      for (let i = 0; i < n; i++)
        out[i] = (sample(i * spp) * 299 + sample(i * spp + 1) * 587 + sample(i * spp + 2) * 114) / 1000;
      if (bits === 8) for (let i = 0; i < n; i++) out[i] = Math.floor(out[i]);
    } else
      throw new Error(
        `${name}: page ${page} has ${spp} samples per pixel with photometric ${photometric}; grey or RGB is read`,
      );
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
export function encodeGrayTiff(
  width: number,
  height: number,
  frames: ArrayLike<number>[],
  bitDepth: 8 | 16 = 8,
): Uint8Array {
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
      [256, 4, width],
      [257, 4, height],
      [258, 3, bitDepth],
      [259, 3, 1],
      [262, 3, 1],
      [273, 4, dataAt],
      [277, 3, 1],
      [278, 4, height],
      [279, 4, n * bytesPer],
      [339, 3, 1],
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
export function writeGrayTiff(
  path: string,
  width: number,
  height: number,
  frames: ArrayLike<number>[],
  bitDepth: 8 | 16 = 8,
): void {
  writeFileAtomic(path, encodeGrayTiff(width, height, frames, bitDepth));
}
