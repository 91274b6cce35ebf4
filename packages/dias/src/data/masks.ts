// Dense labels and scribbles from grey PNG pixels, with the value rules of the DIAS release:
// labels are 0/255 (the official loaders divide by 255), scribbles are 1 vessel / 0 background / 255 unlabelled
// (the weakly supervised loaders read them raw and train with ignore_index = 255).
import { readGrayPng, type GrayImage } from '../image/png.js';
import { SCRIBBLE_UNLABELLED } from './sequence.js';

/** The distinct values of an image, ascending; stops collecting after `limit` of them (then `truncated`). */
export function distinctValues(data: ArrayLike<number>, limit = 32): { values: number[]; truncated: boolean } {
  const seen = new Set<number>();
  let truncated = false;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (seen.has(v)) continue;
    if (seen.size >= limit) {
      truncated = true;
      break;
    }
    seen.add(v);
  }
  return { values: [...seen].sort((a, b) => a - b), truncated };
}

function listValues(data: ArrayLike<number>): string {
  const { values, truncated } = distinctValues(data, 8);
  return values.join(', ') + (truncated ? ', ...' : '');
}

export interface LabelOptions {
  /** Refuse anything but {0,255} or {0,1} (dataset checks); otherwise grey values are binarised at half scale. */
  strict?: boolean;
}

/**
 * A 0/1 vessel mask from a grey label image. {0,1} images are taken as they are (nnU-Net style), {0, full scale}
 * images as >0; other values are an error when strict, otherwise binarised at half the full scale (>= 128 for
 * 8-bit files: hand-drawn masks with a few anti-aliased grey pixels).
 */
export function labelFromGray(image: GrayImage, name: string, options: LabelOptions = {}): Uint8Array {
  const full = image.bitDepth === 16 ? 65535 : 255;
  const { data } = image;
  let zeroOne = true;
  let zeroFull = true;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== 0 && v !== 1) zeroOne = false;
    if (v !== 0 && v !== full) zeroFull = false;
    if (!zeroOne && !zeroFull) break;
  }
  if (!zeroOne && !zeroFull && options.strict) {
    throw new Error(`${name}: label values must be 0 and ${full} (or 0 and 1); found ${listValues(data)}`);
  }
  const out = new Uint8Array(data.length);
  const threshold = zeroOne ? 1 : zeroFull ? 1 : Math.ceil(full / 2);
  for (let i = 0; i < data.length; i++) out[i] = data[i] >= threshold ? 1 : 0;
  return out;
}

/** labelFromGray of a label PNG that must be W x H; `against` names what set the size ('the frames are', 'x.npy is'). */
export function readLabelPng(path: string, W: number, H: number, against: string): Uint8Array {
  const img = readGrayPng(path);
  if (img.width !== W || img.height !== H) throw new Error(`${path}: ${img.width}x${img.height}, but ${against} ${W}x${H}`);
  return labelFromGray(img, path);
}

/** A scribble map (1 vessel, 0 background, 255 unlabelled) from a grey image; any other value is an error. */
export function scribbleFromGray(image: GrayImage, name: string): Uint8Array {
  const { data } = image;
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== 0 && v !== 1 && v !== SCRIBBLE_UNLABELLED) {
      throw new Error(`${name}: scribble values must be 1 (vessel), 0 (background) or 255 (unlabelled); found ${listValues(data)}`);
    }
    out[i] = v;
  }
  return out;
}
