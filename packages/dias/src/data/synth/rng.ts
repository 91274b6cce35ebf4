// Seeded pseudo-random numbers on the project's one core (xoshiro128** seeded through splitmix32, ../xoshiro.ts),
// so every sequence (and every part of a sequence: tree, veins, noise, text) draws from its own stream derived
// from (dataset seed, sequence id, purpose). Changing how many numbers one part draws then never shifts another
// part, and a sequence does not depend on which split, worker or order produced it.
import { Xoshiro128, splitmix32 } from '../xoshiro.js';

/** A 32-bit hash of a list of numbers and strings (murmur3-style finaliser over an FNV-like fold). */
export function hashSeed(...parts: (number | string)[]): number {
  let h = 0x811c9dc5;
  const mixIn = (v: number): void => {
    h = Math.imul(h ^ (v >>> 0), 0x01000193) >>> 0;
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d) >>> 0;
  };
  for (const part of parts) {
    if (typeof part === 'number') {
      // Integers hash by value; others by their two 32-bit halves, so 1.5 and 1 differ.
      if (Number.isInteger(part) && Math.abs(part) < 2 ** 53) {
        mixIn(part % 2 ** 32);
        mixIn(Math.floor(part / 2 ** 32));
      } else {
        const f = new Float64Array([part]);
        const u = new Uint32Array(f.buffer);
        mixIn(u[0]);
        mixIn(u[1]);
      }
    } else {
      mixIn(0x9e3779b9 ^ part.length);
      for (let i = 0; i < part.length; i++) mixIn(part.charCodeAt(i));
    }
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

export class Rng extends Xoshiro128 {
  private spare: number | null = null;
  readonly seed: number;

  constructor(seed: number) {
    super();
    this.seed = seed >>> 0;
    // The words are splitmix32 of the counter seed + k·0x9e3779b9, k = 0..3 (the usual splitmix seeding).
    const step = 0x9e3779b9;
    const s = this.seed;
    this.setWords(splitmix32(s), splitmix32(s + step), splitmix32(s + 2 * step), splitmix32(s + 3 * step));
  }

  /** An independent stream for a named purpose, derived from this stream's seed (not from its position). */
  fork(...label: (number | string)[]): Rng {
    return new Rng(hashSeed(this.seed, ...label));
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer uniform in [lo, hi] inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  bool(p = 0.5): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Standard normal (Box-Muller, pairs cached). */
  normal(mean = 0, sd = 1): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return mean + sd * v;
    }
    let u = this.next();
    while (u <= 1e-12) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + sd * r * Math.cos(2 * Math.PI * v);
  }

  /**
   * Fills an array with zero-mean, unit-std noise for images: each value is the centred sum of the two 16-bit
   * halves of one 32-bit draw (a triangular distribution). Cheap, and once the imaging chain's blur mixes nine of
   * them it is as Gaussian as photon noise needs; tails are bounded (2.45 std), which a frame never shows.
   */
  fillImageNoise(out: Float32Array): Float32Array {
    const scale = Math.sqrt(6) / 65536;
    for (let i = 0; i < out.length; i++) {
      const a = this.nextUint32();
      out[i] = ((a & 0xffff) + (a >>> 16) - 65535) * scale;
    }
    return out;
  }

  /** Fills an array with standard normals (Box-Muller). */
  fillNormal(out: Float32Array): Float32Array {
    const n = out.length;
    let i = 0;
    for (; i + 1 < n; i += 2) {
      let u = this.next();
      while (u <= 1e-12) u = this.next();
      const v = this.next();
      const r = Math.sqrt(-2 * Math.log(u));
      out[i] = r * Math.cos(2 * Math.PI * v);
      out[i + 1] = r * Math.sin(2 * Math.PI * v);
    }
    if (i < n) out[i] = this.normal();
    return out;
  }
}
