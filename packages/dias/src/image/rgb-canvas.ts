// A small RGB drawing surface for reports: grey images placed with area-average downscaling and a display
// window, and coloured mask overlays blended by how much of each output pixel the mask covers.
import type { RgbImage } from './png.js';

export type Rgb = readonly [number, number, number];

export interface Placement {
  x: number;
  y: number;
  width: number;
  height: number;
}

export class RgbCanvas {
  readonly data: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [0, 0, 0],
  ) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
      throw new Error(`canvas size ${width}x${height} is not a positive whole size`);
    this.data = new Uint8Array(width * height * 3);
    this.fillRect({ x: 0, y: 0, width, height }, background);
  }

  fillRect(at: Placement, color: Rgb): void {
    for (let y = Math.max(0, at.y); y < Math.min(this.height, at.y + at.height); y++) {
      for (let x = Math.max(0, at.x); x < Math.min(this.width, at.x + at.width); x++)
        this.data.set(color, (y * this.width + x) * 3);
    }
  }

  /** Visits each output pixel of a placement with the source box it covers (at least one source pixel). */
  private each(
    srcW: number,
    srcH: number,
    at: Placement,
    visit: (o: number, x0: number, x1: number, y0: number, y1: number) => void,
  ): void {
    const sx = srcW / at.width;
    const sy = srcH / at.height;
    for (let dy = 0; dy < at.height; dy++) {
      const y = at.y + dy;
      if (y < 0 || y >= this.height) continue;
      const y0 = Math.min(srcH - 1, Math.floor(dy * sy));
      const y1 = Math.max(y0 + 1, Math.min(srcH, Math.floor((dy + 1) * sy)));
      for (let dx = 0; dx < at.width; dx++) {
        const x = at.x + dx;
        if (x < 0 || x >= this.width) continue;
        const x0 = Math.min(srcW - 1, Math.floor(dx * sx));
        const x1 = Math.max(x0 + 1, Math.min(srcW, Math.floor((dx + 1) * sx)));
        visit((y * this.width + x) * 3, x0, x1, y0, y1);
      }
    }
  }

  /** Draws grey values, mapping [lo, hi] to black..white, resampled into the placement. */
  drawGray(gray: ArrayLike<number>, srcW: number, srcH: number, at: Placement, lo: number, hi: number): void {
    const scale = hi > lo ? 255 / (hi - lo) : 0;
    this.each(srcW, srcH, at, (o, x0, x1, y0, y1) => {
      let sum = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sum += gray[y * srcW + x];
      const v = Math.max(0, Math.min(255, Math.round((sum / ((x1 - x0) * (y1 - y0)) - lo) * scale)));
      this.data[o] = this.data[o + 1] = this.data[o + 2] = v;
    });
  }

  /** Blends color over the pixels where select(mask value) holds, weighted by alpha and the covered fraction. */
  overlay(
    mask: ArrayLike<number>,
    srcW: number,
    srcH: number,
    at: Placement,
    select: (v: number) => boolean,
    color: Rgb,
    alpha: number,
  ): void {
    this.each(srcW, srcH, at, (o, x0, x1, y0, y1) => {
      let hits = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (select(mask[y * srcW + x])) hits++;
      if (!hits) return;
      const a = (alpha * hits) / ((x1 - x0) * (y1 - y0));
      for (let c = 0; c < 3; c++) this.data[o + c] = Math.round(this.data[o + c] * (1 - a) + color[c] * a);
    });
  }

  toImage(): RgbImage {
    return { width: this.width, height: this.height, data: this.data };
  }
}
