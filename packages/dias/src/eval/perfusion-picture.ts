// Colour-coded parametric maps as pictures: the map in the Turbo colour scale over a dimmed MinIP (pixels without
// a value show the anatomy in grey), and beside it a colour bar with its title, unit and ticks. Time maps run from
// red (early) to blue (late), as parametric DSA displays show the arterial phase warm and the venous phase cold;
// other maps from blue (low) to red (high).
import { drawText, textHeight, textWidth } from '../image/bitmap-font.js';
import type { RgbImage } from '../image/png.js';
import { RgbCanvas, type Rgb } from '../image/rgb-canvas.js';

/** Turbo (Mikhailov 2019, Google AI blog), polynomial approximation; x in [0, 1] -> RGB 0..255. */
export function turbo(x: number): Rgb {
  const t = Math.min(1, Math.max(0, x));
  const r =
    0.13572138 + t * (4.6153926 + t * (-42.66032258 + t * (132.13108234 + t * (-152.94239396 + t * 59.28637943))));
  const g = 0.09140261 + t * (2.19418839 + t * (4.84296658 + t * (-14.18503333 + t * (4.27729857 + t * 2.82956604))));
  const b =
    0.1066733 + t * (12.64194608 + t * (-60.58204836 + t * (110.36276771 + t * (-89.90310912 + t * 27.34824973))));
  const c = (v: number) => Math.max(0, Math.min(255, Math.round(v * 255)));
  return [c(r), c(g), c(b)];
}

/** The [p, 1 - p] quantiles of the finite values (the colour range), or [0, 1] when there are none. */
export function valueRange(values: Float32Array, p = 0.02): [number, number] {
  const finite: number[] = [];
  for (const v of values) if (Number.isFinite(v)) finite.push(v);
  if (!finite.length) return [0, 1];
  finite.sort((a, b) => a - b);
  const lo = finite[Math.floor(p * (finite.length - 1))];
  const hi = finite[Math.ceil((1 - p) * (finite.length - 1))];
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}

export interface ParametricPictureOptions {
  /** e.g. 'time to peak'. */
  title: string;
  /** 'ms' maps are labelled in seconds; anything else as it is. */
  unit: string;
  /** Colour range; default valueRange(map). */
  range?: [number, number];
  /** Red for low values (time maps: early = red). */
  reverse?: boolean;
}

/** A colour's position in the scale for a value. */
function colourOf(v: number, lo: number, hi: number, reverse: boolean): Rgb {
  const x = (v - lo) / (hi - lo);
  return turbo(reverse ? 1 - x : x);
}

/**
 * The map (H x W, NaN = no value) over the dimmed background (H x W grey, any range, e.g. the MinIP), enlarged to
 * about 512 px when smaller, with the colour bar on the right.
 */
export function parametricPicture(
  map: Float32Array,
  background: ArrayLike<number>,
  W: number,
  H: number,
  options: ParametricPictureOptions,
): RgbImage {
  const [lo, hi] = options.range ?? valueRange(map);
  const reverse = options.reverse ?? false;
  const zoom = Math.max(1, Math.floor(512 / Math.max(W, H)));
  const text = 2;
  const seconds = options.unit === 'ms';
  const fmt = (v: number) => (seconds ? (v / 1000).toFixed(1) : v.toFixed(0));
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => lo + f * (hi - lo));
  const labelWidth = Math.max(...ticks.map((v) => textWidth(fmt(v), text)));
  const title = `${options.title} (${seconds ? 's' : options.unit})`;
  const barX = W * zoom + 16;
  const barW = 18;
  const width = Math.max(barX + barW + 8 + labelWidth + 8, W * zoom + 16 + textWidth(title, text) + 8);
  const top = textHeight(text) + 16;
  const height = Math.max(H * zoom, top + 120);
  const canvas = new RgbCanvas(width, height, [0, 0, 0]);
  let bLo = Infinity;
  let bHi = -Infinity;
  for (let i = 0; i < W * H; i++) {
    bLo = Math.min(bLo, background[i]);
    bHi = Math.max(bHi, background[i]);
  }
  const bScale = bHi > bLo ? 110 / (bHi - bLo) : 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const v = map[i];
      let colour: Rgb;
      if (Number.isFinite(v)) colour = colourOf(v, lo, hi, reverse);
      else {
        const g = Math.round((background[i] - bLo) * bScale);
        colour = [g, g, g];
      }
      canvas.fillRect({ x: x * zoom, y: y * zoom, width: zoom, height: zoom }, colour);
    }
  }
  const white: Rgb = [255, 255, 255];
  drawText(canvas, title, W * zoom + 16, 6, white, text);
  const barTop = top + textHeight(text);
  const barH = height - barTop - 2 * textHeight(text);
  // The bar runs from the high value at the top to the low value at the bottom.
  for (let j = 0; j < barH; j++) {
    const v = hi - (j / Math.max(1, barH - 1)) * (hi - lo);
    canvas.fillRect({ x: barX, y: barTop + j, width: barW, height: 1 }, colourOf(v, lo, hi, reverse));
  }
  for (const v of ticks) {
    const y = barTop + Math.round(((hi - v) / (hi - lo)) * (barH - 1));
    drawText(canvas, fmt(v), barX + barW + 8, y - Math.floor(textHeight(text) / 2), white, text);
  }
  return { width: canvas.width, height: canvas.height, data: canvas.data };
}

/** RGBA pixels (H x W x 4) of the map in its colour scale, transparent where it has no value: a viewer overlay. */
export function parametricOverlay(map: Float32Array, range: [number, number], reverse: boolean): Uint8Array {
  const [lo, hi] = range;
  const out = new Uint8Array(map.length * 4);
  for (let i = 0; i < map.length; i++) {
    if (!Number.isFinite(map[i])) continue;
    const c = colourOf(map[i], lo, hi, reverse);
    out.set(c, 4 * i);
    out[4 * i + 3] = 255;
  }
  return out;
}

/** The colour bar alone (high value at the top), `width` x `height`, for a viewer's legend. */
export function colourBar(width: number, height: number, reverse: boolean): RgbImage {
  const canvas = new RgbCanvas(width, height, [0, 0, 0]);
  for (let j = 0; j < height; j++)
    canvas.fillRect(
      { x: 0, y: j, width, height: 1 },
      turbo(reverse ? j / Math.max(1, height - 1) : 1 - j / Math.max(1, height - 1)),
    );
  return { width, height, data: canvas.data };
}
