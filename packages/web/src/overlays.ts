// Turning grey arrays into what the viewer draws: the window/level lookup for frames, RGBA overlay pixels for the
// label, a run's probability, the error map and the scribbles, and the per-sequence metrics against a label.
// Colours: label cyan (an artery/vein label: arteries red, veins blue), probability yellow with opacity following p, error map as the issue asks (true positive
// white, false positive green, false negative red), scribbles magenta (vessel) and blue (background).

export type Rgba = [number, number, number, number];

export const COLORS = {
  label: [0, 200, 255, 255] as Rgba,
  artery: [255, 60, 60, 255] as Rgba,
  vein: [60, 130, 255, 255] as Rgba,
  probability: [255, 210, 0, 255] as Rgba,
  truePositive: [255, 255, 255, 255] as Rgba,
  falsePositive: [0, 220, 0, 255] as Rgba,
  falseNegative: [255, 0, 0, 255] as Rgba,
  vessel: [255, 40, 200, 255] as Rgba,
  background: [40, 120, 255, 255] as Rgba,
};

/** Maps every stored value of a `bits`-bit image to display 0..255 for a window of the given centre (level) and
 * width, in stored units, by DICOM's linear VOI function (PS3.3 C.11.2.1.2.1): y = ((x - (c - 0.5)) / (w - 1) + 0.5)
 * x 255, clamped; so level 128, width 256 shows 8-bit values as stored. Width 1 is a threshold at the level. */
export function windowLut(level: number, width: number, bits: 8 | 16 = 8): Uint8ClampedArray {
  const size = 1 << bits;
  const lut = new Uint8ClampedArray(size);
  for (let v = 0; v < size; v++) {
    lut[v] = width <= 1 ? (v >= level ? 255 : 0) : Math.round(((v - (level - 0.5)) / (width - 1) + 0.5) * 255);
  }
  return lut;
}

/** Writes stored values through the lookup into an opaque RGBA buffer. */
export function applyLut(gray: Uint8Array | Uint16Array, lut: Uint8ClampedArray, out: Uint8ClampedArray): void {
  const out32 = new Uint32Array(out.buffer, out.byteOffset, out.length / 4);
  for (let i = 0; i < gray.length; i++) {
    const g = lut[gray[i]];
    out32[i] = 0xff000000 | (g << 16) | (g << 8) | g; // little-endian RGBA
  }
}

function put(out: Uint8ClampedArray, i: number, c: Rgba, alpha = c[3]): void {
  out[4 * i] = c[0];
  out[4 * i + 1] = c[1];
  out[4 * i + 2] = c[2];
  out[4 * i + 3] = alpha;
}

export function labelOverlay(label: Uint8Array, out: Uint8ClampedArray): void {
  out.fill(0);
  for (let i = 0; i < label.length; i++) if (label[i] > 127) put(out, i, COLORS.label);
}

/** The artery/vein label (1 artery, 2 vein) in two colours. */
export function arteryVeinOverlay(label: Uint8Array, out: Uint8ClampedArray): void {
  out.fill(0);
  for (let i = 0; i < label.length; i++) {
    if (label[i] === 1) put(out, i, COLORS.artery);
    else if (label[i] === 2) put(out, i, COLORS.vein);
  }
}

export function probabilityOverlay(prob: Uint8Array, out: Uint8ClampedArray): void {
  out.fill(0);
  for (let i = 0; i < prob.length; i++) if (prob[i] > 12) put(out, i, COLORS.probability, prob[i]);
}

/** Thresholds the probability at 0.5 (128 of 255) against the label (> 127 is vessel). */
export function errorOverlay(prob: Uint8Array, label: Uint8Array, out: Uint8ClampedArray): void {
  out.fill(0);
  for (let i = 0; i < prob.length; i++) {
    const p = prob[i] >= 128;
    const l = label[i] > 127;
    if (p && l) put(out, i, COLORS.truePositive);
    else if (p) put(out, i, COLORS.falsePositive);
    else if (l) put(out, i, COLORS.falseNegative);
  }
}

export function scribbleOverlay(scribble: Uint8Array, out: Uint8ClampedArray): void {
  out.fill(0);
  for (let i = 0; i < scribble.length; i++) {
    if (scribble[i] === 1) put(out, i, COLORS.vessel);
    else if (scribble[i] === 0) put(out, i, COLORS.background);
  }
}

export interface Metrics {
  dsc: number;
  precision: number;
  recall: number;
  truePositive: number;
  falsePositive: number;
  falseNegative: number;
}

/** Dice, precision and recall of the thresholded probability against the label (1 when both are empty). */
export function sequenceMetrics(prob: Uint8Array, label: Uint8Array): Metrics {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < prob.length; i++) {
    const p = prob[i] >= 128;
    const l = label[i] > 127;
    if (p && l) tp++;
    else if (p) fp++;
    else if (l) fn++;
  }
  const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);
  return {
    dsc: ratio(2 * tp, 2 * tp + fp + fn),
    precision: ratio(tp, tp + fp),
    recall: ratio(tp, tp + fn),
    truePositive: tp,
    falsePositive: fp,
    falseNegative: fn,
  };
}
