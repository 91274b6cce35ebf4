// The one pseudo-random core of the project: xoshiro128** (Blackman & Vigna, "Scrambled linear pseudorandom number
// generators", 2021; the reference xoshiro128starstar.c), seeded through splitmix32. Math.random cannot be seeded,
// and training, augmentation and the synthetic data must be reproducible, so every random draw outside libtorch
// comes from here. Two generators build on it, each with its own seeding and its own ways to draw:
//   data/random.ts     Random, the data pipeline's (patch sampling, augmentation; a state that resumes),
//   data/synth/rng.ts  Rng, the synthetic data's (a stream per purpose, forked by name).
// No official source: the DIAS code (lseventeen/DIAS) draws from numpy / torch / Python's random, whose streams
// this does not reproduce.
// Deviation from the reference: none in the step; the state words are kept as signed 32-bit integers (JavaScript's
// bit operators), nextUint32 returns them unsigned.

/** splitmix32's output for the counter value x + 0x9e3779b9 (its step), unsigned: well-mixed bits for seeding. */
export function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** xoshiro128**: four 32-bit words of state, one step per 32-bit output. */
export class Xoshiro128 {
  protected s0 = 0;
  protected s1 = 0;
  protected s2 = 0;
  protected s3 = 0;

  /** Sets the state; the all-zero state, which xoshiro never leaves, becomes word 0 = 1. */
  protected setWords(s0: number, s1: number, s2: number, s3: number): void {
    this.s0 = s0 | 0;
    this.s1 = s1 | 0;
    this.s2 = s2 | 0;
    this.s3 = s3 | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The four state words, unsigned. */
  protected words(): [number, number, number, number] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
