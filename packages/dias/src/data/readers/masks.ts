// Dense labels and scribbles from grey PNG pixels, with the value rules of the DIAS release:
// labels are 0/255 (the official loaders divide by 255), scribbles are 1 vessel / 0 background / 255 unlabelled
// (the weakly supervised loaders read them raw and train with ignore_index = 255).
import { readGrayPng, type GrayImage } from '../../image/png.js';
import { SCRIBBLE_UNLABELLED } from '../sequence.js';

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

/**
 * The one label rule of every reader (data check, train, test, segment, metrics): a label holds 0 and full scale
 * (255 for 8-bit files, 65535 for 16-bit ones) or 0 and 1 (nnU-Net style), and nothing else. Anything else is
 * an error naming the file: grey values used to be binarised at half scale, which turned a 0/1/128 mask's 1s into
 * background without a word; a label that needs binarising is the user's to fix, not ours to guess.
 * Returns the 0/1 vessel mask.
 */
export function binaryLabel(data: ArrayLike<number>, fullScale: number, name: string): Uint8Array {
  let zeroOne = true;
  let zeroFull = true;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== 0 && v !== 1) zeroOne = false;
    if (v !== 0 && v !== fullScale) zeroFull = false;
    if (!zeroOne && !zeroFull) {
      let other = 0;
      for (let j = 0; j < data.length; j++) if (data[j] !== 0 && data[j] !== 1 && data[j] !== fullScale) other++;
      const mixed =
        other === 0
          ? ' (1 and full scale mixed)'
          : ` (${other} of ${data.length} pixels are neither 0, 1 nor ${fullScale})`;
      throw new Error(
        `${name}: label values must be 0 and ${fullScale} (or 0 and 1); found ${listValues(data)}${mixed}`,
      );
    }
  }
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] ? 1 : 0;
  return out;
}

/** binaryLabel of a grey label image, full scale from its bit depth. */
export function labelFromGray(image: GrayImage, name: string): Uint8Array {
  return binaryLabel(image.data, image.bitDepth === 16 ? 65535 : 255, name);
}

/** labelFromGray of a label PNG that must be W x H; `against` names what set the size ('the frames are', 'x.npy is'). */
export function readLabelPng(path: string, W: number, H: number, against: string): Uint8Array {
  const img = readGrayPng(path);
  if (img.width !== W || img.height !== H)
    throw new Error(`${path}: ${img.width}x${img.height}, but ${against} ${W}x${H}`);
  return labelFromGray(img, path);
}

/**
 * A scribble map (1 vessel, 0 background, 255 unlabelled) from a grey image; any other value is an error. A file of
 * fewer than 8 bits is read by its levels (a 1-bit file's 0 and 1, decoded as 0 and 255), so a 1-bit scribble is
 * 0 background and 1 vessel.
 */
export function scribbleFromGray(image: GrayImage, name: string): Uint8Array {
  const data = image.bitDepth < 8 ? toLevels(image.data, image.bitDepth) : image.data;
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== 0 && v !== 1 && v !== SCRIBBLE_UNLABELLED) {
      throw new Error(
        `${name}: scribble values must be 1 (vessel), 0 (background) or ${SCRIBBLE_UNLABELLED} (unlabelled); found ${listValues(data)}`,
      );
    }
    out[i] = v;
  }
  return out;
}

/**
 * An artery/vein label (labels_av/, `dias synth --classes av`): the class numbers themselves, 0 background,
 * 1 artery, 2 vein, and nothing else (a 0/255 file is an artery label in the wrong folder, an error naming it).
 */
export function avLabelFromGray(image: GrayImage, name: string): Uint8Array {
  const out = new Uint8Array(image.data.length);
  for (let i = 0; i < image.data.length; i++) {
    const v = image.data[i];
    if (v !== 0 && v !== 1 && v !== 2)
      throw new Error(
        `${name}: artery/vein label values must be 0 (background), 1 (artery) or 2 (vein); found ${listValues(image.data)}`,
      );
    out[i] = v;
  }
  return out;
}

/** The grey levels of a file of `bits` < 8 bits from its 0..255 decoding. */
function toLevels(data: Float32Array, bits: number): Float32Array {
  const scale = ((1 << bits) - 1) / 255;
  return data.map((v) => Math.round(v * scale));
}

/**
 * A region mask for restricting an analysis to some pixels (dias perfusion --mask): a label by the rule above
 * (0/255 or 0/1: 1 inside) or an artery/vein label (0 background, 1 artery, 2 vein; `dias synth --classes av`).
 * Returns 0 outside, 1 artery (or vessel), 2 vein; any other value, or another size, is an error naming the file.
 */
export function readRegionMask(path: string, W: number, H: number, against: string): Uint8Array {
  const img = readGrayPng(path);
  if (img.width !== W || img.height !== H)
    throw new Error(`${path}: ${img.width}x${img.height}, but ${against} ${W}x${H}`);
  const full = img.bitDepth === 16 ? 65535 : 255;
  const { values } = distinctValues(img.data, 4);
  if (values.every((v) => v === 0 || v === 1 || v === 2)) return Uint8Array.from(img.data);
  if (values.every((v) => v === 0 || v === full)) return binaryLabel(img.data, full, path);
  throw new Error(
    `${path}: mask values must be 0 and ${full} (or 0 and 1), or 0/1/2 (background, artery, vein); found ${listValues(img.data)}`,
  );
}
