// Whole-image inference (issue 19): every model of the zoo but IPN is fully convolutional, so a sequence can be
// predicted in one forward pass over the whole frame instead of 64 x 64 patches every 32 pixels (the official
// tester's scheme, data/pipeline/sliding-window.ts). The frame is zero-padded at the bottom and right to the
// model's size multiple (as the official tester pads, and as the z-scored background is about 0). A frame larger
// than `tileSize` is cut into tiles of at most that side that overlap by 2 x `margin`: each tile keeps only its
// part at least `margin` pixels away from an inner tile border, so overlaps only hide border effects; nothing is
// averaged. Pure layout here; the Predictor runs the model on the tiles.

/** One tile along an axis: the tile covers [start, start + size) (beyond the image: zeros); [keepFrom, keepTo) is kept. */
export interface AxisTile {
  start: number;
  keepFrom: number;
  keepTo: number;
}

/** The tiles along one axis of n pixels: a tile side (a multiple of `multiple`, at most max(tileSize, ...)) and the tiles. */
export function axisWholeTiles(
  n: number,
  tileSize: number,
  margin: number,
  multiple: number,
): { size: number; tiles: AxisTile[] } {
  if (!Number.isInteger(n) || n < 1) throw new Error(`whole-image tiles: the image side must be >= 1, got ${n}`);
  if (!Number.isInteger(multiple) || multiple < 1) throw new Error(`whole-image tiles: bad size multiple ${multiple}`);
  if (!Number.isInteger(margin) || margin < 0) throw new Error(`whole-image tiles: margin must be >= 0, got ${margin}`);
  const padded = Math.ceil(n / multiple) * multiple;
  const size = Math.floor(tileSize / multiple) * multiple;
  if (padded <= size) return { size: padded, tiles: [{ start: 0, keepFrom: 0, keepTo: n }] };
  if (size - 2 * margin < multiple) {
    throw new Error(
      `whole-image tiles: a tile of ${tileSize} px (${size} at multiples of ${multiple}) leaves nothing inside margins of ${margin} px`,
    );
  }
  const tiles: AxisTile[] = [];
  let from = 0;
  while (from < n) {
    let start = Math.max(0, from - margin);
    // The last tile ends flush with the padded image, so no tile holds more padding than the image needs.
    if (start + size >= padded) start = padded - size;
    const keepTo = start + size >= padded ? n : start + size - margin;
    tiles.push({ start, keepFrom: from, keepTo });
    from = keepTo;
  }
  return { size, tiles };
}

export interface WholeImageLayout {
  /** Tile height and width (multiples of the model's size multiple). */
  tileH: number;
  tileW: number;
  ys: AxisTile[];
  xs: AxisTile[];
}

/** The tiles of an H x W frame: one tile when it fits in tileSize x tileSize after padding. */
export function wholeImageLayout(
  H: number,
  W: number,
  tileSize: number,
  margin: number,
  multiple: number,
): WholeImageLayout {
  const y = axisWholeTiles(H, tileSize, margin, multiple);
  const x = axisWholeTiles(W, tileSize, margin, multiple);
  return { tileH: y.size, tileW: x.size, ys: y.tiles, xs: x.tiles };
}

/** Copies frames [T][H][W] from (y0, x0) into tile [T][th][tw]; what lies outside the image is 0. */
export function cutTile(
  frames: Float32Array,
  T: number,
  H: number,
  W: number,
  y0: number,
  x0: number,
  th: number,
  tw: number,
  out: Float32Array = new Float32Array(T * th * tw),
): Float32Array {
  const rows = Math.min(th, H - y0);
  const cols = Math.min(tw, W - x0);
  if (rows < th || cols < tw) out.fill(0); // the zero padding past the frame's edge
  for (let t = 0; t < T; t++) {
    for (let r = 0; r < rows; r++) {
      const src = t * H * W + (y0 + r) * W + x0;
      out.set(frames.subarray(src, src + cols), t * th * tw + r * tw);
    }
  }
  return out;
}
