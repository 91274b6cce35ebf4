// The largest image a decoder reads: a pixel count per file (width x height x frames or pages), checked from the
// header before any pixel buffer is allocated. Without it a 389 KB PNG of 20000x20000 took 4.9 GB in `data show`,
// and a header that claims 100000x100000 failed only by luck. The default, 2^28 pixels (1 GiB as float32), holds a
// 1024x1024 cine of 256 frames; `dias --max-pixels N` or DIAS_MAX_PIXELS=N raises (or lowers) it for a process.

export const DEFAULT_MAX_PIXELS = 2 ** 28;

let limit: number | undefined;

function fromEnvironment(): number {
  const text = process.env.DIAS_MAX_PIXELS;
  if (text === undefined || text.trim() === '') return DEFAULT_MAX_PIXELS;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`DIAS_MAX_PIXELS must be a positive integer, got '${text}'`);
  return n;
}

/** The limit in force: setMaxPixels(), else DIAS_MAX_PIXELS, else DEFAULT_MAX_PIXELS. */
export function maxPixels(): number {
  return limit ?? fromEnvironment();
}

/** Sets the limit for this process (the --max-pixels flag). */
export function setMaxPixels(n: number): void {
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`the pixel limit must be a positive integer, got ${n}`);
  limit = n;
}

/**
 * Throws unless `count` pixels fit the limit. `name` is the file, `what` how its size reads ('800x600',
 * '8x8 x 2 pages', 'shape (2, 8, 8)').
 */
export function checkPixelCount(name: string, what: string, count: number): void {
  const max = maxPixels();
  if (!(count <= max))
    throw new Error(
      `${name}: ${what} is ${count} pixels, more than the limit of ${max}; --max-pixels N (or DIAS_MAX_PIXELS=N) raises it`,
    );
}
