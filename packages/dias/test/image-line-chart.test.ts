// The line-chart rasteriser behind RUN/progress.png: tick choice, tick labels, text, and where series land.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RgbCanvas, type Rgb } from '../src/image/rgb-canvas.js';
import { drawChartPanel, drawLine, formatTick, niceTicks } from '../src/image/line-chart.js';
import { drawText, textWidth } from '../src/image/bitmap-font.js';

const RED: Rgb = [220, 20, 20];

function pixelsOf(canvas: RgbCanvas, color: Rgb, box?: { x0: number; x1: number; y0: number; y1: number }): number {
  let n = 0;
  for (let y = box?.y0 ?? 0; y < (box?.y1 ?? canvas.height); y++) {
    for (let x = box?.x0 ?? 0; x < (box?.x1 ?? canvas.width); x++) {
      const o = (y * canvas.width + x) * 3;
      if (canvas.data[o] === color[0] && canvas.data[o + 1] === color[1] && canvas.data[o + 2] === color[2]) n++;
    }
  }
  return n;
}

test('ticks step by 1, 2 or 5 times a power of ten and cover the range', () => {
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(0.00012, 0.00051, 4), [0.0002, 0.0003, 0.0004, 0.0005]);
  assert.deepEqual(niceTicks(1, 100, 5), [20, 40, 60, 80, 100]);
  assert.deepEqual(niceTicks(-3, 7, 5), [-2, 0, 2, 4, 6]);
  assert.deepEqual(niceTicks(2, 2), [2]);
  assert.equal(formatTick(0.5), '0.5');
  assert.equal(formatTick(5e-4), '5E-4');
  assert.equal(formatTick(20000), '20000');
  assert.equal(formatTick(0), '0');
});

test('text is 3x5 glyphs with a one-pixel gap; a line joins its end points', () => {
  const c = new RgbCanvas(40, 10, [255, 255, 255]);
  drawText(c, '1-E', 1, 1, RED);
  assert.equal(textWidth('1-E'), 11);
  // '1' has 7 ink pixels, '-' 3, 'E' 11.
  assert.equal(pixelsOf(c, RED), 7 + 3 + 11);
  const l = new RgbCanvas(20, 20, [0, 0, 0]);
  drawLine(l, 2, 3, 15, 11, RED);
  assert.equal(pixelsOf(l, RED, { x0: 2, x1: 3, y0: 3, y1: 4 }), 1);
  assert.equal(pixelsOf(l, RED, { x0: 15, x1: 16, y0: 11, y1: 12 }), 1);
  assert.equal(pixelsOf(l, RED), 14, 'one pixel per column of a shallow line');
});

test('a rising series runs from the lower left to the upper right of the plot; NaN leaves a gap', () => {
  const c = new RgbCanvas(300, 200, [255, 255, 255]);
  drawChartPanel(
    c,
    { x: 0, y: 0, width: 300, height: 200 },
    {
      title: 'T',
      series: [
        {
          name: 'UP',
          color: RED,
          points: [
            [1, 0],
            [2, 1],
            [3, 2],
            [4, 3],
          ],
        },
      ],
    },
  );
  const lowerLeft = pixelsOf(c, RED, { x0: 0, x1: 150, y0: 100, y1: 200 });
  const upperRight = pixelsOf(c, RED, { x0: 150, x1: 300, y0: 0, y1: 100 });
  const upperLeft = pixelsOf(c, RED, { x0: 30, x1: 120, y0: 30, y1: 90 });
  assert.ok(lowerLeft > 20 && upperRight > 20, `${lowerLeft} ${upperRight}`);
  assert.equal(upperLeft, 0, 'nothing far from the line');

  const gap = new RgbCanvas(300, 200, [255, 255, 255]);
  const joined = new RgbCanvas(300, 200, [255, 255, 255]);
  const pts = (mid: number) =>
    [
      [1, 0],
      [2, mid],
      [3, 0],
    ] as [number, number][];
  drawChartPanel(
    gap,
    { x: 0, y: 0, width: 300, height: 200 },
    { title: 'T', yRange: [0, 1], series: [{ name: 'A', color: RED, points: pts(NaN) }] },
  );
  drawChartPanel(
    joined,
    { x: 0, y: 0, width: 300, height: 200 },
    { title: 'T', yRange: [0, 1], series: [{ name: 'A', color: RED, points: pts(1) }] },
  );
  assert.ok(pixelsOf(gap, RED) < pixelsOf(joined, RED) / 3, 'the NaN point breaks the line into two dots');
});

test('a non-finite end or axis range draws nothing of it and returns (it used to loop for ever)', () => {
  const canvas = new RgbCanvas(40, 30, [255, 255, 255]);
  drawLine(canvas, 2, 2, Number.NaN, 10, RED);
  drawLine(canvas, Number.POSITIVE_INFINITY, 2, 5, 10, RED);
  assert.equal(pixelsOf(canvas, RED), 0);
  // An axis range of NaN (a log whose last line had no epoch) falls back to the data's range.
  const chart = new RgbCanvas(200, 120, [255, 255, 255]);
  const series = [
    {
      name: 'LOSS',
      color: RED,
      points: [
        [1, 0.9],
        [2, 0.5],
        [3, 0.4],
      ] as [number, number][],
    },
  ];
  drawChartPanel(
    chart,
    { x: 0, y: 0, width: 200, height: 120 },
    { title: 'LOSS', xLabel: 'EPOCH', xRange: [Number.NaN, Number.NaN], series },
  );
  assert.ok(pixelsOf(chart, RED) > 20, 'the series is drawn');
});
