// A small line-chart rasteriser for training curves: one panel per call, drawn into a region of an RgbCanvas, with
// a title, a legend under it, axes with "nice" ticks (1, 2, 5 x 10^k; powers of ten on a log axis), and each series as
// straight segments between its finite points (NaN leaves a gap; lone points get a dot).
import { RgbCanvas, type Placement, type Rgb } from './rgb-canvas.js';
import { drawText, textHeight, textWidth } from './bitmap-font.js';

export interface ChartSeries {
  name: string;
  color: Rgb;
  /** [x, y] pairs; a non-finite y leaves a gap. */
  points: readonly (readonly [number, number])[];
}

export interface ChartPanel {
  title: string;
  series: readonly ChartSeries[];
  /** Logarithmic y axis (only positive values are drawn). */
  logY?: boolean;
  /** Fixed y range instead of the data's, e.g. [0, 1] for metrics. */
  yRange?: readonly [number, number];
  /** Fixed x range instead of the data's (so panels side by side share their x axis). */
  xRange?: readonly [number, number];
  xLabel?: string;
}

const AXIS: Rgb = [90, 90, 90];
const GRID: Rgb = [232, 232, 232];
const INK: Rgb = [30, 30, 30];

/** Tick values covering [lo, hi] at a step of 1, 2 or 5 x 10^k, about `target` of them. */
export function niceTicks(lo: number, hi: number, target = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  // Multiples of the step, rounded so that 3 x 0.2 reads 0.6.
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++)
    out.push(k === 0 ? 0 : Number((k * step).toPrecision(12)));
  return out;
}

/** A short label for a tick value: plain for moderate values, mantissa-exponent otherwise (5E-4). */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-2 && a < 1e5) return String(Number(v.toPrecision(3)));
  const [m, e] = v.toExponential(1).split('e');
  return `${Number(m)}E${Number(e)}`;
}

/** Draws a line from (x0, y0) to (x1, y1), `width` pixels thick (Bresenham with a square pen). */
export function drawLine(
  canvas: RgbCanvas,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  color: Rgb,
  width = 1,
): void {
  // A NaN end never equals the walk's position: the loop below would not end (a log line without an epoch hung
  // the progress chart). Nothing to draw then.
  if (![x0, y0, x1, y1].every(Number.isFinite)) return;
  let x = Math.round(x0),
    y = Math.round(y0);
  const xe = Math.round(x1),
    ye = Math.round(y1);
  const dx = Math.abs(xe - x),
    dy = -Math.abs(ye - y);
  const sx = x < xe ? 1 : -1,
    sy = y < ye ? 1 : -1;
  let err = dx + dy;
  const off = Math.floor((width - 1) / 2);
  for (;;) {
    canvas.fillRect({ x: x - off, y: y - off, width, height: width }, color);
    if (x === xe && y === ye) break;
    const e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y += sy;
    }
  }
}

/** Draws one chart panel into `at` (white background). */
export function drawChartPanel(canvas: RgbCanvas, at: Placement, panel: ChartPanel, scale = 1): void {
  canvas.fillRect(at, [255, 255, 255]);
  const th = textHeight(scale);
  const logY = panel.logY ?? false;
  const fy = (v: number) => (logY ? Math.log10(v) : v);
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of panel.series) {
    for (const [x, y] of s.points) {
      if (!Number.isFinite(x) || !Number.isFinite(y) || (logY && y <= 0)) continue;
      xs.push(x);
      ys.push(fy(y));
    }
  }
  const given = panel.xRange?.every(Number.isFinite) ? panel.xRange : undefined;
  const [xLo, xMax] = given ?? [xs.length ? Math.min(...xs) : 0, xs.length ? Math.max(...xs) : 1];
  const xHi = xMax === xLo ? xLo + 1 : xMax;
  let yLo: number, yHi: number;
  if (panel.yRange?.every(Number.isFinite)) [yLo, yHi] = panel.yRange.map(fy) as [number, number];
  else {
    yLo = ys.length ? Math.min(...ys) : 0;
    yHi = ys.length ? Math.max(...ys) : 1;
    const pad = yHi > yLo ? 0.05 * (yHi - yLo) : Math.max(Math.abs(yHi) * 0.1, logY ? 0.5 : 0.5);
    yLo -= pad;
    yHi += pad;
  }
  const yTicks = logY
    ? Array.from({ length: Math.floor(yHi) - Math.ceil(yLo) + 1 }, (_, i) => Math.ceil(yLo) + i)
    : niceTicks(yLo, yHi, 5);
  if (logY && yTicks.length === 0) yTicks.push((yLo + yHi) / 2);
  const yLabel = (v: number) => formatTick(logY ? 10 ** v : v);
  const labelW = Math.max(...yTicks.map((v) => textWidth(yLabel(v), scale)));

  // Legend entries in rows under the title: a colour box and the name each.
  const legendRows: { name: string; color: Rgb; x: number }[][] = [[]];
  {
    const maxW = at.width - 8 * scale;
    let x = 0;
    for (const s of panel.series) {
      const w = 6 * scale + textWidth(s.name, scale);
      if (x > 0 && x + w > maxW) {
        legendRows.push([]);
        x = 0;
      }
      legendRows[legendRows.length - 1].push({ name: s.name, color: s.color, x });
      x += w + 8 * scale;
    }
  }
  const legendTop = at.y + th + 6 * scale;
  const plot = {
    x: at.x + labelW + 6 * scale,
    y: legendTop + legendRows.length * (th + 3 * scale) + 4 * scale,
    width: 0,
    height: 0,
  };
  plot.width = at.x + at.width - 4 * scale - plot.x;
  plot.height = at.y + at.height - (2 * th + 8 * scale) - plot.y;
  if (plot.width < 10 || plot.height < 10) return;
  // A margin inside the box, so that dots on the first and last x and on the y limits show whole.
  const m = 3 * scale;
  const px = (x: number) => plot.x + m + ((x - xLo) / (xHi - xLo)) * (plot.width - 1 - 2 * m);
  const py = (y: number) => plot.y + m + (plot.height - 1 - 2 * m) * (1 - (y - yLo) / (yHi - yLo));

  drawText(
    canvas,
    panel.title,
    at.x + Math.max(0, (at.width - textWidth(panel.title, scale)) >> 1),
    at.y + 2 * scale,
    INK,
    scale,
  );
  // Grid and y ticks.
  for (const v of yTicks) {
    const y = Math.round(py(v));
    if (y < plot.y || y >= plot.y + plot.height) continue;
    canvas.fillRect({ x: plot.x, y, width: plot.width, height: 1 }, GRID);
    const label = yLabel(v);
    drawText(canvas, label, plot.x - 3 * scale - textWidth(label, scale), y - (th >> 1), INK, scale);
  }
  // x ticks: whole numbers (epochs).
  const xTicks = niceTicks(xLo, xHi, 6).filter((v) => Number.isInteger(v) || xHi - xLo < 2);
  for (const v of xTicks) {
    const x = Math.round(px(v));
    canvas.fillRect({ x, y: plot.y + plot.height, width: 1, height: 2 * scale }, AXIS);
    const label = formatTick(v);
    drawText(canvas, label, x - (textWidth(label, scale) >> 1), plot.y + plot.height + 3 * scale, INK, scale);
  }
  if (panel.xLabel) {
    drawText(
      canvas,
      panel.xLabel,
      plot.x + ((plot.width - textWidth(panel.xLabel, scale)) >> 1),
      plot.y + plot.height + th + 5 * scale,
      AXIS,
      scale,
    );
  }
  canvas.fillRect({ x: plot.x - 1, y: plot.y, width: 1, height: plot.height + 1 }, AXIS);
  canvas.fillRect({ x: plot.x - 1, y: plot.y + plot.height, width: plot.width + 1, height: 1 }, AXIS);

  // Series, clipped to the plot box by drawing into a scratch canvas of its size.
  const clip = new RgbCanvas(plot.width, plot.height, [255, 255, 255]);
  const inClip = (x: number) => x - plot.x;
  const inClipY = (y: number) => y - plot.y;
  for (const s of panel.series) {
    let prev: [number, number] | null = null;
    const pts = s.points.filter(([x]) => Number.isFinite(x));
    pts.forEach(([x, yv], i) => {
      if (!Number.isFinite(yv) || (logY && yv <= 0)) {
        prev = null;
        return;
      }
      const cur: [number, number] = [inClip(px(x)), inClipY(py(fy(yv)))];
      if (prev) drawLine(clip, prev[0], prev[1], cur[0], cur[1], s.color, scale);
      const next = pts[i + 1];
      const lone = !prev && (!next || !Number.isFinite(next[1]));
      if (lone || pts.length <= 30)
        clip.fillRect(
          { x: Math.round(cur[0]) - scale, y: Math.round(cur[1]) - scale, width: 2 * scale + 1, height: 2 * scale + 1 },
          s.color,
        );
      prev = cur;
    });
  }
  // Copy the clip back, keeping the grid where the clip is still background.
  for (let y = 0; y < plot.height; y++) {
    for (let x = 0; x < plot.width; x++) {
      const o = (y * plot.width + x) * 3;
      if (clip.data[o] === 255 && clip.data[o + 1] === 255 && clip.data[o + 2] === 255) continue;
      canvas.data.set(clip.data.subarray(o, o + 3), ((plot.y + y) * canvas.width + plot.x + x) * 3);
    }
  }

  // Legend rows, centred under the title.
  legendRows.forEach((row, r) => {
    if (row.length === 0) return;
    const last = row[row.length - 1];
    const rowW = last.x + 6 * scale + textWidth(last.name, scale);
    const x0 = at.x + Math.max(0, (at.width - rowW) >> 1);
    const y = legendTop + r * (th + 3 * scale);
    for (const e of row) {
      canvas.fillRect({ x: x0 + e.x, y, width: 4 * scale, height: th }, e.color);
      drawText(canvas, e.name, x0 + e.x + 6 * scale, y, INK, scale);
    }
  });
}
