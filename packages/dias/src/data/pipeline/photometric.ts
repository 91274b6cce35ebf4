// Photometric augmentations of one training patch [T][P][P] (images only; labels and scribbles never change),
// as the official utils/data_augmentation.py does them. Defaults are the values its datasets pass: the weakly
// supervised two-view loader (RandomContrast p 0.5, GaussianBlur3D p 0.5, AdditiveGaussianNoise p 0.1) and the
// semi-supervised strong pipeline (which adds Cutout).
import { gaussianBlur3d } from './gaussian-blur.js';
import type { Random } from '../random.js';

export interface ContrastOptions {
  enabled: boolean;
  probability: number;
  /** Each frame is scaled about `mean` by its own factor drawn uniformly from this range. */
  range: [number, number];
  mean: number;
  /**
   * After scaling, the whole patch is clipped to this range; null skips it. The official RandomContrast clips to
   * [-1, 1] -- on z-scored frames that flattens every vessel darker than one standard deviation -- and only when
   * the contrast change itself was applied. Kept by default for fidelity.
   */
  clip: [number, number] | null;
}

export interface BlurOptions {
  enabled: boolean;
  probability: number;
  /** Sigma drawn uniformly from this range, the same along time, rows and columns (skimage gaussian on T x H x W). */
  sigma: [number, number];
  /** Kernel radius in sigmas (scipy's default 4). */
  truncate: number;
}

export interface NoiseOptions {
  enabled: boolean;
  probability: number;
  /** Standard deviation drawn uniformly from this range; then one N(0, std) value per voxel. */
  std: [number, number];
}

export interface CutoutOptions {
  enabled: boolean;
  /**
   * Official Cutout(prob=0.2) tests `uniform() > prob`, so it cuts with probability 0.8; that effective value
   * is the default here.
   */
  probability: number;
  /** Side of the square, centred on a uniformly drawn pixel and clipped at the patch border (official 16). */
  size: number;
  holes: number;
}

export const DEFAULT_CONTRAST: ContrastOptions = {
  enabled: true,
  probability: 0.5,
  range: [0.5, 1.5],
  mean: 0,
  clip: [-1, 1],
};
export const DEFAULT_BLUR: BlurOptions = { enabled: true, probability: 0.5, sigma: [0.1, 2], truncate: 4 };
export const DEFAULT_NOISE: NoiseOptions = { enabled: true, probability: 0.1, std: [0, 0.1] };
export const DEFAULT_CUTOUT: CutoutOptions = { enabled: true, probability: 0.8, size: 16, holes: 1 };

/** Scales each frame about the mean by its own factor, then clips the patch; returns whether it ran. */
export function randomContrast(x: Float32Array, T: number, PP: number, rng: Random, o: ContrastOptions): boolean {
  if (!o.enabled || !rng.chance(o.probability)) return false;
  for (let t = 0; t < T; t++) {
    const alpha = rng.uniformIn(o.range[0], o.range[1]);
    const end = (t + 1) * PP;
    for (let i = t * PP; i < end; i++) x[i] = o.mean + alpha * (x[i] - o.mean);
  }
  if (o.clip) {
    const [lo, hi] = o.clip;
    for (let i = 0; i < T * PP; i++) x[i] = x[i] < lo ? lo : x[i] > hi ? hi : x[i];
  }
  return true;
}

/** Zeroes `holes` squares (all frames, same place) of a [T][P][P] patch; returns whether it ran. */
export function randomCutout(x: Float32Array, T: number, P: number, rng: Random, o: CutoutOptions): boolean {
  if (!o.enabled || !rng.chance(o.probability)) return false;
  const half = Math.floor(o.size / 2);
  const PP = P * P;
  for (let h = 0; h < o.holes; h++) {
    const cy = rng.int(P);
    const cx = rng.int(P);
    const y1 = Math.max(0, cy - half);
    const y2 = Math.min(P, cy + (o.size - half));
    const x1 = Math.max(0, cx - half);
    const x2 = Math.min(P, cx + (o.size - half));
    for (let t = 0; t < T; t++) for (let y = y1; y < y2; y++) x.fill(0, t * PP + y * P + x1, t * PP + y * P + x2);
  }
  return true;
}

/** Gaussian blur over time, rows and columns with a random sigma; returns whether it ran. */
export function randomBlur(x: Float32Array, T: number, P: number, rng: Random, o: BlurOptions): boolean {
  if (!o.enabled || !rng.chance(o.probability)) return false;
  gaussianBlur3d(x, T, P, P, rng.uniformIn(o.sigma[0], o.sigma[1]), o.truncate);
  return true;
}

/** Adds zero-mean Gaussian noise of a random standard deviation; returns whether it ran. */
export function randomNoise(x: Float32Array, rng: Random, o: NoiseOptions): boolean {
  if (!o.enabled || !rng.chance(o.probability)) return false;
  const std = rng.uniformIn(o.std[0], o.std[1]);
  for (let i = 0; i < x.length; i++) x[i] += std * rng.normal();
  return true;
}
