// A small seeded pseudo-random generator for the data pipeline, on the project's one core (xoshiro128** seeded
// through splitmix32, xoshiro.ts).
// Math.random cannot be seeded, and training must be reproducible and resumable, so every random draw of
// patch sampling and augmentation goes through this. `Random.derive(seed, i)` gives an independent stream per
// batch index, which is what lets worker threads produce batch i identically whoever computes it.
import { Xoshiro128, splitmix32 } from './xoshiro.js';

/** The complete state of a Random, plain JSON-serialisable numbers. */
export interface RandomState {
  /** The four 32-bit words of xoshiro128** (unsigned). */
  s: [number, number, number, number];
  /** A second normal deviate kept from the last Box-Muller pair, or null. */
  spare: number | null;
}

const TWO_POW_32 = 4294967296;

function checkSeedPart(name: string, v: number): void {
  if (!Number.isSafeInteger(v)) throw new Error(`Random: ${name} must be a safe integer, got ${v}`);
}

export class Random extends Xoshiro128 {
  private spare: number | null = null;

  /**
   * A generator determined by one or more integers (e.g. a seed and a batch index): different tuples give
   * unrelated streams. Integers may be negative or beyond 32 bits (any safe integer).
   */
  constructor(...seedParts: number[]) {
    super();
    if (seedParts.length === 0) throw new Error('Random: at least one seed integer is required');
    let h = 0x2545f491;
    for (const [i, part] of seedParts.entries()) {
      checkSeedPart(`seed part ${i}`, part);
      const lo = part >>> 0;
      const hi = Math.floor(part / TWO_POW_32) >>> 0;
      h = splitmix32(h ^ lo);
      h = splitmix32(h ^ hi);
    }
    // Each word is splitmix32 of the one before (not of a counter): this generator's own seeding.
    const s0 = splitmix32(h);
    const s1 = splitmix32(s0);
    const s2 = splitmix32(s1);
    this.setWords(s0, s1, s2, splitmix32(s2));
  }

  /** An independent stream for item `index` of a run seeded with `seed`. */
  static derive(seed: number, index: number): Random {
    return new Random(seed, index);
  }

  /** Uniform in [0, 1), 53 bits of resolution. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [lo, hi). */
  uniformIn(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Uniform integer in [0, n); n a positive integer up to 2^32. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32)
      throw new Error(`Random.int: n must be an integer in [1, 2^32], got ${n}`);
    // Rejection sampling removes the modulo bias (rarely loops).
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const v = this.nextUint32();
      if (v < limit) return v % n;
    }
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.uniform() < p;
  }

  /** A standard normal deviate (Box-Muller, both values of each pair used). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  getState(): RandomState {
    return { s: this.words(), spare: this.spare };
  }

  setState(state: RandomState): void {
    const s = state?.s;
    if (!Array.isArray(s) || s.length !== 4 || s.some((w) => !Number.isInteger(w) || w < 0 || w >= TWO_POW_32)) {
      throw new Error('Random.setState: state.s must be four unsigned 32-bit integers');
    }
    if ((s[0] | s[1] | s[2] | s[3]) === 0) throw new Error('Random.setState: the all-zero state is invalid');
    if (state.spare !== null && typeof state.spare !== 'number')
      throw new Error('Random.setState: state.spare must be a number or null');
    this.setWords(s[0], s[1], s[2], s[3]);
    this.spare = state.spare;
  }
}
