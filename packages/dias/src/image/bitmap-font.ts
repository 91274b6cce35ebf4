// A 3x5 pixel font for labels on generated pictures (chart ticks, legends, titles): digits, capital letters and a
// little punctuation; lower case is drawn as capitals, unknown characters as a hollow box. Each glyph cell is 3
// wide and 5 high, with one blank column between characters; `scale` enlarges every font pixel to a square.
import type { RgbCanvas, Rgb } from './rgb-canvas.js';

// One string per row, '#' = ink.
const GLYPHS: Record<string, string> = {
  '0': '###|#.#|#.#|#.#|###',
  '1': '.#.|##.|.#.|.#.|###',
  '2': '###|..#|###|#..|###',
  '3': '###|..#|.##|..#|###',
  '4': '#.#|#.#|###|..#|..#',
  '5': '###|#..|###|..#|###',
  '6': '###|#..|###|#.#|###',
  '7': '###|..#|..#|.#.|.#.',
  '8': '###|#.#|###|#.#|###',
  '9': '###|#.#|###|..#|###',
  A: '.#.|#.#|###|#.#|#.#',
  B: '##.|#.#|##.|#.#|##.',
  C: '.##|#..|#..|#..|.##',
  D: '##.|#.#|#.#|#.#|##.',
  E: '###|#..|##.|#..|###',
  F: '###|#..|##.|#..|#..',
  G: '.##|#..|#.#|#.#|.##',
  H: '#.#|#.#|###|#.#|#.#',
  I: '###|.#.|.#.|.#.|###',
  J: '..#|..#|..#|#.#|.#.',
  K: '#.#|#.#|##.|#.#|#.#',
  L: '#..|#..|#..|#..|###',
  M: '#.#|###|###|#.#|#.#',
  N: '##.|#.#|#.#|#.#|#.#',
  O: '.#.|#.#|#.#|#.#|.#.',
  P: '##.|#.#|##.|#..|#..',
  Q: '.#.|#.#|#.#|##.|.##',
  R: '##.|#.#|##.|#.#|#.#',
  S: '.##|#..|.#.|..#|##.',
  T: '###|.#.|.#.|.#.|.#.',
  U: '#.#|#.#|#.#|#.#|###',
  V: '#.#|#.#|#.#|#.#|.#.',
  W: '#.#|#.#|###|###|#.#',
  X: '#.#|#.#|.#.|#.#|#.#',
  Y: '#.#|#.#|.#.|.#.|.#.',
  Z: '###|..#|.#.|#..|###',
  '.': '...|...|...|...|.#.',
  ',': '...|...|...|.#.|#..',
  '-': '...|...|###|...|...',
  '+': '...|.#.|###|.#.|...',
  ':': '...|.#.|...|.#.|...',
  '/': '..#|..#|.#.|#..|#..',
  '(': '.#.|#..|#..|#..|.#.',
  ')': '.#.|..#|..#|..#|.#.',
  _: '...|...|...|...|###',
  '=': '...|###|...|###|...',
  '%': '#.#|..#|.#.|#..|#.#',
  ' ': '...|...|...|...|...',
};
const UNKNOWN = '###|#.#|#.#|#.#|###';
const GLYPH_W = 3;
const GLYPH_H = 5;

/** Height of a line of text in canvas pixels. */
export function textHeight(scale = 1): number {
  return GLYPH_H * scale;
}

/** Width of `text` in canvas pixels. */
export function textWidth(text: string, scale = 1): number {
  return text.length === 0 ? 0 : (text.length * (GLYPH_W + 1) - 1) * scale;
}

/** Draws `text` with its top-left corner at (x, y); pixels outside the canvas are skipped. */
export function drawText(canvas: RgbCanvas, text: string, x: number, y: number, color: Rgb, scale = 1): void {
  let cx = x;
  for (const ch of text) {
    const rows = (GLYPHS[ch] ?? GLYPHS[ch.toUpperCase()] ?? UNKNOWN).split('|');
    for (let r = 0; r < GLYPH_H; r++) {
      for (let c = 0; c < GLYPH_W; c++) {
        if (rows[r][c] === '#')
          canvas.fillRect({ x: cx + c * scale, y: y + r * scale, width: scale, height: scale }, color);
      }
    }
    cx += (GLYPH_W + 1) * scale;
  }
}
