// Checks of a TIFF file before UTIF reads it. UTIF trusts the file: it follows IFD chains and sub-IFDs wherever
// they point, and hands its strip decoders whatever byte counts claim, so a corrupt file could make it loop for
// ever or decode garbage without a word (found by decoders-fuzz.test.ts). These checks walk the structure, and
// work out how many bytes each strip decodes to (LZW, PackBits and Deflate; uncompressed: its count), against
// what its rows need. JPEG strips (compression 7) are left to UTIF's decoder, which throws on corrupt data.
import { inflateSync } from 'node:zlib';
import type { IFD } from 'utif';

/** The first value of tag `tag`, or `fallback` (UTIF keeps each tag as an array under t<tag>). */
export function tagNumber(ifd: IFD, tag: number, fallback: number): number {
  const v = ifd[`t${tag}`];
  return v && typeof v[0] === 'number' ? v[0] : fallback;
}

/** Bytes per value of each TIFF field type (TIFF 6.0 section 2, plus 13 IFD and 16-18 of BigTIFF). */
const TYPE_BYTES: Record<number, number> = {
  1: 1,
  2: 1,
  3: 2,
  4: 4,
  5: 8,
  6: 1,
  7: 1,
  8: 2,
  9: 4,
  10: 8,
  11: 4,
  12: 8,
  13: 4,
};
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
export function checkTiffStructure(bytes: Uint8Array, little: boolean, name: string): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const seen = new Set<number>();
  const fail = (why: string): never => {
    throw new Error(`${name}: not a readable TIFF (${why})`);
  };
  const walk = (offset: number, what: string): number => {
    if (offset < 8 || offset + 2 > bytes.length)
      fail(`${what} at byte ${offset} lies outside the file of ${bytes.length} bytes`);
    if (seen.has(offset)) fail(`${what} at byte ${offset} is reached twice: the file's structure loops`);
    seen.add(offset);
    if (seen.size > MAX_IFDS) fail(`more than ${MAX_IFDS} IFDs`);
    const entries = view.getUint16(offset, little);
    if (offset + 2 + 12 * entries + 4 > bytes.length)
      fail(`${what} at byte ${offset} has ${entries} entries, running past the end of the file`);
    for (let i = 0; i < entries; i++) {
      const at = offset + 2 + 12 * i;
      const [tag, type, count, value] = [
        view.getUint16(at, little),
        view.getUint16(at + 2, little),
        view.getUint32(at + 4, little),
        view.getUint32(at + 8, little),
      ];
      const size = (TYPE_BYTES[type] ?? 0) * count;
      const inline = size <= 4 && !ALWAYS_AT_OFFSET.has(type);
      if (!inline && value + size > bytes.length)
        fail(`tag ${tag} of ${what} has ${count} values at byte ${value}, past the end of the file`);
      const start = inline ? at + 8 : value;
      if (tag === 330 || tag === 34665) {
        // UTIF follows these whatever their type; only offsets (LONG or IFD, or SHORT) make sense.
        if (type !== 3 && type !== 4 && type !== 13)
          fail(`tag ${tag} of ${what} lists sub-IFDs as type ${type}, not offsets`);
        for (let k = 0; k < count; k++)
          walk(
            type === 3 ? view.getUint16(start + 2 * k, little) : view.getUint32(start + 4 * k, little),
            `sub-IFD of tag ${tag}`,
          );
      } else if (tag === 50740 && type !== 1 && type !== 7) {
        fail(`tag 50740 (DNG private data) of ${what} is of type ${type}, not bytes`);
      } else if (tag === 50740 && size >= 4) {
        const sub = view.getUint32(start, little);
        if (sub + 2 <= bytes.length && view.getUint16(sub, little) < 300) walk(sub, 'DNG private IFD');
      } else if (tag === 37500 && size > 0) {
        // UTIF decodes a Nikon maker note as a TIFF of its own; others as an IFD when they start like one.
        if (size >= 5 && String.fromCharCode(...bytes.subarray(start, start + 5)) === 'Nikon')
          fail('a Nikon maker note, which is not read');
        if (value + 2 <= bytes.length && view.getUint16(value, little) < 300) walk(value, 'maker note IFD');
      }
    }
    return view.getUint32(offset + 2 + 12 * entries, little);
  };
  for (let next = view.getUint32(4, little), page = 0; next !== 0; page++) next = walk(next, `IFD ${page}`);
}

/**
 * The bytes an LZW strip decodes to, or -1 when it has no end-of-information code within its `length` bytes.
 * UTIF's LZW decoder stops at that code and nowhere else: past the end of a corrupt strip it read on into the
 * next page, and past the file's end zeros, for ever. This reads the codes as it does (TIFF 6.0 section 13: 9
 * bits after each clear code, one bit more one code early), and counts each code's string length.
 */
function lzwDecodedLength(bytes: Uint8Array, start: number, length: number): number {
  const end = (start + length) * 8;
  const lengths = new Uint32Array(4096 + 2);
  let bits = 9;
  let at = start * 8;
  let next = 258;
  let previous = -1;
  let out = 0;
  const read = (): number => {
    const v = ((bytes[at >>> 3] ?? 0) << 16) | ((bytes[(at + 8) >>> 3] ?? 0) << 8) | (bytes[(at + 16) >>> 3] ?? 0);
    const code = (v >> (24 - (at & 7) - bits)) & ((1 << bits) - 1);
    at += bits;
    return code;
  };
  const stringLength = (code: number) => (code < 256 ? 1 : (lengths[code] ?? 0));
  while (at + bits <= end) {
    const code = read();
    if (code === 257) return out;
    if (code === 256) {
      [bits, next, previous] = [9, 258, -1];
      continue;
    }
    if (previous < 0) {
      out += stringLength(code);
    } else {
      // A new entry: the previous string and one byte (of this code's string, or of its own when code is new).
      const entry = stringLength(previous) + 1;
      out += code < next ? stringLength(code) : entry;
      if (next < lengths.length) lengths[next] = entry;
      next++;
      if (next + 1 === 1 << bits) bits++;
    }
    previous = code;
  }
  return -1;
}

/** The bytes a PackBits strip decodes to (a header byte n: n + 1 literal bytes, or one byte 1 - n times). */
function packBitsDecodedLength(bytes: Uint8Array, start: number, length: number): number {
  let out = 0;
  for (let i = start, end = start + length; i < end;) {
    const n = (bytes[i++] << 24) >> 24;
    if (n >= 0) {
      out += n + 1;
      i += n + 1;
    } else if (n !== -128) {
      out += 1 - n;
      i++;
    }
  }
  return out;
}

/**
 * The bytes a Deflate strip decodes to, at most `enough` (no more is inflated), or -1 when it does not inflate:
 * node's zlib says so where UTIF's pako stopped quietly at the end of a truncated strip.
 */
function deflateDecodedLength(bytes: Uint8Array, start: number, length: number, enough: number): number {
  try {
    return inflateSync(bytes.subarray(start, start + length), { maxOutputLength: Math.max(1, enough) }).length;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? enough : -1;
  }
}

/**
 * Throws unless every strip (or tile) of page `page` lies in the file and decodes to at least the bytes its rows
 * need: a truncated Deflate or PackBits strip, or an uncompressed one whose count is short, decoded to a page half
 * made of zeros, and a strip count of 1 GB in a 356-byte file made UTIF's fax decoder loop without end.
 */
export function checkStrips(bytes: Uint8Array, ifd: IFD, page: number, name: string): void {
  const [width, height] = [tagNumber(ifd, 256, 0), tagNumber(ifd, 257, 0)];
  const compression = tagNumber(ifd, 259, 1);
  const tiled = ifd.t324 !== undefined;
  const offsets = (tiled ? ifd.t324 : (ifd.t273 ?? [])) as ArrayLike<unknown>;
  const counts = (tiled ? ifd.t325 : (ifd.t279 ?? [])) as ArrayLike<unknown>;
  const planar = tagNumber(ifd, 284, 1) === 2;
  const bitsPerPixel = tagNumber(ifd, 258, 1) * (planar ? 1 : tagNumber(ifd, 277, 1));
  const rowsPerStrip = Math.min(tagNumber(ifd, 278, height), height) || height;
  const stripsPerPlane = Math.ceil(height / rowsPerStrip);
  const needed = (k: number): number => {
    if (tiled) return Math.ceil((tagNumber(ifd, 322, 0) * bitsPerPixel) / 8) * tagNumber(ifd, 323, 0);
    return Math.ceil((width * bitsPerPixel) / 8) * Math.min(rowsPerStrip, height - (k % stripsPerPlane) * rowsPerStrip);
  };
  for (let k = 0; k < offsets.length; k++) {
    const [at, length] = [offsets[k], counts[k]];
    if (
      !Number.isSafeInteger(at) ||
      !Number.isSafeInteger(length) ||
      typeof at !== 'number' ||
      typeof length !== 'number'
    ) {
      throw new Error(`${name}: page ${page} is corrupt (strip ${k} has no usable offset or byte count)`);
    }
    if (at + length > bytes.length)
      throw new Error(
        `${name}: page ${page} is truncated (strip ${k} claims bytes ${at} to ${at + length}; the file has ${bytes.length})`,
      );
    const decoded =
      compression === 5
        ? lzwDecodedLength(bytes, at, length)
        : compression === 8
          ? deflateDecodedLength(bytes, at, length, needed(k))
          : compression === 32773
            ? packBitsDecodedLength(bytes, at, length)
            : compression === 1
              ? length
              : Infinity;
    if (compression === 5 && decoded < 0)
      throw new Error(
        `${name}: page ${page} is corrupt (LZW strip ${k} has no end-of-information code within its bytes)`,
      );
    if (compression === 8 && decoded < 0)
      throw new Error(`${name}: page ${page} is corrupt (Deflate strip ${k} does not inflate)`);
    if (decoded < needed(k))
      throw new Error(
        `${name}: page ${page} is truncated (strip ${k} decodes to ${decoded} of the ${needed(k)} bytes its rows need)`,
      );
  }
}
