// Pictures of a segmentation for reports: probability map, binary mask, error map (as the DIAS paper's figure 7),
// contours over a background image (e.g. the MinIP), and a panel tiling several pictures. Builders return pixels;
// the write* helpers save PNGs atomically (through image/png.ts).
import { binaryErode } from '../image/morphology.js';
import { writeGrayPng, writeRgbPng, type RgbImage } from '../image/png.js';

export type Rgb = readonly [number, number, number];

/** Error-map colours: true positive white, false positive green, false negative red, true negative black. */
export const ERROR_COLORS = {
  tp: [255, 255, 255] as Rgb,
  fp: [0, 255, 0] as Rgb,
  fn: [255, 0, 0] as Rgb,
  tn: [0, 0, 0] as Rgb,
};

function checkSize(length: number, width: number, height: number, what: string): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0)
    throw new Error(`${what}: bad size ${width}x${height}`);
  if (length !== width * height)
    throw new Error(`${what}: ${length} pixels, but ${width}x${height} needs ${width * height}`);
}

/** 8-bit grey of a probability map: floor(p * 255), clamped, as the official tester's np.uint8(p * 255). */
export function probabilityImage(prob: ArrayLike<number>, width: number, height: number): Uint8Array {
  checkSize(prob.length, width, height, 'probability picture');
  const out = new Uint8Array(prob.length);
  for (let i = 0; i < prob.length; i++) {
    const v = Math.floor(prob[i] * 255);
    out[i] = v > 255 ? 255 : v > 0 ? v : 0; // NaN lands on 0
  }
  return out;
}

/** 0/255 grey of a mask (nonzero = 255). */
export function maskImage(mask: ArrayLike<number>, width: number, height: number): Uint8Array {
  checkSize(mask.length, width, height, 'mask picture');
  // A plain loop: Uint8Array.from with a callback took about 70 ms for 800x800, half of a click's writing.
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) out[i] = mask[i] ? 255 : 0;
  return out;
}

/** Grey (0..255) as RGB, to put grey pictures into a panel. */
export function grayToRgb(gray: ArrayLike<number>, width: number, height: number): RgbImage {
  checkSize(gray.length, width, height, 'grey picture');
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < gray.length; i++) {
    const v = Math.max(0, Math.min(255, Math.round(gray[i])));
    data[3 * i] = data[3 * i + 1] = data[3 * i + 2] = v;
  }
  return { width, height, data };
}

/** Values of any range stretched to grey 0..255 (their minimum black, maximum white) as RGB, e.g. a MinIP. */
export function stretchedGrayToRgb(values: ArrayLike<number>, width: number, height: number): RgbImage {
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return grayToRgb(
    Float32Array.from(values, (v) => ((v - lo) / (hi - lo || 1)) * 255),
    width,
    height,
  );
}

/** Prediction against ground truth, coloured by ERROR_COLORS (both binary, nonzero = vessel). */
export function errorMap(
  prediction: ArrayLike<number>,
  groundTruth: ArrayLike<number>,
  width: number,
  height: number,
): RgbImage {
  checkSize(prediction.length, width, height, 'error map prediction');
  checkSize(groundTruth.length, width, height, 'error map ground truth');
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < prediction.length; i++) {
    const p = prediction[i],
      g = groundTruth[i];
    const c = p ? (g ? ERROR_COLORS.tp : ERROR_COLORS.fp) : g ? ERROR_COLORS.fn : ERROR_COLORS.tn;
    data[3 * i] = c[0];
    data[3 * i + 1] = c[1];
    data[3 * i + 2] = c[2];
  }
  return { width, height, data };
}

/** The inner boundary of a mask: its pixels with an edge neighbour outside it (or on the image edge); 8-connected. */
export function maskContour(mask: ArrayLike<number>, width: number, height: number): Uint8Array {
  const inner = binaryErode(mask, width, height, 1, 4);
  // A plain loop: Uint8Array.from with a callback took about a third of an 800x800 overlay's time.
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) out[i] = mask[i] && !inner[i] ? 1 : 0;
  return out;
}

export interface OverlayOptions {
  prediction?: ArrayLike<number>;
  label?: ArrayLike<number>;
  /** Prediction contour colour (default green, as false positives in the error map). */
  predictionColor?: Rgb;
  /** Label contour colour (default red, as false negatives in the error map). */
  labelColor?: Rgb;
  /** Where the two contours coincide (default yellow). */
  bothColor?: Rgb;
  /** Background values mapped to black and white; default the background's own minimum and maximum. */
  range?: [number, number];
}

/**
 * Contours of the prediction and/or the label drawn over a grey background of any range (e.g. the MinIP of a
 * sequence), as RGB.
 */
export function contourOverlay(
  background: ArrayLike<number>,
  width: number,
  height: number,
  options: OverlayOptions = {},
): RgbImage {
  checkSize(background.length, width, height, 'overlay background');
  if (options.prediction) checkSize(options.prediction.length, width, height, 'overlay prediction');
  if (options.label) checkSize(options.label.length, width, height, 'overlay label');
  let [lo, hi] = options.range ?? [Infinity, -Infinity];
  if (!options.range) {
    for (let i = 0; i < background.length; i++) {
      const v = background[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  // Straight into RGB, rounded as grayToRgb rounds a float32 grey level (fround), so the bytes are as before.
  const image: RgbImage = { width, height, data: new Uint8Array(width * height * 3) };
  for (let i = 0; i < background.length; i++) {
    const v = Math.max(0, Math.min(255, Math.round(Math.fround((background[i] - lo) * scale))));
    image.data[3 * i] = image.data[3 * i + 1] = image.data[3 * i + 2] = v;
  }
  const pred = options.prediction ? maskContour(options.prediction, width, height) : null;
  const label = options.label ? maskContour(options.label, width, height) : null;
  const predColor = options.predictionColor ?? [0, 255, 0];
  const labelColor = options.labelColor ?? [255, 0, 0];
  const bothColor = options.bothColor ?? [255, 255, 0];
  for (let i = 0; i < background.length; i++) {
    const p = pred?.[i],
      l = label?.[i];
    if (!p && !l) continue;
    const c = p && l ? bothColor : p ? predColor : labelColor;
    image.data[3 * i] = c[0];
    image.data[3 * i + 1] = c[1];
    image.data[3 * i + 2] = c[2];
  }
  return image;
}

export interface PanelOptions {
  /** Pictures per row (default: all in one row). */
  columns?: number;
  /** Pixels between pictures and around the panel (default 4). */
  margin?: number;
  /** Margin colour (default white). */
  background?: Rgb;
}

/** Tiles RGB pictures in a grid, row by row; each sits at the top left of a cell as wide and tall as its column and row need. */
export function tilePanel(images: readonly RgbImage[], options: PanelOptions = {}): RgbImage {
  if (images.length === 0) throw new Error('panel: no pictures');
  const columns = options.columns ?? images.length;
  const margin = options.margin ?? 4;
  if (!Number.isInteger(columns) || columns < 1)
    throw new Error(`panel: columns must be a whole number >= 1, got ${columns}`);
  if (!Number.isInteger(margin) || margin < 0)
    throw new Error(`panel: margin must be a whole number >= 0, got ${margin}`);
  images.forEach((im, k) => checkSize(im.data.length / 3, im.width, im.height, `panel picture ${k}`));
  const rows = Math.ceil(images.length / columns);
  const colWidth = new Array<number>(Math.min(columns, images.length)).fill(0);
  const rowHeight = new Array<number>(rows).fill(0);
  images.forEach((im, k) => {
    colWidth[k % columns] = Math.max(colWidth[k % columns], im.width);
    rowHeight[Math.floor(k / columns)] = Math.max(rowHeight[Math.floor(k / columns)], im.height);
  });
  const width = colWidth.reduce((a, b) => a + b, 0) + margin * (colWidth.length + 1);
  const height = rowHeight.reduce((a, b) => a + b, 0) + margin * (rows + 1);
  const data = new Uint8Array(width * height * 3);
  const bg = options.background ?? [255, 255, 255];
  for (let i = 0; i < width * height; i++) data.set(bg, 3 * i);
  images.forEach((im, k) => {
    const c = k % columns,
      r = Math.floor(k / columns);
    let x0 = margin,
      y0 = margin;
    for (let j = 0; j < c; j++) x0 += colWidth[j] + margin;
    for (let j = 0; j < r; j++) y0 += rowHeight[j] + margin;
    for (let y = 0; y < im.height; y++) {
      data.set(im.data.subarray(y * im.width * 3, (y + 1) * im.width * 3), ((y0 + y) * width + x0) * 3);
    }
  });
  return { width, height, data };
}

export function writeProbabilityPng(path: string, prob: ArrayLike<number>, width: number, height: number): void {
  writeGrayPng(path, width, height, probabilityImage(prob, width, height));
}

export function writeMaskPng(path: string, mask: ArrayLike<number>, width: number, height: number): void {
  writeGrayPng(path, width, height, maskImage(mask, width, height));
}

export function writeErrorMapPng(
  path: string,
  prediction: ArrayLike<number>,
  groundTruth: ArrayLike<number>,
  width: number,
  height: number,
): void {
  writeRgbPng(path, errorMap(prediction, groundTruth, width, height));
}

export function writeOverlayPng(
  path: string,
  background: ArrayLike<number>,
  width: number,
  height: number,
  options: OverlayOptions = {},
): void {
  writeRgbPng(path, contourOverlay(background, width, height, options));
}

export function writePanelPng(path: string, images: readonly RgbImage[], options: PanelOptions = {}): void {
  writeRgbPng(path, tilePanel(images, options));
}
