// Gated CRF loss (Obukhov et al. 2019, "Gated CRF Loss for Weakly Supervised Semantic Image Segmentation") with
// the settings of the DIAS "pCE + Gated CRF" scribble baseline.
// Follows the official losses/gate_crf_loss.py ModelLossSemsegGatedCRF as weak_supervised_segmentation/
// wsl_train_GatedCRFLoss.py calls it: on softmax(pre) over ALL C channels, kernels_desc [{weight: 0.1, xy: 6}]
// (a single pure-position kernel: no image modality enters, so nothing is "gated" by the image; the sample argument,
// the argmin over the sequence, is never read), radius 5, input size = the prediction size (patch 64, downsample
// factor 1), no source / destination masks, Potts compatibility; the script adds 0.1 × this to DC_and_CE_loss.
// The kernel weight 0.1 is part of the released kernel (the default here); the outer 0.1 is the recipe's.
//   For every pixel i and neighbour j ≠ i in the (2r+1)² window around it, inside the image:
//     K_ij = w · exp(−((x_i − x_j)² + (y_i − y_j)²) / (2σ²)),
//     loss = Σ_i Σ_j K_ij · m_i · m_j · (1 − Σ_c p_ic p_jc) / D,   D = B·H·W, or Σ m when a mask m is given.
// Implementation: the xy kernel depends only on the offset j − i, so Σ_j K_ij p_jc is a depthwise convolution of
// each class map with one (2r+1)² kernel whose centre is 0 — the same sum as the official unfold over the window
// (the shifts), without materialising the (2r+1)² shifted copies; its zero padding is the valid-pixel mask
// (neighbours outside the image count 0).
// Deviation: the official unfold pads the xy mesh with zeros, so an out-of-image neighbour of pixel i looks like
// pixel (0, 0) and adds w·exp(−(x_i² + y_i²)/(2σ²)) to Σ K (a constant with no gradient, non-negligible only near
// the top-left corner). Here out-of-image neighbours weigh 0: the released value is higher by that constant, the
// gradient is identical.
import { F, noGrad, ones, tensor, type Tensor } from '@dias-ts/torch';
import { checkLogits } from './scribble.js';

/** The released settings: kernel radius, xy sigma (pixels), kernel weight, and the recipe's weight on the loss. */
export const GATED_CRF_RELEASED = { radius: 5, xySigma: 6, kernelWeight: 0.1, lossWeight: 0.1 } as const;

export interface GatedCrfOptions {
  /** Half-size of the square neighbourhood (default 5). */
  radius?: number;
  /** Sigma of the xy Gaussian in prediction pixels (default 6). */
  xySigma?: number;
  /** Weight w of the xy kernel (default 0.1, as released). */
  kernelWeight?: number;
  /**
   * Optional valid-pixel mask [B, H, W] or [B, 1, H, W] (1 valid; values below 1 count as invalid, as the
   * official resize_fix_mask does), used as both the source and the destination mask; the loss is then divided by
   * the number of valid pixels (at least 1).
   */
  mask?: Tensor;
}

/** The (2r+1)² xy Gaussian weights, centre 0, row-major from offset (−r, −r). */
export function gatedCrfXyKernel(radius: number, xySigma: number, kernelWeight: number): number[] {
  const values: number[] = [];
  for (let dy = -radius; dy <= radius; dy++) {
    for (let dx = -radius; dx <= radius; dx++) {
      values.push(dx === 0 && dy === 0 ? 0 : kernelWeight * Math.exp(-(dx * dx + dy * dy) / (2 * xySigma * xySigma)));
    }
  }
  return values;
}

/** Gated CRF loss (xy kernel, Potts model) of logits [B, C, H, W], softmax over all channels. */
export function gatedCrfLoss(logits: Tensor, options: GatedCrfOptions = {}): Tensor {
  checkLogits('gatedCrfLoss', logits);
  const radius = options.radius ?? GATED_CRF_RELEASED.radius;
  const sigma = options.xySigma ?? GATED_CRF_RELEASED.xySigma;
  const weight = options.kernelWeight ?? GATED_CRF_RELEASED.kernelWeight;
  if (!Number.isInteger(radius) || radius < 1)
    throw new Error(`gatedCrfLoss: radius must be a positive integer, got ${radius}`);
  if (!(sigma > 0)) throw new Error(`gatedCrfLoss: xySigma must be > 0, got ${sigma}`);
  const [B, C, H, W] = logits.shape;
  const p = F.softmax(logits, 1);
  const d = 2 * radius + 1;
  const kernel = tensor(gatedCrfXyKernel(radius, sigma, weight), {
    shape: [1, 1, d, d],
    dtype: p.dtype,
    device: p.device,
  });
  const conv = { padding: radius };

  const mask = options.mask === undefined ? null : validMask(options.mask, B, H, W, p);
  const pm = mask ? p.mul(mask) : p;
  // Σ_j K_ij m_j p_jc for every pixel i and class c, and Σ_c p_ic of that (times m_i).
  const neighbours = F.conv2d(pm, kernel.repeat(C, 1, 1, 1), null, { ...conv, groups: C });
  const agreement = pm.mul(neighbours).sum();
  // Σ_i Σ_j K_ij m_i m_j: no gradient.
  const [kernelMass, denominator] = noGrad(() => {
    if (!mask) {
      const mass = F.conv2d(ones([1, 1, H, W], { dtype: p.dtype, device: p.device }), kernel, null, conv)
        .sum()
        .mul(B);
      return [mass, B * H * W] as const;
    }
    return [F.conv2d(mask, kernel, null, conv).mul(mask).sum(), mask.sum().clampMin(1)] as const;
  });
  return kernelMass.sub(agreement).div(denominator);
}

function validMask(mask: Tensor, B: number, H: number, W: number, like: Tensor): Tensor {
  const m = mask.ndim === 3 ? mask.unsqueeze(1) : mask;
  if (m.shape.join(', ') !== [B, 1, H, W].join(', ')) {
    throw new Error(
      `gatedCrfLoss: mask must be [${[B, H, W].join(', ')}] or [${[B, 1, H, W].join(', ')}], got [${mask.shape.join(', ')}]`,
    );
  }
  return noGrad(() => m.to({ dtype: like.dtype, device: like.device }).ge(1).to(like.dtype));
}
