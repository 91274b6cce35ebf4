// Generator settings: image size, counts per split, frames per run, and the difficulty knobs (noise, artefacts,
// vessel density, blush, text). Two presets: `dias` (the DIAS release's shape: 30/10/20 labelled sequences and
// 60 unlabelled, 800 x 800, 4..9 raw frames) and `small` (a 256 x 256 set a VSS-Net trains on in minutes on
// two CPU cores: the same anatomy in the same field of view, so vessels shrink to their true pixel widths).
import { DIAS_FRAME_RANGE } from '../readers/dias-layout.js';

export interface SplitCounts {
  training: number;
  validation: number;
  test: number;
  unlabeled: number;
}

export interface SynthOptions {
  width: number;
  height: number;
  /** Field of view at the isocentre across the image, mm (each run varies it by +-15%). */
  fovMm: number;
  /** Raw frames per sequence, inclusive range. */
  frames: [number, number];
  counts: SplitCounts;
  /** Multiplies the number of cortical branches and veins (1 = default). */
  density: number;
  /** Multiplies the quantum noise (1 = tuned to the real frames). */
  noise: number;
  /** Multiplies the subtraction artefacts (1 = tuned to the real frames). */
  artefacts: number;
  /** Multiplies the capillary blush. */
  blush: number;
  /** Probability that a sequence carries burned-in text. */
  textProbability: number;
  /** Label threshold: peak mu x concentration x chord (attenuation) for a pixel to count as visible artery. */
  visibility: number;
  /** Label threshold on the projected radius, px (thinner vessels are not labelled). */
  minRadiusPx: number;
  /**
   * Erosion count range of the automatic scribbles, ceil(lo + u (hi - lo)). Default: the authors' [4, 10] at
   * DIAS' 800 px, scaled by min(width, height) / 800 for other sizes (at 256 px unscaled erosion would leave no
   * vessel at all).
   */
  scribbleErosion?: [number, number];
  /**
   * Label sets: 'artery' (the DIAS label, 0/255) or 'av', which adds a second label per sequence: 0 background,
   * 1 artery, 2 vein (labels_av/; the artery label stays as it is).
   */
  classes?: 'artery' | 'av';
  /**
   * Complete runs instead of DIAS-style sequences: COMPLETE_RUN_FRAMES frames from before the contrast arrives to
   * the late venous phase, one frame folder per run with its frame times (write-dataset.ts).
   */
  completeRun?: boolean;
  /**
   * Where complete runs go: 'runs' (default), one frame folder per run; 'dias', the DIAS layout with its splits,
   * each sequence's frame times beside its frames (images/image_s{n}.frame_times.json), so that `dias train` and
   * `dias test` read them like any DIAS set (write-dataset.ts).
   */
  layout?: 'runs' | 'dias';
  /** Write the timing truth (arrival, time to peak; truth.ts) of each sequence as .npy maps. */
  timingMaps?: boolean;
}

/** Frames of a complete run: the range allowed, and the default. */
export const COMPLETE_RUN_FRAME_RANGE: readonly [number, number] = [20, 60];
export const COMPLETE_RUN_DEFAULT_FRAMES: [number, number] = [24, 40];

/** The automatic scribbles' erosion range for these options (see SynthOptions.scribbleErosion). */
export function scribbleErosion(o: SynthOptions): [number, number] {
  if (o.scribbleErosion) return o.scribbleErosion;
  const f = Math.min(o.width, o.height) / 800;
  return [4 * f, 10 * f];
}

/** The DIAS release's shape; the other presets change only what they name. */
const DIAS_PRESET: SynthOptions = {
  width: 800,
  height: 800,
  fovMm: 180,
  frames: [4, 9],
  counts: { training: 30, validation: 10, test: 20, unlabeled: 60 },
  density: 1,
  noise: 1,
  artefacts: 1,
  blush: 1,
  textProbability: 0.6,
  visibility: 0.04,
  minRadiusPx: 0.25,
};

export const PRESETS: Record<string, SynthOptions> = {
  dias: DIAS_PRESET,
  small: {
    ...DIAS_PRESET,
    width: 256,
    height: 256,
    // 12 labelled training runs is enough for a 2D+t model to learn the task at this size; 4/6 keep validation
    // and test meaningful; a small unlabelled pool lets the semi-supervised paths run.
    counts: { training: 12, validation: 4, test: 6, unlabeled: 6 },
  },
};

export function presetNames(): string[] {
  return Object.keys(PRESETS);
}

export function getPreset(name: string): SynthOptions {
  const p = PRESETS[name];
  if (!p) throw new Error(`unknown preset '${name}' (known: ${presetNames().join(', ')})`);
  return structuredClone(p);
}

/** Checks options a user may have set; throws with a message naming the bad one. */
export function validateOptions(o: SynthOptions): void {
  const intIn = (name: string, v: number, lo: number, hi: number): void => {
    if (!Number.isInteger(v) || v < lo || v > hi)
      throw new Error(`${name} must be an integer in [${lo}, ${hi}], got ${v}`);
  };
  const numIn = (name: string, v: number, lo: number, hi: number): void => {
    if (!Number.isFinite(v) || v < lo || v > hi)
      throw new Error(`${name} must be a number in [${lo}, ${hi}], got ${v}`);
  };
  intIn('width', o.width, 32, 4096);
  intIn('height', o.height, 32, 4096);
  numIn('fovMm', o.fovMm, 50, 400);
  // The generator writes the DIAS layout, so its frame counts obey the layout's rule: a dataset that its own
  // `dias data check` rejects would be a trap (and train would resample it silently).
  const [lo, hi] = o.completeRun ? COMPLETE_RUN_FRAME_RANGE : DIAS_FRAME_RANGE;
  const [a, b] = o.frames;
  if (!Number.isInteger(a) || !Number.isInteger(b) || a < lo || b > hi || b < a) {
    throw new Error(
      o.completeRun
        ? `frames ${a === b ? a : `${a}-${b}`}: a complete run has ${lo}..${hi} frames`
        : `frames ${a === b ? a : `${a}-${b}`}: raw frames per sequence must lie in ${lo}..${hi}, as in the DIAS layout (dias data check flags other counts; --complete-run writes runs of ${COMPLETE_RUN_FRAME_RANGE[0]}..${COMPLETE_RUN_FRAME_RANGE[1]} frames)`,
    );
  }
  if (o.layout !== undefined && o.layout !== 'runs' && o.layout !== 'dias')
    throw new Error(`layout must be runs or dias, got ${String(o.layout)}`);
  if (o.layout === 'dias' && !o.completeRun) throw new Error('layout dias is for complete runs (completeRun)');
  if (o.classes !== undefined && o.classes !== 'artery' && o.classes !== 'av')
    throw new Error(`classes must be artery or av, got ${String(o.classes)}`);
  for (const k of ['training', 'validation', 'test', 'unlabeled'] as const)
    intIn(`count of ${k}`, o.counts[k], 0, 100000);
  numIn('density', o.density, 0.05, 10);
  numIn('noise', o.noise, 0, 20);
  numIn('artefacts', o.artefacts, 0, 20);
  numIn('blush', o.blush, 0, 20);
  numIn('textProbability', o.textProbability, 0, 1);
  numIn('visibility', o.visibility, 0, 10);
  numIn('minRadiusPx', o.minRadiusPx, 0, 100);
  if (o.scribbleErosion) {
    numIn('scribbleErosion (min)', o.scribbleErosion[0], 0, 100);
    numIn('scribbleErosion (max)', o.scribbleErosion[1], o.scribbleErosion[0], 100);
  }
}
