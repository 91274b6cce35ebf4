// Canvas 2D compositing for the viewer: the windowed frame and the overlay layers are kept at image resolution in
// offscreen canvases and drawn through one view transform (zoom about a point, pan, fit), nearest-neighbour when
// magnified so single pixels stay visible. Redraws are coalesced to one per animation frame.
import { applyLut } from './overlays.js';

export interface View {
  zoom: number;
  x: number;
  y: number;
}

class Layer {
  readonly canvas: OffscreenCanvas;
  readonly ctx: OffscreenCanvasRenderingContext2D;
  readonly pixels: ImageData;
  constructor(width: number, height: number) {
    this.canvas = new OffscreenCanvas(width, height);
    this.ctx = this.canvas.getContext('2d')!;
    this.pixels = new ImageData(width, height);
  }

  commit(): void {
    this.ctx.putImageData(this.pixels, 0, 0);
  }
}

export type LayerName = 'perfusion' | 'label' | 'prediction' | 'error' | 'scribble';
/** The page's canvases: the main view, and the second one of a side-by-side run comparison while it is shown. */
export interface Renderers {
  main: Renderer | null;
  compare: Renderer | null;
}
/** Bottom to top: scribbles stay visible over everything; a parametric map lies under the rest. */
const LAYER_ORDER: LayerName[] = ['perfusion', 'label', 'prediction', 'error', 'scribble'];

export class Renderer {
  width = 0;
  height = 0;
  view: View = { zoom: 1, x: 0, y: 0 };
  private base: Layer | null = null;
  private layers = new Map<LayerName, Layer>();
  private styles = new Map<LayerName, { visible: boolean; opacity: number }>();
  private pending = 0;
  private readonly ctx: CanvasRenderingContext2D;
  /** Called after each draw (the linked views of a side-by-side comparison follow it). */
  onDraw: (() => void) | null = null;
  /** The pointer in image coordinates (drawn as a crosshair, or a circle of brushDiameter when painting). */
  cursor: [number, number] | null = null;
  brushDiameter = 0;
  /** Draws so far, the last one's duration and the last setImage's (window + draw; the benchmark reads them). */
  draws = 0;
  lastDrawMs = 0;
  lastImageMs = 0;

  constructor(readonly canvas: HTMLCanvasElement) {
    this.ctx = canvas.getContext('2d')!;
  }

  /** Sets the image size; layers are rebuilt when it changes. */
  setSize(width: number, height: number): boolean {
    if (width === this.width && height === this.height && this.base) return false;
    this.width = width;
    this.height = height;
    this.base = new Layer(width, height);
    this.layers.clear();
    return true;
  }

  /** Windows the image into the base layer and draws at once (a cine frame is on screen in the same task). */
  setImage(gray: Uint8Array | Uint16Array, lut: Uint8ClampedArray): void {
    if (!this.base) return;
    const t0 = performance.now();
    applyLut(gray, lut, this.base.pixels.data);
    this.base.commit();
    this.draw();
    this.lastImageMs = performance.now() - t0;
  }

  /** The layer's RGBA pixels for the caller to fill (after setSize); call commitLayer afterwards. */
  layer(name: LayerName): Layer {
    if (!this.width) throw new Error('the renderer has no image size yet');
    let l = this.layers.get(name);
    if (!l) {
      l = new Layer(this.width, this.height);
      this.layers.set(name, l);
    }
    return l;
  }

  commitLayer(name: LayerName): void {
    this.layer(name).commit();
    this.requestDraw();
  }

  setLayerStyle(name: LayerName, visible: boolean, opacity: number): void {
    this.styles.set(name, { visible, opacity });
    this.requestDraw();
  }

  /** Matches the canvas backing store to its CSS size times the device pixel ratio. */
  resize(): boolean {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(this.canvas.clientWidth * dpr));
    const h = Math.max(1, Math.round(this.canvas.clientHeight * dpr));
    if (this.canvas.width === w && this.canvas.height === h) return false;
    this.canvas.width = w;
    this.canvas.height = h;
    this.requestDraw();
    return true;
  }

  fit(): void {
    if (!this.width) return;
    const cw = this.canvas.clientWidth;
    const ch = this.canvas.clientHeight;
    const zoom = Math.min(cw / this.width, ch / this.height) * 0.96;
    this.view = { zoom, x: (cw - this.width * zoom) / 2, y: (ch - this.height * zoom) / 2 };
    this.requestDraw();
  }

  /** Zooms by factor keeping the image point under (sx, sy) (CSS pixels in the canvas) in place. */
  zoomAt(sx: number, sy: number, factor: number): void {
    const zoom = Math.min(64, Math.max(0.05, this.view.zoom * factor));
    const f = zoom / this.view.zoom;
    this.view = { zoom, x: sx - (sx - this.view.x) * f, y: sy - (sy - this.view.y) * f };
    this.requestDraw();
  }

  panBy(dx: number, dy: number): void {
    this.view = { ...this.view, x: this.view.x + dx, y: this.view.y + dy };
    this.requestDraw();
  }

  toImage(sx: number, sy: number): [number, number] {
    return [(sx - this.view.x) / this.view.zoom, (sy - this.view.y) / this.view.zoom];
  }

  requestDraw(): void {
    if (this.pending) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      this.draw();
    });
  }

  /** Draws now, dropping a pending animation-frame draw. */
  drawNow(): void {
    if (this.pending) cancelAnimationFrame(this.pending);
    this.pending = 0;
    this.draw();
  }

  /** Draws now (the cine calls this directly so a frame is on screen when its tick ends). */
  private draw(): void {
    const t0 = performance.now();
    const { ctx, canvas } = this;
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#0b0d10';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    if (!this.base) return;
    const { zoom, x, y } = this.view;
    ctx.setTransform(dpr * zoom, 0, 0, dpr * zoom, dpr * x, dpr * y);
    ctx.imageSmoothingEnabled = zoom * dpr < 1;
    ctx.drawImage(this.base.canvas, 0, 0);
    for (const name of LAYER_ORDER) {
      const l = this.layers.get(name);
      const style = this.styles.get(name);
      if (!l) continue;
      if (!style?.visible || style.opacity <= 0) continue;
      ctx.globalAlpha = style.opacity;
      ctx.drawImage(l.canvas, 0, 0);
    }
    ctx.globalAlpha = 1;
    if (this.cursor) {
      const [cx, cy] = this.cursor;
      ctx.strokeStyle = 'rgba(255,255,255,0.8)';
      ctx.lineWidth = 1 / zoom;
      ctx.beginPath();
      if (this.brushDiameter > 0) ctx.arc(cx, cy, this.brushDiameter / 2, 0, 2 * Math.PI);
      else {
        ctx.moveTo(cx - 8 / zoom, cy);
        ctx.lineTo(cx + 8 / zoom, cy);
        ctx.moveTo(cx, cy - 8 / zoom);
        ctx.lineTo(cx, cy + 8 / zoom);
      }
      ctx.stroke();
    }
    this.draws++;
    this.lastDrawMs = performance.now() - t0;
    this.onDraw?.();
  }

  /** The colour on screen at image point (x, y) (the test hook reads overlays through it). */
  pixelAt(x: number, y: number): [number, number, number, number] {
    const dpr = window.devicePixelRatio || 1;
    const sx = Math.floor(dpr * (this.view.x + x * this.view.zoom));
    const sy = Math.floor(dpr * (this.view.y + y * this.view.zoom));
    return Array.from(this.ctx.getImageData(sx, sy, 1, 1).data) as [number, number, number, number];
  }
}
