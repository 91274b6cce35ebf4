// The report bar chart's legend: every group's swatch and name is drawn inside the picture, on further rows when
// the names are long (they were cut off on one row), and a short legend stays on one row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderBarChart, type Bar } from '../src/image/bar-chart.js';
import type { Rgb } from '../src/image/rgb-canvas.js';
import type { RgbImage } from '../src/image/png.js';

const COLORS: Record<string, Rgb> = {};
const bars = (groups: string[]): Bar[] =>
  groups.map((group, i) => {
    COLORS[group] = [10 + 40 * i, 200 - 30 * i, 90 + 20 * i];
    return { label: `row ${i}`, value: 0.3 + 0.1 * i, group };
  });

/** The runs of consecutive pixel rows holding colour c, as [first row, last row]: a group's bar, then its swatch. */
function colourRuns(img: RgbImage, c: Rgb): [number, number][] {
  const runs: [number, number][] = [];
  for (let y = 0; y < img.height; y++) {
    let found = false;
    for (let x = 0; x < img.width && !found; x++) {
      const i = 3 * (y * img.width + x);
      found = img.data[i] === c[0] && img.data[i + 1] === c[1] && img.data[i + 2] === c[2];
    }
    if (!found) continue;
    const last = runs.at(-1);
    if (last && last[1] === y - 1) last[1] = y;
    else runs.push([y, y]);
  }
  return runs;
}

test('long group names wrap onto more legend rows, each swatch inside the picture', () => {
  const long = ['SCRIBBLE SCRIBBLES_CENTRELINE', 'SCRIBBLE ANNOTATOR', 'SCRIBBLE AUTO', 'FULL SUPERVISION LONG'];
  const short = ['A', 'B', 'C', 'D'];
  const wide = renderBarChart(bars(long), { colors: COLORS, plotWidth: 200 });
  const narrow = renderBarChart(bars(short), { colors: COLORS, plotWidth: 200 });
  assert.ok(wide.height > narrow.height, 'more legend rows for long names');
  // Each group's colour is drawn twice, its bar and its legend swatch; the swatches' rows tell the legend's rows.
  const swatchRow = (img: RgbImage, g: string) => {
    const runs = colourRuns(img, COLORS[g]);
    assert.equal(runs.length, 2, `${g}: a bar and a swatch inside the picture`);
    return runs[1][0];
  };
  assert.ok(new Set(long.map((g) => swatchRow(wide, g))).size > 1, 'the long legend has more than one row');
  assert.equal(new Set(short.map((g) => swatchRow(narrow, g))).size, 1, 'the short legend is one row');
});
