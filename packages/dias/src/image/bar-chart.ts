// A horizontal bar chart for reports (e.g. mean DSC per model): one bar per row with its label on the left, an
// optional ± whisker, the value printed after the bar, bars coloured by group, and a legend of the groups.
import { RgbCanvas, type Rgb } from './rgb-canvas.js';
import { drawText, textHeight, textWidth } from './bitmap-font.js';
import { niceTicks, formatTick } from './line-chart.js';
import type { RgbImage } from './png.js';

export interface Bar {
  label: string;
  value: number;
  /** Whisker half-length (e.g. the standard deviation). */
  spread?: number;
  group?: string;
}

export interface BarChartOptions {
  title?: string;
  /** Value axis range (default [0, max of value + spread], or [0, 1] when every value is in it). */
  range?: readonly [number, number];
  /** Colour per group name; groups without one take colours from a fixed palette. */
  colors?: Record<string, Rgb>;
  /** Bar area width in pixels (default 360). */
  plotWidth?: number;
  scale?: number;
}

const PALETTE: Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
];
const INK: Rgb = [30, 30, 30];
const GRID: Rgb = [225, 225, 225];

export function renderBarChart(bars: readonly Bar[], o: BarChartOptions = {}): RgbImage {
  if (bars.length === 0) throw new Error('bar chart: no bars');
  const s = o.scale ?? 2;
  const th = textHeight(s);
  const finite = bars.filter((b) => Number.isFinite(b.value));
  const top = Math.max(0, ...finite.map((b) => b.value + (Number.isFinite(b.spread) ? b.spread! : 0)));
  const [lo, hi] = o.range ?? [0, top <= 1 ? 1 : top];
  const groups = [...new Set(bars.map((b) => b.group ?? ''))];
  const color = (g: string) => o.colors?.[g] ?? PALETTE[groups.indexOf(g) % PALETTE.length];
  const labelW = Math.max(...bars.map((b) => textWidth(b.label, s)));
  const plotW = o.plotWidth ?? 360;
  const valueW = textWidth('0.0000', s) + 4 * s;
  const row = th + 8 * s;
  const titleH = o.title ? th + 6 * s : 0;
  const legend = groups.filter((g) => g !== '');
  const x0 = 6 * s + labelW + 4 * s;
  const y0 = 4 * s + titleH;
  // The legend's entries run left to right under the plot and wrap onto further rows where they would pass the
  // right edge (long group names such as 'SCRIBBLE SCRIBBLES_CENTRELINE' were cut off on one row); the picture
  // widens only for an entry wider than all of it.
  const entryW = (g: string) => th + 3 * s + textWidth(g, s);
  const width = Math.max(x0 + plotW + valueW + 6 * s, 12 * s + Math.max(0, ...legend.map(entryW)));
  const legendX = legend.some((g) => x0 + entryW(g) > width - 6 * s) ? 6 * s : x0;
  const legendRows: { g: string; x: number }[][] = [];
  for (const g of legend) {
    const last = legendRows.at(-1);
    const end = last ? last[last.length - 1].x + entryW(last[last.length - 1].g) + 10 * s : Infinity;
    if (last && end + entryW(g) <= width - 6 * s) last.push({ g, x: end });
    else legendRows.push([{ g, x: legendX }]);
  }
  const legendH = legendRows.length * (th + 6 * s);
  const height = y0 + bars.length * row + th + 8 * s + legendH;
  const canvas = new RgbCanvas(width, height, [255, 255, 255]);
  const px = (v: number) => x0 + Math.round(((Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo || 1)) * plotW);
  if (o.title) drawText(canvas, o.title, (width - textWidth(o.title, s)) >> 1, 4 * s, INK, s);
  const axisY = y0 + bars.length * row;
  for (const t of niceTicks(lo, hi, 5)) {
    if (t < lo || t > hi) continue;
    const x = px(t);
    canvas.fillRect({ x, y: y0, width: 1, height: bars.length * row }, GRID);
    const label = formatTick(t);
    drawText(canvas, label, x - (textWidth(label, s) >> 1), axisY + 3 * s, INK, s);
  }
  bars.forEach((b, i) => {
    const y = y0 + i * row + 4 * s;
    drawText(canvas, b.label, x0 - 4 * s - textWidth(b.label, s), y, INK, s);
    if (!Number.isFinite(b.value)) {
      drawText(canvas, 'NAN', x0 + 2 * s, y, INK, s);
      return;
    }
    const end = px(b.value);
    canvas.fillRect({ x: x0, y: y - 2 * s, width: Math.max(1, end - x0), height: th + 4 * s }, color(b.group ?? ''));
    let textX = end + 3 * s;
    if (b.spread !== undefined && Number.isFinite(b.spread) && b.spread > 0) {
      const a = px(b.value - b.spread),
        c = px(b.value + b.spread);
      const mid = y + (th >> 1);
      canvas.fillRect({ x: a, y: mid, width: c - a + 1, height: Math.max(1, s >> 1) }, INK);
      canvas.fillRect({ x: a, y: mid - 2 * s, width: Math.max(1, s >> 1), height: 4 * s + 1 }, INK);
      canvas.fillRect({ x: c, y: mid - 2 * s, width: Math.max(1, s >> 1), height: 4 * s + 1 }, INK);
      textX = Math.max(textX, c + 3 * s);
    }
    drawText(canvas, b.value.toFixed(4), Math.min(textX, width - valueW), y, INK, s);
  });
  canvas.fillRect({ x: x0 - 1, y: y0, width: 1, height: bars.length * row + 1 }, INK);
  legendRows.forEach((entries, r) => {
    const ly = axisY + th + 8 * s + r * (th + 6 * s);
    for (const { g, x } of entries) {
      canvas.fillRect({ x, y: ly, width: th, height: th }, color(g));
      drawText(canvas, g, x + th + 3 * s, ly, INK, s);
    }
  });
  return canvas.toImage();
}
