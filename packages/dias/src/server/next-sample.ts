// Which sequence to annotate next: the one the current model is least sure about, by the mean binary entropy of
// its vessel probability, H(p) = -p log2 p - (1 - p) log2 (1 - p) (1 bit at p = 0.5, 0 at p = 0 or 1). This is
// uncertainty sampling as MONAI Label's "next sample" strategies (epistemic, random) offer it, reduced to the
// simplest measure that needs one forward pass: vessels the model half-sees and background it half-believes are
// where a few scribbles change it most.

/** Mean binary entropy in bits of a probability map (NaN counts as 1 bit: a broken map is uncertain). */
export function meanBinaryEntropy(prob: ArrayLike<number>): number {
  if (prob.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < prob.length; i++) {
    const p = prob[i];
    if (Number.isNaN(p)) {
      sum += 1;
      continue;
    }
    if (p <= 0 || p >= 1) continue;
    sum -= p * Math.log2(p) + (1 - p) * Math.log2(1 - p);
  }
  return sum / prob.length;
}

export interface Candidate {
  id: string;
  entropy: number;
}

/** Candidates most uncertain first; equal entropies keep their dataset order. */
export function rankByEntropy(candidates: readonly Candidate[]): Candidate[] {
  return candidates
    .map((c, i) => ({ c, i }))
    .sort((a, b) => b.c.entropy - a.c.entropy || a.i - b.i)
    .map(({ c }) => c);
}

/**
 * How the server picks the next sequence to annotate: it ranks the candidates (each with its stored probability
 * map), best first. A new strategy is a small class like the one below (MONAI Label's Strategy, one __call__).
 */
export interface NextSampleStrategy {
  readonly name: string;
  rank(candidates: readonly { id: string; prob: ArrayLike<number> }[]): Candidate[];
}

/** Uncertainty sampling: the highest mean binary entropy first. */
export class EntropyStrategy implements NextSampleStrategy {
  readonly name = 'entropy';

  rank(candidates: readonly { id: string; prob: ArrayLike<number> }[]): Candidate[] {
    return rankByEntropy(candidates.map((c) => ({ id: c.id, entropy: meanBinaryEntropy(c.prob) })));
  }
}
