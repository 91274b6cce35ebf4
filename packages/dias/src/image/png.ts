// PNG in and out: 8- and 16-bit grey, grey+alpha, RGB and RGBA read through fast-png; 8-bit grey, RGB and RGBA
// written through png-encode.ts (Node's zlib: faster). Errors name the file.
import { readFileBytes, writeFileAtomic } from '@dias-ts/torch';
import { decode } from 'fast-png';
import { encodePng8 } from './png-encode.js';
import { checkPixelCount } from './pixel-limit.js';

export interface GrayImage {
  width: number;
  height: number;
  /**
   * Row-major intensities; 0..65535 for 16-bit files, else 0..255: 1-, 2- and 4-bit grey levels scaled to it as
   * PIL's convert('L') does (a 1-bit file's 0 and 1 are 0 and 255; scribble readers take its levels from bitDepth).
   */
  data: Float32Array;
  bitDepth: 1 | 2 | 4 | 8 | 16;
}

export interface RgbImage {
  width: number;
  height: number;
  /** Row-major RGB triplets, 0..255. */
  data: Uint8Array;
}

/** Decodes a PNG to grey: colour images become their luminance (ITU-R BT.601), as PIL's convert('L'). */
export function decodeGrayPng(bytes: Uint8Array, name = '<png>'): GrayImage {
  // The size from IHDR (bytes 16..23, after the signature and the chunk's length and type) is checked against
  // the pixel limit before fast-png allocates the image.
  if (bytes.length >= 24 && bytes[12] === 0x49 && bytes[13] === 0x48 && bytes[14] === 0x44 && bytes[15] === 0x52) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const [w, h] = [view.getUint32(16), view.getUint32(20)];
    checkPixelCount(name, `${w}x${h}`, w * h);
  }
  let png;
  try {
    png = decode(bytes);
  } catch (e) {
    // fast-png reads a missing row's filter byte as undefined: the image data ends before the last row.
    const why =
      (e as Error).message === 'Unsupported filter: undefined'
        ? 'its image data ends before the last row'
        : (e as Error).message;
    throw new Error(`${name}: not a readable PNG (${why})`);
  }
  const { width, height, channels } = png;
  // fast-png decodes an IHDR of width or height 0 as an empty image; no reader can use one.
  if (width < 1 || height < 1) throw new Error(`${name}: the PNG is ${width}x${height}, no pixels`);
  const depth = png.depth;
  if (png.palette) throw new Error(`${name}: palette PNGs are not supported; save as greyscale`);
  const n = width * height;
  if (depth === 1 || depth === 2 || depth === 4) {
    // fast-png leaves these packed, as in the file: each row starts on a byte, the leftmost pixel in the high bits.
    if (channels !== 1) throw new Error(`${name}: unsupported ${depth}-bit PNG with ${channels} channels`);
    return { width, height, data: unpackGrey(png.data as Uint8Array, width, height, depth), bitDepth: depth };
  }
  if (depth !== 8 && depth !== 16) throw new Error(`${name}: unsupported PNG bit depth ${String(depth)}`);
  const src = png.data as ArrayLike<number>;
  const data = new Float32Array(n);
  if (channels === 1 || channels === 2) {
    for (let i = 0; i < n; i++) data[i] = src[i * channels];
  } else if (channels === 3 || channels === 4) {
    for (let i = 0; i < n; i++) {
      const o = i * channels;
      // PIL's integer formula: L = (R*299 + G*587 + B*114) / 1000, truncated.
      data[i] = Math.floor((src[o] * 299 + src[o + 1] * 587 + src[o + 2] * 114) / 1000);
    }
  } else {
    throw new Error(`${name}: unsupported PNG with ${channels} channels`);
  }
  return { width, height, data, bitDepth: depth };
}

/** Grey levels of `depth` bits packed MSB first, rows padded to a byte, as 0..255 (level * 255 / (2^depth - 1)). */
function unpackGrey(packed: Uint8Array, width: number, height: number, depth: 1 | 2 | 4): Float32Array {
  const rowBytes = Math.ceil((width * depth) / 8);
  const perByte = 8 / depth;
  const mask = (1 << depth) - 1;
  const scale = 255 / mask;
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const byte = packed[y * rowBytes + Math.floor(x / perByte)];
      const shift = 8 - depth * ((x % perByte) + 1);
      data[y * width + x] = ((byte >> shift) & mask) * scale;
    }
  }
  return data;
}

export function readGrayPng(path: string): GrayImage {
  return decodeGrayPng(readFileBytes(path), path);
}

/** Encodes 8-bit grey (values are rounded and clamped to 0..255). */
export function encodeGrayPng(width: number, height: number, data: ArrayLike<number>): Uint8Array {
  const pixels = new Uint8Array(width * height);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.max(0, Math.min(255, Math.round(data[i])));
  return encodePng8(width, height, 1, pixels);
}

export function encodeRgbPng(image: RgbImage): Uint8Array {
  return encodePng8(image.width, image.height, 3, image.data);
}

/** RGBA bytes (width x height x 4) as an 8-bit PNG: overlays with transparency. */
export function encodeRgbaPng(width: number, height: number, data: Uint8Array): Uint8Array {
  return encodePng8(width, height, 4, data);
}

/** Writes 8-bit grey atomically. */
export function writeGrayPng(path: string, width: number, height: number, data: ArrayLike<number>): void {
  writeFileAtomic(path, encodeGrayPng(width, height, data));
}

/** Writes RGB atomically. */
export function writeRgbPng(path: string, image: RgbImage): void {
  writeFileAtomic(path, encodeRgbPng(image));
}
