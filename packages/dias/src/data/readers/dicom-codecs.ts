// Pixel codecs behind the DICOM transfer syntaxes: JPEG baseline (libjpeg-turbo WASM), JPEG-LS (CharLS WASM),
// JPEG 2000 (OpenJPEG WASM), JPEG lossless (jpeg-lossless-decoder-js), RLE (rle.ts) and uncompressed. Each returns the frame's sample words
// interleaved per pixel; masking to BitsStored, sign and rescale happen in dicom.ts.
import { createRequire } from 'node:module';
import { Decoder as LosslessDecoder } from 'jpeg-lossless-decoder-js';
import { decodeDicomRle } from './rle.js';

export type PixelEncoding =
  'native' | 'native-big-endian' | 'jpeg-baseline' | 'jpeg-lossless' | 'jpeg-ls' | 'jpeg-2000' | 'rle' | 'unsupported';

/** Transfer syntax UID -> name and pixel encoding. */
export const TRANSFER_SYNTAXES: Record<string, { name: string; encoding: PixelEncoding }> = {
  '1.2.840.10008.1.2': { name: 'Implicit VR Little Endian', encoding: 'native' },
  '1.2.840.10008.1.2.1': { name: 'Explicit VR Little Endian', encoding: 'native' },
  '1.2.840.10008.1.2.1.99': { name: 'Deflated Explicit VR Little Endian', encoding: 'native' },
  '1.2.840.10008.1.2.2': { name: 'Explicit VR Big Endian', encoding: 'native-big-endian' },
  '1.2.840.10008.1.2.4.50': { name: 'JPEG Baseline (8-bit)', encoding: 'jpeg-baseline' },
  '1.2.840.10008.1.2.4.51': { name: 'JPEG Extended (12-bit)', encoding: 'jpeg-baseline' },
  '1.2.840.10008.1.2.4.57': { name: 'JPEG Lossless', encoding: 'jpeg-lossless' },
  '1.2.840.10008.1.2.4.70': { name: 'JPEG Lossless SV1', encoding: 'jpeg-lossless' },
  '1.2.840.10008.1.2.4.80': { name: 'JPEG-LS Lossless', encoding: 'jpeg-ls' },
  '1.2.840.10008.1.2.4.81': { name: 'JPEG-LS Near-Lossless', encoding: 'jpeg-ls' },
  '1.2.840.10008.1.2.5': { name: 'RLE Lossless', encoding: 'rle' },
  '1.2.840.10008.1.2.4.90': { name: 'JPEG 2000 Lossless', encoding: 'jpeg-2000' },
  '1.2.840.10008.1.2.4.91': { name: 'JPEG 2000', encoding: 'jpeg-2000' },
  '1.2.840.10008.1.2.4.100': { name: 'MPEG2', encoding: 'unsupported' },
  '1.2.840.10008.1.2.4.102': { name: 'MPEG-4 AVC/H.264', encoding: 'unsupported' },
  '1.2.840.10008.1.2.4.103': { name: 'MPEG-4 AVC/H.264 BD', encoding: 'unsupported' },
};

export interface FrameFormat {
  rows: number;
  columns: number;
  bitsAllocated: number;
  samplesPerPixel: number;
  /** 0: R,G,B per pixel; 1: all R, then all G, then all B (native colour only). */
  planarConfiguration: number;
}

export type SampleWords = Uint8Array | Uint16Array | Uint32Array;

// The WASM codecs are emscripten CommonJS factories; each is instantiated once, on first use.
const require = createRequire(import.meta.url);
type Factory = (options?: object) => Promise<Record<string, new () => CornerstoneDecoder>>;
const modules = new Map<string, Promise<Record<string, new () => CornerstoneDecoder>>>();
function wasmModule(id: string): Promise<Record<string, new () => CornerstoneDecoder>> {
  let m = modules.get(id);
  if (!m) {
    const factory = require(id) as Factory;
    // Quiet: OpenJPEG logs every header it reads to stdout; failures still throw.
    m = factory({ print: () => {}, printErr: () => {} });
    modules.set(id, m);
  }
  return m;
}

async function decodeWasm(
  moduleId: string,
  className: string,
  bytes: Uint8Array,
  name: string,
): Promise<{ data: Uint8Array; info: CornerstoneFrameInfo }> {
  const mod = await wasmModule(moduleId);
  const decoder = new mod[className]();
  try {
    decoder.getEncodedBuffer(bytes.length).set(bytes);
    decoder.decode();
    const info = decoder.getFrameInfo();
    return { data: decoder.getDecodedBuffer().slice(), info };
  } catch (e) {
    // The codecs are C++ built without exception messages: what they throw is a bare number (the address of the
    // exception object), which said nothing ("JPEGDecoder failed (90328)").
    const why =
      e instanceof Error
        ? e.message
        : typeof e === 'number'
          ? 'the compressed data is corrupt or not of this encoding'
          : String(e);
    throw new Error(`${name}: ${className} failed (${why})`);
  } finally {
    decoder.delete();
  }
}

function checkSize(
  name: string,
  what: string,
  got: { width: number; height: number; components: number },
  format: FrameFormat,
): void {
  if (got.width !== format.columns || got.height !== format.rows || got.components !== format.samplesPerPixel) {
    throw new Error(
      `${name}: ${what} frame is ${got.width}x${got.height}x${got.components}, the header says ${format.columns}x${format.rows}x${format.samplesPerPixel}`,
    );
  }
}

/** Uncompressed frame bytes to words; planar colour is interleaved. */
export function nativeWords(bytes: Uint8Array, format: FrameFormat, bigEndian: boolean, name: string): SampleWords {
  const { rows, columns, bitsAllocated, samplesPerPixel } = format;
  const count = rows * columns * samplesPerPixel;
  const size = bitsAllocated / 8;
  if (![1, 2, 4].includes(size))
    throw new Error(`${name}: ${bitsAllocated} bits allocated per sample is not read (8, 16 or 32)`);
  if (bytes.length < count * size)
    throw new Error(`${name}: pixel data truncated (${bytes.length} of ${count * size} bytes for a frame)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const words = size === 1 ? new Uint8Array(count) : size === 2 ? new Uint16Array(count) : new Uint32Array(count);
  const planar = samplesPerPixel > 1 && format.planarConfiguration === 1;
  const pixels = rows * columns;
  for (let i = 0; i < count; i++) {
    const v =
      size === 1 ? bytes[i] : size === 2 ? view.getUint16(2 * i, !bigEndian) : view.getUint32(4 * i, !bigEndian);
    const dst = planar ? (i % pixels) * samplesPerPixel + Math.floor(i / pixels) : i;
    words[dst] = v;
  }
  return words;
}

/** Decodes one encapsulated frame. */
export async function decodeCompressedFrame(
  encoding: PixelEncoding,
  bytes: Uint8Array,
  format: FrameFormat,
  name: string,
): Promise<SampleWords> {
  switch (encoding) {
    case 'jpeg-baseline': {
      if (format.bitsAllocated > 8) throw new Error(`${name}: 12-bit JPEG extended is not read (only 8-bit baseline)`);
      const { data, info } = await decodeWasm(
        '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs',
        'JPEGDecoder',
        bytes,
        name,
      );
      checkSize(name, 'JPEG', { width: info.width, height: info.height, components: info.componentCount }, format);
      return data;
    }
    case 'jpeg-ls': {
      const { data, info } = await decodeWasm('@cornerstonejs/codec-charls/decodewasmjs', 'JpegLSDecoder', bytes, name);
      checkSize(name, 'JPEG-LS', { width: info.width, height: info.height, components: info.componentCount }, format);
      if (info.bitsPerSample <= 8) return data;
      return new Uint16Array(data.buffer, data.byteOffset, data.byteLength >> 1); // CharLS writes machine (little) endian
    }
    case 'jpeg-2000': {
      const { data, info } = await decodeWasm('@cornerstonejs/codec-openjpeg/decodewasmjs', 'J2KDecoder', bytes, name);
      checkSize(name, 'JPEG 2000', { width: info.width, height: info.height, components: info.componentCount }, format);
      if (info.bitsPerSample <= 8) return data;
      return new Uint16Array(data.buffer, data.byteOffset, data.byteLength >> 1); // OpenJPEG's output is little endian
    }
    case 'jpeg-lossless': {
      let out: Uint8Array | Uint16Array;
      try {
        const copy = new Uint8Array(bytes); // a real copy: Buffer.slice would share the whole file's ArrayBuffer
        out = new LosslessDecoder().decode(copy.buffer, 0, copy.byteLength, format.bitsAllocated <= 8 ? 1 : 2);
      } catch (e) {
        throw new Error(`${name}: JPEG lossless decoding failed (${e instanceof Error ? e.message : String(e)})`);
      }
      const expected = format.rows * format.columns * format.samplesPerPixel;
      if (out.length !== expected)
        throw new Error(`${name}: JPEG lossless frame has ${out.length} samples, the header says ${expected}`);
      return out;
    }
    case 'rle':
      return decodeDicomRle(bytes, format.rows, format.columns, format.bitsAllocated, format.samplesPerPixel, name);
    default:
      throw new Error(`${name}: no decoder for this compressed pixel encoding (${encoding})`);
  }
}
