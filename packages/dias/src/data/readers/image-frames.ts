// Frames from one 2D image file: a PNG is one frame, a TIFF one frame per page.
import { extname } from 'node:path';
import { readGrayPng, type GrayImage } from '../../image/png.js';
import { readTiff } from '../../image/tiff.js';

export interface ImageFrames {
  width: number;
  height: number;
  frames: Float32Array[];
  bitDepth: number;
}

const EXTENSIONS = new Set(['.png', '.tif', '.tiff']);

export function isImageFile(name: string): boolean {
  return EXTENSIONS.has(extname(name).toLowerCase());
}

export function readImageFrames(path: string): ImageFrames {
  const ext = extname(path).toLowerCase();
  if (ext === '.png') {
    const img = readGrayPng(path);
    return { width: img.width, height: img.height, frames: [img.data], bitDepth: img.bitDepth };
  }
  if (ext === '.tif' || ext === '.tiff') return readTiff(path);
  throw new Error(`${path}: not an image file this reader knows (.png, .tif, .tiff)`);
}

/** The first frame (page) of an image file as a grey image, for the label and scribble readers. */
export function firstFrameGray(image: ImageFrames): GrayImage {
  const bits = image.bitDepth;
  const bitDepth = bits === 1 || bits === 2 || bits === 4 || bits === 16 ? bits : 8;
  return { width: image.width, height: image.height, data: image.frames[0], bitDepth };
}

/** What a file must share with the other frames of its sequence. */
export interface FrameFormat {
  width: number;
  height: number;
  bitDepth: number;
}

/**
 * Why a frame file cannot join the sequence that `first` opened, or undefined when it can: the same size and the
 * same bit depth. One bit depth, because the frames are normalised together (z-score, display stretch): a 16-bit
 * frame among 8-bit ones would sit 257 times brighter than its neighbours, a 30000 beside 117. Rescaling it would
 * be a guess about how it was exported, so it is an error (dias data check reports it the same way).
 * The text does not start with the path; the caller puts it in front or in a problem list.
 */
export function frameMismatch(first: { path: string; image: FrameFormat }, image: FrameFormat): string | undefined {
  const a = first.image;
  if (image.width !== a.width || image.height !== a.height) {
    return `${image.width}x${image.height}, but ${first.path} is ${a.width}x${a.height} (frames of a sequence must share a size)`;
  }
  if (image.bitDepth !== a.bitDepth) {
    return `${image.bitDepth}-bit, but ${first.path} is ${a.bitDepth}-bit (frames of a sequence must share a bit depth)`;
  }
  return undefined;
}

/** Stacks frames of several files into [T][H][W], refusing size or bit-depth changes with the file that breaks them. */
export function stackFrames(parts: { path: string; image: ImageFrames }[]): {
  frames: Float32Array;
  T: number;
  H: number;
  W: number;
} {
  if (!parts.length) throw new Error('no frames to stack');
  const { width: W, height: H } = parts[0].image;
  let T = 0;
  for (const { path, image } of parts) {
    const problem = frameMismatch(parts[0], image);
    if (problem) throw new Error(`${path}: ${problem}`);
    T += image.frames.length;
  }
  const n = W * H;
  const frames = new Float32Array(T * n);
  let t = 0;
  for (const { image } of parts) for (const f of image.frames) frames.set(f, n * t++);
  return { frames, T, H, W };
}
