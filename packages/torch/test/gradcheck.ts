// A small gradcheck for the tests: autograd's gradients against central finite differences, in float64.
//
// Rather than the full Jacobian, it checks the gradient of L = sum(f(inputs) * w) for a fixed random w of f's
// output shape: one backward pass against two forward passes per input element. A wrong Jacobian entry changes
// that gradient unless w happens to cancel it, which random weights make vanishingly unlikely.
import assert from 'node:assert/strict';
import { Tensor, tensor, grad, noGrad, scope } from '../src/index.js';

/** A deterministic PRNG (mulberry32), so that test inputs do not depend on libtorch's generator. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const shared = prng(12345);

function count(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** float64 values uniform in [low, high). */
export function uniform(shape: readonly number[], low = -1, high = 1, random = shared): Tensor {
  const values = new Float64Array(count(shape));
  for (let i = 0; i < values.length; i++) values[i] = low + (high - low) * random();
  return tensor(values, { shape });
}

/** float64 values with |x| in [margin, margin + 1), either sign: for functions with a kink at 0. */
export function awayFromZero(shape: readonly number[], margin = 0.1, random = shared): Tensor {
  const values = new Float64Array(count(shape));
  for (let i = 0; i < values.length; i++) values[i] = (random() < 0.5 ? -1 : 1) * (margin + random());
  return tensor(values, { shape });
}

export interface GradcheckOptions {
  eps?: number;
  /** Relative tolerance: |analytic - numeric| <= atol + rtol * max(|analytic|, |numeric|). */
  rtol?: number;
  atol?: number;
  seed?: number;
}

/**
 * Checks autograd's gradients of fn with respect to every input (float64) against central differences.
 * Anything fn needs that is not differentiated (indices, masks, targets) belongs in its closure.
 */
export function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): void {
  const eps = options.eps ?? 1e-6;
  const rtol = options.rtol ?? 1e-5;
  const atol = options.atol ?? 1e-5;
  scope(() => {
    for (const [i, x] of inputs.entries())
      assert.equal(x.dtype, 'float64', `gradcheck: input ${i} must be float64, got ${x.dtype}`);
    const shapes = inputs.map((x) => x.shape);
    const values = inputs.map((x) => x.toTypedArray() as Float64Array);

    // Analytic: d/dx sum(f(x) * w).
    const leaves = inputs.map((x) => x.detach().clone().requiresGrad_(true));
    const out = fn(...leaves);
    assert.equal(out.dtype, 'float64', `gradcheck: the output must be float64, got ${out.dtype}`);
    const weight = uniform(out.shape, -1, 1, prng(options.seed ?? 99));
    const loss = out.mul(weight).sum();
    const grads = grad(loss, leaves, { allowUnused: true });
    const analytic = grads.map((g, i) =>
      g === null ? new Float64Array(values[i].length) : (g.toTypedArray() as Float64Array),
    );
    grads.forEach((g, i) => g && assert.deepEqual(g.shape, shapes[i], `gradcheck: gradient ${i} has the wrong shape`));

    // Numeric: (L(x + eps e_j) - L(x - eps e_j)) / 2 eps for every element j of every input.
    const evaluate = (): number =>
      scope(() =>
        noGrad(() =>
          fn(...values.map((v, i) => tensor(v, { shape: shapes[i] })))
            .mul(weight)
            .sum()
            .item(),
        ),
      );
    const failures: string[] = [];
    let worst = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      for (let j = 0; j < v.length; j++) {
        const saved = v[j];
        v[j] = saved + eps;
        const plus = evaluate();
        v[j] = saved - eps;
        const minus = evaluate();
        v[j] = saved;
        const numeric = (plus - minus) / (2 * eps);
        const a = analytic[i][j];
        const error = Math.abs(a - numeric);
        const allowed = atol + rtol * Math.max(Math.abs(a), Math.abs(numeric));
        worst = Math.max(worst, error / allowed);
        if (!(error <= allowed) && failures.length < 8) {
          failures.push(`input ${i} [${j}]: analytic ${a}, numeric ${numeric} (difference ${error.toExponential(2)})`);
        }
      }
    }
    assert.ok(
      failures.length === 0,
      `gradcheck failed (worst error ${worst.toFixed(2)}x the tolerance):\n  ${failures.join('\n  ')}`,
    );
  });
}
