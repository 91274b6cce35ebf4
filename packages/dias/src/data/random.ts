// A small seeded pseudo-random generator (xoshiro128**, seeded through splitmix32) for the data pipeline.
// Math.random cannot be seeded, and training must be reproducible and resumable, so every random draw of
// patch sampling and augmentation goes through this. `Random.derive(seed, i)` gives an independent stream per
// batch index, which is what lets worker threads produce batch i identically whoever computes it.

/** The complete state of a Random, plain JSON-serialisable numbers. */
export interface RandomState {
  /** The four 32-bit words of xoshiro128** (unsigned). */
  s: [number, number, number, number];
  /** A second normal deviate kept from the last Box-Muller pair, or null. */
  spare: number | null;
}

const TWO_POW_32 = 4294967296;

/** splitmix32 step: a well-mixed 32-bit value from a 32-bit counter (used for seeding only). */
function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function checkSeedPart(name: string, v: number): void {
  if (!Number.isSafeInteger(v)) throw new Error(`Random: ${name} must be a safe integer, got ${v}`);
}

export class Random {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  /**
   * A generator determined by one or more integers (e.g. a seed and a batch index): different tuples give
   * unrelated streams. Integers may be negative or beyond 32 bits (any safe integer).
   */
  constructor(...seedParts: number[]) {
    if (seedParts.length === 0) throw new Error('Random: at least one seed integer is required');
    let h = 0x2545f491;
    for (const [i, part] of seedParts.entries()) {
      checkSeedPart(`seed part ${i}`, part);
      const lo = part >>> 0;
      const hi = Math.floor(part / TWO_POW_32) >>> 0;
      h = splitmix32(h ^ lo);
      h = splitmix32(h ^ hi);
    }
    let x = h;
    this.s0 = x = splitmix32(x);
    this.s1 = x = splitmix32(x);
    this.s2 = x = splitmix32(x);
    this.s3 = x = splitmix32(x);
    // xoshiro must not start from the all-zero state.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** An independent stream for item `index` of a run seeded with `seed`. */
  static derive(seed: number, index: number): Random {
    return new Random(seed, index);
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
    return { s: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0], spare: this.spare };
  }

  setState(state: RandomState): void {
    const s = state?.s;
    if (!Array.isArray(s) || s.length !== 4 || s.some((w) => !Number.isInteger(w) || w < 0 || w >= TWO_POW_32)) {
      throw new Error('Random.setState: state.s must be four unsigned 32-bit integers');
    }
    if ((s[0] | s[1] | s[2] | s[3]) === 0) throw new Error('Random.setState: the all-zero state is invalid');
    if (state.spare !== null && typeof state.spare !== 'number')
      throw new Error('Random.setState: state.spare must be a number or null');
    [this.s0, this.s1, this.s2, this.s3] = s.map((w) => w | 0);
    this.spare = state.spare;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
