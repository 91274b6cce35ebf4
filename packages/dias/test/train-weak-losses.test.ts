// The scribble (weak supervision) losses against values computed by hand from their formulas with plain JS Math.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, rand, scope, tensor, type Tensor } from '@dias-ts/torch';
import {
  consistencyLoss,
  dmplsLoss,
  dmplsPseudoLabel,
  gatedCrfLoss,
  limitativePseudoLabel,
  maskedSoftDice,
  normalizedEntropy,
  partialCrossEntropy,
  pceDiceLoss,
  pseudoLabelDiceLoss,
  GATED_CRF_RELEASED,
  DICE_SMOOTH,
} from '../src/train/losses/index.js';
import { vesselProbability } from '../src/predict/vessel-probability.js';

const close = (a: number, b: number, tol = 1e-10) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);
const U = 255;
/** Every entry is zero (either sign). */
const assertZero = (values: number[]) =>
  assert.ok(
    values.every((v) => v === 0),
    `not all zero: ${values}`,
  );

/** Logits [B, C, H, W] (float64) from per-pixel class vectors pixels[b][y*W + x][c]. */
function logitsOf(pixels: number[][][], H: number, W: number, requiresGrad = false): Tensor {
  const B = pixels.length,
    C = pixels[0][0].length;
  const flat: number[] = [];
  for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) for (let i = 0; i < H * W; i++) flat.push(pixels[b][i][c]);
  return tensor(flat, { shape: [B, C, H, W], dtype: 'float64', requiresGrad });
}
const scribbleOf = (rows: number[][][]) => tensor(rows, { dtype: 'int64' });
const softmax = (v: number[]) => {
  const e = v.map((x) => Math.exp(x));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};
/** Gradient of a [B, C, H, W] logits tensor at pixel i of sample b, every channel. */
const gradAt = (g: number[], B: number, C: number, HW: number, b: number, i: number) =>
  Array.from({ length: C }, (_, c) => g[(b * C + c) * HW + i]);

// One 2x2 sample, three classes; pixel order (0,0), (0,1), (1,0), (1,1).
const PIX = [
  [
    [0.2, 1.1, -0.5],
    [1.0, -0.3, 0.4],
    [-0.7, 0.5, 0.9],
    [0.3, 0.3, -1.2],
  ],
];
const SCRIBBLE = [
  [
    [1, U],
    [0, U],
  ],
]; // pixel 0 vessel, pixel 2 background, 1 and 3 unlabelled
const LABELS = [1, U, 0, U];

test('partial CE is the mean CE over the annotated pixels only', () => {
  scope(() => {
    const value = partialCrossEntropy(logitsOf(PIX, 2, 2), scribbleOf(SCRIBBLE)).item();
    const hand = (-Math.log(softmax(PIX[0][0])[1]) - Math.log(softmax(PIX[0][2])[0])) / 2;
    close(value, hand);
  });
});

test('partial CE ignores the 255 pixels: other logits there change nothing, their gradient is zero', () => {
  scope(() => {
    const moved = PIX.map((s) => s.map((v, i) => (LABELS[i] === U ? v.map((x) => x * 7 - 3) : v)));
    close(
      partialCrossEntropy(logitsOf(moved, 2, 2), scribbleOf(SCRIBBLE)).item(),
      partialCrossEntropy(logitsOf(PIX, 2, 2), scribbleOf(SCRIBBLE)).item(),
    );
    const logits = logitsOf(PIX, 2, 2, true);
    partialCrossEntropy(logits, scribbleOf(SCRIBBLE)).backward();
    const g = logits.grad!.toArray();
    for (const i of [1, 3]) assertZero(gradAt(g, 1, 3, 4, 0, i));
    for (const i of [0, 2]) assert.ok(gradAt(g, 1, 3, 4, 0, i).some((v) => Math.abs(v) > 1e-3));
  });
});

test('partial CE of a batch without annotated pixels is 0, not NaN, and backpropagates zeros', () => {
  scope(() => {
    const logits = logitsOf(PIX, 2, 2, true);
    const loss = partialCrossEntropy(
      logits,
      scribbleOf([
        [
          [U, U],
          [U, U],
        ],
      ]),
    );
    assert.equal(loss.item(), 0);
    assert.ok(loss.requiresGrad);
    loss.backward();
    assert.ok(logits.grad!.toArray().every((v) => v === 0));
  });
});

/** nnU-Net batch Dice of class c over the annotated pixels (hand formula). */
function handMaskedDice(pixels: number[][][], labels: number[][], c: number): number {
  let tp = 0,
    fp = 0,
    fn = 0;
  pixels.forEach((sample, b) =>
    sample.forEach((v, i) => {
      if (labels[b][i] === U) return;
      const p = softmax(v)[c],
        y = labels[b][i] === c ? 1 : 0;
      tp += p * y;
      fp += p * (1 - y);
      fn += (1 - p) * y;
    }),
  );
  return (2 * tp + DICE_SMOOTH) / (2 * tp + fp + fn + DICE_SMOOTH + 1e-8);
}

test('masked soft Dice: as released the mean over classes 1..C-1 (softmax over all three), or the vessel alone', () => {
  scope(() => {
    const logits = logitsOf(PIX, 2, 2);
    const s = scribbleOf(SCRIBBLE);
    const vessel = handMaskedDice(PIX, [LABELS], 1);
    const unused = handMaskedDice(PIX, [LABELS], 2);
    close(maskedSoftDice(logits, s, { classes: 'vessel' }).item(), vessel);
    close(maskedSoftDice(logits, s).item(), (vessel + unused) / 2);
    // The never-annotated class 2 has tp = fn = 0: its Dice is s / (fp + s + 1e-8), about 0.
    const fp2 = softmax(PIX[0][0])[2] + softmax(PIX[0][2])[2];
    close(unused, DICE_SMOOTH / (fp2 + DICE_SMOOTH + 1e-8));
    const { loss, pce, dice } = pceDiceLoss(logits, s);
    close(dice.item(), (vessel + unused) / 2);
    close(pce.item(), partialCrossEntropy(logits, s).item());
    close(loss.item(), pce.item() + 1 - dice.item());
  });
});

test('masked soft Dice ignores the 255 pixels, over a two-sample batch', () => {
  scope(() => {
    const pixels = [
      PIX[0],
      [
        [0.5, -0.5, 0.1],
        [-1.0, 2.0, 0.0],
        [0.3, 0.2, 0.1],
        [1.5, -0.2, 0.4],
      ],
    ];
    const labels = [LABELS, [U, 1, 1, 0]];
    const s = scribbleOf([
      SCRIBBLE[0],
      [
        [U, 1],
        [1, 0],
      ],
    ]);
    close(maskedSoftDice(logitsOf(pixels, 2, 2), s, { classes: 'vessel' }).item(), handMaskedDice(pixels, labels, 1));
    const moved = pixels.map((sample, b) => sample.map((v, i) => (labels[b][i] === U ? [5, -4, 9] : v)));
    close(pceDiceLoss(logitsOf(moved, 2, 2), s).loss.item(), pceDiceLoss(logitsOf(pixels, 2, 2), s).loss.item());
    const logits = logitsOf(pixels, 2, 2, true);
    pceDiceLoss(logits, s).loss.backward();
    const g = logits.grad!.toArray();
    for (const [b, i] of [
      [0, 1],
      [0, 3],
      [1, 0],
    ])
      assertZero(gradAt(g, 2, 3, 4, b, i));
  });
});

test('normalised entropy: mean over pixels of -Σ p log(p + 1e-6) / log 2, all three channels as released', () => {
  scope(() => {
    const hand =
      PIX[0]
        .map((v) => softmax(v).reduce((h, p) => h - p * Math.log(p + 1e-6), 0) / Math.log(2))
        .reduce((a, b) => a + b) / 4;
    close(normalizedEntropy(logitsOf(PIX, 2, 2)).item(), hand);
    close(normalizedEntropy(logitsOf(PIX, 2, 2), { normalizer: 3 }).item(), (hand * Math.log(2)) / Math.log(3));
    // Uniform over three channels: log 3 / log 2 (minus the eps effect), above 1 as released.
    close(normalizedEntropy(logitsOf([[[0, 0, 0]]], 1, 1)).item(), -Math.log(1 / 3 + 1e-6) / Math.log(2));
  });
});

/** The gated CRF loss by direct nested loops over pixels and their window neighbours inside the image. */
function bruteGatedCrf(
  pixels: number[][][],
  H: number,
  W: number,
  r: number,
  sigma: number,
  w: number,
  mask?: number[][],
): number {
  let sum = 0,
    valid = 0;
  pixels.forEach((sample, b) => {
    const p = sample.map(softmax);
    const m = (i: number) => (mask ? mask[b][i] : 1);
    for (let yi = 0; yi < H; yi++)
      for (let xi = 0; xi < W; xi++) {
        const i = yi * W + xi;
        valid += m(i);
        for (let yj = Math.max(0, yi - r); yj <= Math.min(H - 1, yi + r); yj++) {
          for (let xj = Math.max(0, xi - r); xj <= Math.min(W - 1, xi + r); xj++) {
            const j = yj * W + xj;
            if (j === i) continue;
            const k = w * Math.exp(-((xi - xj) ** 2 + (yi - yj) ** 2) / (2 * sigma * sigma));
            const same = p[i].reduce((a, pc, c) => a + pc * p[j][c], 0);
            sum += k * m(i) * m(j) * (1 - same);
          }
        }
      }
  });
  return sum / (mask ? Math.max(valid, 1) : pixels.length * H * W);
}

test('gated CRF equals the nested-loop computation (released settings, radius larger than the image)', () => {
  scope(() => {
    const H = 4,
      W = 5;
    const pixels = [0, 1].map((b) =>
      Array.from({ length: H * W }, (_, i) => [Math.sin(i + b), Math.cos(2 * i - b), 0.3 * ((i * 7 + b) % 5) - 0.6]),
    );
    const { radius, xySigma, kernelWeight } = GATED_CRF_RELEASED;
    close(gatedCrfLoss(logitsOf(pixels, H, W)).item(), bruteGatedCrf(pixels, H, W, radius, xySigma, kernelWeight));
    close(
      gatedCrfLoss(logitsOf(pixels, H, W), { radius: 1, xySigma: 0.8, kernelWeight: 1 }).item(),
      bruteGatedCrf(pixels, H, W, 1, 0.8, 1),
    );
  });
});

test('gated CRF with a valid-pixel mask, and its gradient against finite differences', () => {
  scope(() => {
    const H = 3,
      W = 4;
    const pixels = [Array.from({ length: H * W }, (_, i) => [0.1 * i, Math.cos(i), -0.2 * (i % 3)])];
    const mask = [[1, 1, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1]];
    const maskTensor = tensor(mask, { shape: [1, H, W] });
    const options = { radius: 2, xySigma: 1.5, kernelWeight: 1, mask: maskTensor };
    close(gatedCrfLoss(logitsOf(pixels, H, W), options).item(), bruteGatedCrf(pixels, H, W, 2, 1.5, 1, mask));
    const logits = logitsOf(pixels, H, W, true);
    gatedCrfLoss(logits, options).backward();
    const g = logits.grad!.toArray();
    const h = 1e-6;
    for (const [i, c] of [
      [0, 0],
      [5, 1],
      [2, 2],
      [11, 1],
    ]) {
      const up = pixels.map((s) => s.map((v) => [...v])),
        down = pixels.map((s) => s.map((v) => [...v]));
      up[0][i][c] += h;
      down[0][i][c] -= h;
      const fd = (bruteGatedCrf(up, H, W, 2, 1.5, 1, mask) - bruteGatedCrf(down, H, W, 2, 1.5, 1, mask)) / (2 * h);
      close(g[c * H * W + i], fd, 1e-7);
    }
    // A masked-out pixel takes no part: its gradient is zero.
    assertZero(gradAt(g, 1, 3, H * W, 0, 2));
  });
});

test('limitative pseudo-label: argmax over the first two channels, corrected by the scribble, int64 without gradient', () => {
  scope(() => {
    // Channel 2 is the largest everywhere; the first two decide: pixels 0, 3 vessel, pixels 1, 2 background.
    const pixels = [
      [
        [0.1, 0.5, 9],
        [0.7, 0.2, 9],
        [0.4, -1, 9],
        [-2, 1, 9],
      ],
    ];
    const logits = logitsOf(pixels, 2, 2, true);
    const uncorrected = limitativePseudoLabel(
      logits,
      scribbleOf([
        [
          [U, U],
          [U, U],
        ],
      ]),
    );
    assert.deepEqual(uncorrected.toArray(), [1, 0, 0, 1]);
    assert.equal(uncorrected.dtype, 'int64');
    assert.equal(uncorrected.requiresGrad, false);
    assert.deepEqual(uncorrected.shape, [1, 2, 2]);
    // Scribble: pixel 0 background, pixel 1 vessel (both override), pixels 2, 3 unlabelled (keep the argmax).
    assert.deepEqual(
      limitativePseudoLabel(
        logits,
        scribbleOf([
          [
            [0, 1],
            [U, U],
          ],
        ]),
      ).toArray(),
      [0, 1, 0, 1],
    );
    const q = vesselProbability(logits).squeeze(1);
    assert.deepEqual(q.shape, [1, 2, 2]);
    q.toArray().forEach((v, i) => close(v, 1 / (1 + Math.exp(pixels[0][i][0] - pixels[0][i][1]))));
    assert.ok(q.requiresGrad);
  });
});

test('consistency, probability form: hand value, and a gradient on both networks (none at annotated pixels)', () => {
  scope(() => {
    const pixA = [
      [
        [0.2, 1.1, -0.5],
        [1.0, -0.3, 0.4],
        [-0.7, 0.5, 0.9],
        [0.3, 0.8, -1.2],
      ],
    ];
    const pixB = [
      [
        [0.9, 0.1, 0.0],
        [-0.4, 0.6, 2.0],
        [0.2, 0.2, 0.2],
        [1.3, -0.1, 0.5],
      ],
    ];
    const s = scribbleOf([
      [
        [1, U],
        [U, 0],
      ],
    ]);
    const q = (v: number[]) => 1 / (1 + Math.exp(v[0] - v[1]));
    const hand = ((q(pixA[0][1]) - q(pixB[0][1])) ** 2 + (q(pixA[0][2]) - q(pixB[0][2])) ** 2) / 4;
    const a = logitsOf(pixA, 2, 2, true),
      b = logitsOf(pixB, 2, 2, true);
    const loss = consistencyLoss(a, b, s);
    close(loss.item(), hand);
    loss.backward();
    for (const t of [a, b]) {
      const g = t.grad!.toArray();
      for (const i of [1, 2]) {
        const gi = gradAt(g, 1, 3, 4, 0, i);
        assert.ok(Math.abs(gi[0]) > 1e-4 && Math.abs(gi[1]) > 1e-4, `pixel ${i}: ${gi}`);
        assertZero([gi[2]]); // the unused channel is outside the limitative softmax
      }
      for (const i of [0, 3]) assertZero(gradAt(g, 1, 3, 4, 0, i));
    }
  });
});

test('consistency as released: MSE of the corrected argmax maps, carrying no gradient', () => {
  scope(() => {
    // Argmax of the first two channels: A = 1, 0, 1, 1 and B = 0, 0, 0, 1; scribble forces pixel 0 to 1 in both.
    const a = logitsOf(
      [
        [
          [0, 1, 0],
          [1, 0, 0],
          [0, 1, 0],
          [0, 1, 0],
        ],
      ],
      2,
      2,
      true,
    );
    const b = logitsOf(
      [
        [
          [1, 0, 0],
          [1, 0, 0],
          [1, 0, 0],
          [0, 1, 0],
        ],
      ],
      2,
      2,
      true,
    );
    const loss = consistencyLoss(
      a,
      b,
      scribbleOf([
        [
          [1, U],
          [U, U],
        ],
      ]),
      { form: 'as-released' },
    );
    close(loss.item(), 1 / 4); // they disagree at pixel 2 only
    assert.equal(loss.requiresGrad, false);
    close(
      consistencyLoss(
        a,
        b,
        scribbleOf([
          [
            [U, U],
            [U, U],
          ],
        ]),
        { form: 'as-released' },
      ).item(),
      2 / 4,
    );
  });
});

test('DMPLS: the mixed pseudo-label follows a fixed β, and the loss is pCE + 0.5·mean pseudo-label Dice loss', () => {
  scope(() => {
    // Two classes (the released UNet_CCT); main says vessel at pixel 1 (p1 = 0.8), aux says background (p1 = 0.3).
    const main = [
      [
        [0, 0.3],
        [0, Math.log(4)],
        [1, 0],
      ],
    ];
    const aux = [
      [
        [0, -0.4],
        [0, Math.log(3 / 7)],
        [0.5, 0],
      ],
    ];
    const s = scribbleOf([[[1, U, 0]]]);
    const mix = (beta: number) =>
      main[0].map((v, i) => (beta * softmax(v)[1] + (1 - beta) * softmax(aux[0][i])[1] > 0.5 ? 1 : 0));
    for (const beta of [0.8, 0.2]) {
      const pl = dmplsPseudoLabel(logitsOf(main, 1, 3), logitsOf(aux, 1, 3), beta);
      assert.equal(pl.beta, beta);
      assert.deepEqual(pl.label.toArray(), mix(beta));
      assert.equal(pl.label.dtype, 'int64');
    }
    assert.deepEqual(mix(0.8), [1, 1, 0]);
    assert.deepEqual(mix(0.2), [0, 0, 0]);

    const diceLoss = (pix: number[][], label: number[]) => {
      let total = 0;
      for (let c = 0; c < 2; c++) {
        let inter = 0,
          z = 0,
          y = 0;
        pix.forEach((v, i) => {
          const p = softmax(v)[c],
            t = label[i] === c ? 1 : 0;
          inter += p * t;
          z += p * p;
          y += t;
        });
        total += 1 - (2 * inter + 1e-5) / (z + y + 1e-5);
      }
      return total / 2;
    };
    const pce = (pix: number[][]) => (-Math.log(softmax(pix[0])[1]) - Math.log(softmax(pix[2])[0])) / 2;
    const label = mix(0.8);
    const mainT = logitsOf(main, 1, 3, true),
      auxT = logitsOf(aux, 1, 3, true);
    const out = dmplsLoss(mainT, auxT, s, { beta: 0.8 });
    close(out.pce.item(), 0.5 * (pce(main[0]) + pce(aux[0])));
    close(out.pseudoSupervision.item(), 0.5 * (diceLoss(main[0], label) + diceLoss(aux[0], label)));
    close(out.loss.item(), out.pce.item() + 0.5 * out.pseudoSupervision.item());
    close(
      pseudoLabelDiceLoss(logitsOf(main, 1, 3), tensor([[label]], { dtype: 'int64' })).item(),
      diceLoss(main[0], label),
    );
    assert.equal(out.pseudoLabel.requiresGrad, false);
    out.loss.backward();
    assert.ok(
      mainT.grad!.toArray().some((v) => Math.abs(v) > 1e-3) && auxT.grad!.toArray().some((v) => Math.abs(v) > 1e-3),
    );
  });
});

test('DMPLS draws β from the global torch generator when none is given', () => {
  scope(() => {
    manualSeed(1234);
    const expected = rand([1]).item();
    manualSeed(1234);
    const { beta } = dmplsPseudoLabel(logitsOf([[[0, 1]]], 1, 1), logitsOf([[[1, 0]]], 1, 1));
    assert.equal(beta, expected);
    assert.throws(
      () => dmplsPseudoLabel(logitsOf([[[0, 1]]], 1, 1), logitsOf([[[1, 0]]], 1, 1), 1.5),
      /beta must lie in \[0, 1\]/,
    );
  });
});

test('shape mismatches are refused with both shapes', () => {
  scope(() => {
    const logits = logitsOf(PIX, 2, 2);
    assert.throws(
      () => partialCrossEntropy(logits, scribbleOf([[[1, 0, U]]])),
      /scribble must be \[1, 2, 2\].*got \[1, 1, 3\]/,
    );
    assert.throws(() => gatedCrfLoss(logits, { mask: tensor([[1, 1, 1]]) }), /mask must be \[1, 2, 2\]/);
    assert.throws(() => normalizedEntropy(tensor([[1, 2]])), /logits must be \[batch, classes >= 2, height, width\]/);
  });
});
