// The augmentation settings of the patch sampler, every family switchable, and the order they run in.
// Presets name the official pipelines: 'fsl' (fully supervised Train_dataset: crop, flips, rotations -- the
// default), 'wsl-plc' (weakly supervised two-view PLC_Train_dataset: + contrast, blur, noise on the images),
// 'ssl-strong' (semi-supervised strong_seq_DA: + elastic deformation and cutout), 'none' (crop only).
import { DEFAULT_GEOMETRIC, type GeometricOptions } from './geometric-transform.js';
import {
  DEFAULT_BLUR,
  DEFAULT_CONTRAST,
  DEFAULT_CUTOUT,
  DEFAULT_NOISE,
  randomBlur,
  randomContrast,
  randomCutout,
  randomNoise,
  type BlurOptions,
  type ContrastOptions,
  type CutoutOptions,
  type NoiseOptions,
} from './photometric.js';
import { DEFAULT_ELASTIC, elasticField, warpBilinear, warpNearest, type ElasticOptions } from './elastic.js';
import type { Random } from '../random.js';
import { showValue } from '../../show-value.js';

export interface AugmentOptions {
  geometric: GeometricOptions;
  elastic: ElasticOptions;
  contrast: ContrastOptions;
  cutout: CutoutOptions;
  blur: BlurOptions;
  noise: NoiseOptions;
}

export type AugmentFamily = keyof AugmentOptions;
export const AUGMENT_FAMILIES: readonly AugmentFamily[] = [
  'geometric',
  'elastic',
  'contrast',
  'cutout',
  'blur',
  'noise',
];

export type AugmentPreset = 'none' | 'fsl' | 'wsl-plc' | 'ssl-strong';
export const AUGMENT_PRESETS: Readonly<Record<AugmentPreset, readonly AugmentFamily[]>> = {
  none: [],
  fsl: ['geometric'],
  'wsl-plc': ['geometric', 'contrast', 'blur', 'noise'],
  'ssl-strong': ['geometric', 'elastic', 'contrast', 'cutout', 'blur', 'noise'],
};

/** What callers pass: a preset, or a preset (default 'fsl') with per-family changes; `true`/`false` switch a family. */
export type AugmentOptionsInput =
  AugmentPreset | ({ preset?: AugmentPreset } & { [F in AugmentFamily]?: boolean | Partial<AugmentOptions[F]> });

const DEFAULTS: AugmentOptions = {
  geometric: DEFAULT_GEOMETRIC,
  elastic: DEFAULT_ELASTIC,
  contrast: DEFAULT_CONTRAST,
  cutout: DEFAULT_CUTOUT,
  blur: DEFAULT_BLUR,
  noise: DEFAULT_NOISE,
};

function fail(msg: string): never {
  throw new Error(`augmentation options: ${msg}`);
}

function checkProbability(where: string, p: unknown): void {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) fail(`${where}.probability must be in [0, 1], got ${String(p)}`);
}

function checkRange(where: string, r: unknown, min: number): void {
  if (!Array.isArray(r) || r.length !== 2 || r.some((v) => typeof v !== 'number' || !Number.isFinite(v)))
    fail(`${where} must be [lo, hi] numbers, got ${showValue(r)}`);
  if (r[0] > r[1]) fail(`${where} must have lo <= hi, got [${r[0]}, ${r[1]}]`);
  if (r[0] < min) fail(`${where} must be >= ${min}, got [${r[0]}, ${r[1]}]`);
}

function checkPositive(where: string, v: unknown): void {
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v))
    fail(`${where} must be a positive number, got ${String(v)}`);
}

/**
 * Upper bounds of the augmentation's size-like fields, far above the official ones (elastic sigma 50, blur sigma up
 * to 2 truncated at 4, one cutout hole): a mistyped value fails here instead of making every patch take seconds.
 */
export const AUGMENT_MAXIMA = {
  'elastic.sigma': 256,
  'blur.sigma': 32,
  'blur.truncate': 8,
  'cutout.holes': 64,
} as const;

function checkAtMost(where: keyof typeof AUGMENT_MAXIMA, v: number): void {
  if (v > AUGMENT_MAXIMA[where]) fail(`${where} must be at most ${AUGMENT_MAXIMA[where]}, got ${v}`);
}

/** Checks a complete option set against the patch size; throws a message naming the bad field. */
export function validateAugmentOptions(o: AugmentOptions, patchSize: number): void {
  for (const f of AUGMENT_FAMILIES) if (typeof o[f]?.enabled !== 'boolean') fail(`${f}.enabled must be a boolean`);
  const g = o.geometric;
  if (typeof g.flipProbability !== 'number' || !(g.flipProbability >= 0 && g.flipProbability <= 1))
    fail(`geometric.flipProbability must be in [0, 1], got ${g.flipProbability}`);
  if (typeof g.rotate90 !== 'boolean' || typeof g.coupledFlips !== 'boolean')
    fail('geometric.rotate90 and geometric.coupledFlips must be booleans');
  checkProbability('elastic', o.elastic.probability);
  checkPositive('elastic.sigma', o.elastic.sigma);
  checkAtMost('elastic.sigma', o.elastic.sigma);
  if (typeof o.elastic.alpha !== 'number' || !Number.isFinite(o.elastic.alpha) || o.elastic.alpha < 0)
    fail(`elastic.alpha must be a number >= 0, got ${o.elastic.alpha}`);
  checkProbability('contrast', o.contrast.probability);
  checkRange('contrast.range', o.contrast.range, 0);
  if (typeof o.contrast.mean !== 'number' || !Number.isFinite(o.contrast.mean))
    fail(`contrast.mean must be a finite number, got ${o.contrast.mean}`);
  if (o.contrast.clip !== null) checkRange('contrast.clip', o.contrast.clip, -Infinity);
  checkProbability('cutout', o.cutout.probability);
  if (!Number.isInteger(o.cutout.size) || o.cutout.size < 1)
    fail(`cutout.size must be a positive integer, got ${o.cutout.size}`);
  if (o.cutout.enabled && o.cutout.size > patchSize)
    fail(`cutout.size (${o.cutout.size}) must not exceed the patch size (${patchSize})`);
  if (!Number.isInteger(o.cutout.holes) || o.cutout.holes < 1)
    fail(`cutout.holes must be a positive integer, got ${o.cutout.holes}`);
  checkAtMost('cutout.holes', o.cutout.holes);
  checkProbability('blur', o.blur.probability);
  checkRange('blur.sigma', o.blur.sigma, Number.MIN_VALUE);
  checkPositive('blur.truncate', o.blur.truncate);
  checkAtMost('blur.sigma', o.blur.sigma[1]);
  checkAtMost('blur.truncate', o.blur.truncate);
  checkProbability('noise', o.noise.probability);
  checkRange('noise.std', o.noise.std, 0);
}

/** A complete, validated, plain (structured-cloneable) option set from a preset and/or changes. */
export function resolveAugmentOptions(input: AugmentOptionsInput | undefined, patchSize: number): AugmentOptions {
  const spec = typeof input === 'string' ? { preset: input } : (input ?? {});
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec))
    fail(`expected a preset name or an object, got ${showValue(input)}`);
  const preset = spec.preset ?? 'fsl';
  if (!(preset in AUGMENT_PRESETS))
    fail(`unknown preset '${preset}' (known: ${Object.keys(AUGMENT_PRESETS).join(', ')})`);
  for (const key of Object.keys(spec)) {
    if (key !== 'preset' && !AUGMENT_FAMILIES.includes(key as AugmentFamily))
      fail(`unknown family '${key}' (known: preset, ${AUGMENT_FAMILIES.join(', ')})`);
  }
  const on = new Set(AUGMENT_PRESETS[preset]);
  const out = {} as Record<AugmentFamily, unknown>;
  for (const f of AUGMENT_FAMILIES) {
    const base = { ...DEFAULTS[f], enabled: on.has(f) } as Record<string, unknown>;
    const change = spec[f];
    if (typeof change === 'boolean') base.enabled = change;
    else if (change !== undefined) {
      if (typeof change !== 'object' || change === null)
        fail(`${f} must be a boolean or an object, got ${showValue(change)}`);
      for (const [k, v] of Object.entries(change)) {
        if (!(k in DEFAULTS[f])) fail(`unknown option '${f}.${k}' (known: ${Object.keys(DEFAULTS[f]).join(', ')})`);
        base[k] = v;
      }
      // Giving settings for a family the preset leaves off switches it on, unless told otherwise.
      if (!('enabled' in change)) base.enabled = true;
    }
    out[f] = structuredClone(base); // no array shared with the caller or the defaults
  }
  const o = out as unknown as AugmentOptions;
  validateAugmentOptions(o, patchSize);
  return o;
}

/**
 * Elastic deformation of one sample (its frames [T][P][P] and its label/scribble planes), drawn once and shared
 * so the targets follow the images; returns whether it ran.
 */
export function augmentElastic(
  images: Float32Array,
  T: number,
  P: number,
  targets: (Uint8Array | undefined)[],
  rng: Random,
  o: ElasticOptions,
): boolean {
  if (!o.enabled || !rng.chance(o.probability)) return false;
  const { dy, dx } = elasticField(P, P, rng, o.alpha, o.sigma);
  warpBilinear(images, T, P, P, dy, dx);
  for (const t of targets) if (t) warpNearest(t, P, P, dy, dx);
  return true;
}

/**
 * The image-only augmentations of one view of a sample, in the official order (contrast, cutout, blur, noise).
 * Two-view training (weak supervision's PLC loader) calls this once per view with the same geometry.
 */
export function augmentPhotometric(images: Float32Array, T: number, P: number, rng: Random, o: AugmentOptions): void {
  randomContrast(images, T, P * P, rng, o.contrast);
  randomCutout(images, T, P, rng, o.cutout);
  randomBlur(images, T, P, rng, o.blur);
  randomNoise(images, rng, o.noise);
}
