// Burned-in annotation text, as angiography consoles stamp it into a corner (e.g. "LT ICA" in a double-lined
// box): light letters with a dark outline, drawn from a 5x7 block font scaled up. The same overlay is pasted
// into every frame of a sequence; the label is cleared under its box (nothing there is visible vessel).
import type { Rng } from './rng.js';

// 5x7 glyphs, one string per row, '#' = ink.
const FONT: Record<string, string[]> = {
  A: ['.###.', '#...#', '#...#', '#####', '#...#', '#...#', '#...#'],
  B: ['####.', '#...#', '#...#', '####.', '#...#', '#...#', '####.'],
  C: ['.###.', '#...#', '#....', '#....', '#....', '#...#', '.###.'],
  D: ['####.', '#...#', '#...#', '#...#', '#...#', '#...#', '####.'],
  E: ['#####', '#....', '#....', '####.', '#....', '#....', '#####'],
  F: ['#####', '#....', '#....', '####.', '#....', '#....', '#....'],
  G: ['.###.', '#...#', '#....', '#.###', '#...#', '#...#', '.####'],
  H: ['#...#', '#...#', '#...#', '#####', '#...#', '#...#', '#...#'],
  I: ['.###.', '..#..', '..#..', '..#..', '..#..', '..#..', '.###.'],
  L: ['#....', '#....', '#....', '#....', '#....', '#....', '#####'],
  M: ['#...#', '##.##', '#.#.#', '#.#.#', '#...#', '#...#', '#...#'],
  N: ['#...#', '##..#', '#.#.#', '#..##', '#...#', '#...#', '#...#'],
  O: ['.###.', '#...#', '#...#', '#...#', '#...#', '#...#', '.###.'],
  P: ['####.', '#...#', '#...#', '####.', '#....', '#....', '#....'],
  R: ['####.', '#...#', '#...#', '####.', '#.#..', '#..#.', '#...#'],
  S: ['.####', '#....', '#....', '.###.', '....#', '....#', '####.'],
  T: ['#####', '..#..', '..#..', '..#..', '..#..', '..#..', '..#..'],
  V: ['#...#', '#...#', '#...#', '#...#', '#...#', '.#.#.', '..#..'],
  0: ['.###.', '#...#', '#..##', '#.#.#', '##..#', '#...#', '.###.'],
  1: ['..#..', '.##..', '..#..', '..#..', '..#..', '..#..', '.###.'],
  2: ['.###.', '#...#', '....#', '...#.', '..#..', '.#...', '#####'],
  3: ['####.', '....#', '....#', '.###.', '....#', '....#', '####.'],
  4: ['...#.', '..##.', '.#.#.', '#..#.', '#####', '...#.', '...#.'],
  5: ['#####', '#....', '####.', '....#', '....#', '#...#', '.###.'],
  6: ['.###.', '#....', '#....', '####.', '#...#', '#...#', '.###.'],
  7: ['#####', '....#', '...#.', '..#..', '.#...', '.#...', '.#...'],
  8: ['.###.', '#...#', '#...#', '.###.', '#...#', '#...#', '.###.'],
  9: ['.###.', '#...#', '#...#', '.####', '....#', '....#', '.###.'],
  ' ': ['.....', '.....', '.....', '.....', '.....', '.....', '.....'],
  '-': ['.....', '.....', '.....', '#####', '.....', '.....', '.....'],
};

export interface TextOverlay {
  text: string;
  /** Grey value per pixel where the overlay is opaque, NaN elsewhere. */
  value: Float32Array;
  /** The box [x0, y0, x1, y1] (inclusive) the overlay occupies. */
  box: [number, number, number, number];
}

/**
 * Draws `text` in a double-lined box into a W x H layer at a corner; `heightFrac` sets the letter height as a
 * share of the image height. Characters without a glyph are drawn as spaces.
 */
export function drawTextOverlay(
  text: string,
  W: number,
  H: number,
  corner: 'tl' | 'tr' | 'bl' | 'br',
  heightFrac: number,
  ink: number,
  outline: number,
): TextOverlay {
  const value = new Float32Array(W * H).fill(NaN);
  const cell = Math.max(1, Math.round((heightFrac * H) / 7)); // pixels per font cell
  const advance = 6 * cell;
  const textW = text.length * advance - cell;
  const textH = 7 * cell;
  const pad = 2 * cell + 3;
  const boxW = textW + 2 * pad;
  const boxH = textH + 2 * pad;
  const margin = Math.round(0.02 * W);
  const bx = corner === 'tl' || corner === 'bl' ? margin : W - margin - boxW;
  const by = corner === 'tl' || corner === 'tr' ? margin : H - margin - boxH;
  const set = (x: number, y: number, v: number): void => {
    if (x >= 0 && y >= 0 && x < W && y < H) value[y * W + x] = v;
  };
  // Double frame: an outer and an inner dark line, two pixels apart.
  for (const inset of [0, 3]) {
    for (let x = bx + inset; x < bx + boxW - inset; x++) {
      set(x, by + inset, outline);
      set(x, by + boxH - 1 - inset, outline);
    }
    for (let y = by + inset; y < by + boxH - inset; y++) {
      set(bx + inset, y, outline);
      set(bx + boxW - 1 - inset, y, outline);
    }
  }
  // Glyph ink mask at full resolution, then a one-pixel dark outline around it.
  const ink01 = new Uint8Array(boxW * boxH);
  for (let c = 0; c < text.length; c++) {
    const glyph = FONT[text[c].toUpperCase()] ?? FONT[' '];
    for (let gy = 0; gy < 7; gy++) {
      for (let gx = 0; gx < 5; gx++) {
        if (glyph[gy][gx] !== '#') continue;
        for (let yy = 0; yy < cell; yy++) {
          for (let xx = 0; xx < cell; xx++)
            ink01[(pad + gy * cell + yy) * boxW + pad + c * advance + gx * cell + xx] = 1;
        }
      }
    }
  }
  for (let y = 0; y < boxH; y++) {
    for (let x = 0; x < boxW; x++) {
      const i = y * boxW + x;
      if (ink01[i]) {
        set(bx + x, by + y, ink);
        continue;
      }
      let edge = false;
      for (let dy = -1; dy <= 1 && !edge; dy++) {
        for (let dx = -1; dx <= 1 && !edge; dx++) {
          const xx = x + dx;
          const yy = y + dy;
          if (xx >= 0 && yy >= 0 && xx < boxW && yy < boxH && ink01[yy * boxW + xx]) edge = true;
        }
      }
      if (edge) set(bx + x, by + y, outline);
    }
  }
  return {
    text,
    value,
    box: [Math.max(0, bx), Math.max(0, by), Math.min(W - 1, bx + boxW - 1), Math.min(H - 1, by + boxH - 1)],
  };
}

/** A plausible console label for an injection, e.g. 'LT ICA'. */
export function injectionLabel(rng: Rng, side: 1 | -1, injection: 'ICA' | 'CCA' | 'VERT'): string {
  const s = side > 0 ? 'RT' : 'LT';
  return rng.bool(0.85) ? `${s} ${injection}` : `${s} ${injection} ${rng.int(1, 9)}`;
}

export function applyOverlay(frame: Float32Array, overlay: TextOverlay): void {
  for (let i = 0; i < frame.length; i++) {
    const v = overlay.value[i];
    if (!Number.isNaN(v)) frame[i] = v;
  }
}
