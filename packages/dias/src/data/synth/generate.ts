// One synthetic DSA sequence from (dataset seed, sequence id): draw the run's settings, build the arterial and
// venous trees, project them, time the bolus, and form every frame; the DIAS-style label is the union over
// frames of visibly opacified artery. Everything random comes from streams forked off hashSeed(seed, id), so a
// sequence is the same whichever split, order or worker thread produces it.
import { randomHead, type Head } from './head.js';
import { Rng, hashSeed } from './rng.js';
import { buildArterialTree, type Injection } from './vessel-tree.js';
import { buildVeins } from './veins.js';
import type { Branch } from './growth.js';
import { randomProjection, type Projection, type View } from './projection.js';
import {
  arterialConcentration,
  blushConcentration,
  randomCompleteRunTiming,
  randomTiming,
  venousConcentration,
  type BolusTiming,
} from './bolus.js';
import { accumulate, formImage, projectVessels, rasterise, type Footprint, type ProjectedVessels } from './render.js';
import { addArtefacts, buildBackground, type Background } from './artefacts.js';
import { blushMap } from './blush.js';
import { applyOverlay, drawTextOverlay, injectionLabel, type TextOverlay } from './text-overlay.js';
import type { SynthOptions } from './presets.js';
import { arteryVeinLabel, timingTruth, type TimingTruth } from './truth.js';

export const GENERATOR_VERSION = 'dias-synth 1.0';

/** Pixel spacing (mm) at which the noise level was tuned against real frames (the dias preset's nominal). */
export const NOISE_REFERENCE_SPACING = 0.225;

export interface Scene {
  id: number;
  seed: number;
  head: Head;
  side: 1 | -1;
  injection: Injection;
  view: View;
  projection: Projection;
  arteries: Branch[];
  veins: Branch[];
  timing: BolusTiming;
  /** Attenuation per mm of vessel at full concentration. */
  mu: number;
  /** Peak venous concentration relative to arterial (the bolus is diluted by the capillary bed). */
  venousPeak: number;
  /** Peak attenuation of the capillary blush. */
  blushPeak: number;
  backgroundLevel: number;
  noise: number;
  lowFrequency: number;
  artefacts: number;
  text: string | null;
  textCorner: 'tl' | 'tr' | 'bl' | 'br';
  frames: number;
}

/** The run's random settings and its 3D anatomy (no pixels yet). */
export function buildScene(seed: number, id: number, opt: SynthOptions): Scene {
  const root = new Rng(hashSeed(seed, 'sequence', id));
  const pick = root.fork('settings');
  const view: View = pick.bool(0.5) ? 'AP' : 'LAT';
  const u = pick.next();
  const injection: Injection = u < 0.65 ? 'ICA' : u < 0.85 ? 'CCA' : 'VERT';
  const side: 1 | -1 = pick.bool(0.5) ? 1 : -1;
  // AP: radiological convention (patient's right on the image's left) most of the time; lateral: face right.
  const mirror = view === 'AP' ? pick.bool(0.8) : pick.bool(0.15);
  const frames = pick.int(opt.frames[0], opt.frames[1]);
  // Runs differ in zoom: from the whole head to a magnified view of the carotid and its main branches, centred
  // more on the vessels the more it is zoomed (as the real frames are).
  const zoom = pick.uniform(0.7, 1.12);
  const fov = opt.fovMm * zoom;
  const head = randomHead(root.fork('head'));
  const focus = Math.max(0, Math.min(1, (1 - zoom) / 0.3)) * 0.8;
  const projection = randomProjection(root.fork('projection'), view, opt.width, opt.height, fov, mirror, focus, [
    side * 20,
    5,
    -25,
  ]);
  const arteries = buildArterialTree(root.fork('arteries'), {
    head,
    side,
    injection,
    density: opt.density,
    velocity: pick.uniform(180, 320),
  }).branches;
  const veins = buildVeins(root.fork('veins'), { head, side, density: opt.density, velocity: pick.uniform(120, 250) });
  // A complete run (arterial to late venous phase, with pre-contrast frames) draws its timing from its own stream,
  // so the DIAS-style runs of a seed stay what they were.
  const timing = opt.completeRun
    ? randomCompleteRunTiming(root.fork('complete-run timing'), frames)
    : randomTiming(root.fork('timing'), frames);
  const textRng = root.fork('text');
  const text = textRng.bool(opt.textProbability) ? injectionLabel(textRng, side, injection) : null;
  return {
    id,
    seed,
    head,
    side,
    injection,
    view,
    projection,
    arteries,
    veins,
    timing,
    mu: pick.uniform(0.31, 0.44),
    venousPeak: pick.uniform(0.3, 0.55),
    blushPeak: opt.blush * pick.uniform(0.01, 0.04),
    backgroundLevel: pick.uniform(165, 210),
    // Quantum noise per pixel falls as pixels grow (binning a detector image down): tuned at the dias preset's
    // nominal 0.225 mm. Zooming does not change it (the detector's pixels stay the same).
    noise:
      opt.noise *
      pick.uniform(0.009, 0.021) *
      Math.min(2, NOISE_REFERENCE_SPACING / (opt.fovMm / Math.max(opt.width, opt.height))),
    lowFrequency: pick.uniform(0.001, 0.006),
    artefacts: opt.artefacts * pick.uniform(0.5, 1.5),
    text,
    textCorner: textRng.pick(['tl', 'tr', 'bl', 'br'] as const),
    frames,
  };
}

export interface SynthSequence {
  scene: Scene;
  W: number;
  H: number;
  /** 8-bit frames, T x (H x W). */
  frames: Uint8Array[];
  /** Dense artery label, 0/1. */
  label: Uint8Array;
  /** Pixels inside a visibly opacified vein (for tests and inspection; veins are background in the label). */
  veinMask: Uint8Array;
  /** The artery/vein label: 0 background, 1 artery, 2 vein (truth.ts). */
  avLabel: Uint8Array;
  /** Arrival and time-to-peak truth (truth.ts), when options.timingMaps asks for it. */
  timingTruth?: TimingTruth;
  /** The burned-in text's box, if any. */
  textBox: [number, number, number, number] | null;
  /** Frame times, ms from the first frame. */
  frameTimesMs: number[];
  /** The frame with the most arterial contrast (sum of arterial attenuation): the arterial-phase frame. */
  arterialPhaseFrame: number;
}

export interface RenderedScene {
  arteries: ProjectedVessels;
  veins: ProjectedVessels;
  arteryFootprint: Footprint;
  veinFootprint: Footprint;
}

/** Projects and rasterises a scene's vessels (the per-sequence geometry shared by all frames). */
export function rasteriseScene(scene: Scene): RenderedScene {
  const { W, H } = scene.projection;
  const arteries = projectVessels(scene.arteries, scene.projection);
  const veins = projectVessels(scene.veins, scene.projection);
  return {
    arteries,
    veins,
    arteryFootprint: rasterise(arteries, W, H, 0.6),
    veinFootprint: rasterise(veins, W, H, 0.6),
  };
}

function vertexDelays(branches: Branch[], pv: ProjectedVessels): Float32Array {
  const d = new Float32Array(pv.vertexCount);
  for (let b = 0; b < branches.length; b++) d.set(branches[b].delay, pv.branchStart[b]);
  return d;
}

export function generateSequence(seed: number, id: number, opt: SynthOptions): SynthSequence {
  const scene = buildScene(seed, id, opt);
  const root = new Rng(hashSeed(seed, 'sequence', id));
  const { W, H } = scene.projection;
  const n = W * H;
  const geo = rasteriseScene(scene);
  const background: Background = buildBackground(root.fork('background'), scene.head, scene.projection, scene.frames, {
    level: scene.backgroundLevel,
    lowFrequency: scene.lowFrequency,
    artefacts: scene.artefacts,
    noise: scene.noise,
  });
  const blush = blushMap(root.fork('blush'), scene.arteries, geo.arteries, W, H, scene.projection.spacing, 0.3, 6);
  let overlay: TextOverlay | null = null;
  if (scene.text) {
    const ink = Math.min(250, scene.backgroundLevel + 35);
    overlay = drawTextOverlay(scene.text, W, H, scene.textCorner, 0.028, ink, 20);
  }
  const delaysA = vertexDelays(scene.arteries, geo.arteries);
  const delaysV = vertexDelays(scene.veins, geo.veins);
  const concA = new Float32Array(geo.arteries.vertexCount);
  const concV = new Float32Array(geo.veins.vertexCount);
  const peakA = new Float32Array(geo.arteries.vertexCount);
  const peakV = new Float32Array(geo.veins.vertexCount);
  const frames: Uint8Array[] = [];
  const noise = new Float32Array(n);
  const att = new Float32Array(n);
  const scratch = new Float32Array(n);
  let bestLoad = -1;
  let arterialPhaseFrame = 0;
  for (let k = 0; k < scene.frames; k++) {
    const t = scene.timing.frameTimes[k];
    for (let i = 0; i < concA.length; i++) {
      concA[i] = arterialConcentration(scene.timing, delaysA[i], t);
      if (concA[i] > peakA[i]) peakA[i] = concA[i];
    }
    for (let i = 0; i < concV.length; i++) {
      concV[i] = venousConcentration(scene.timing, delaysV[i], t);
      if (concV[i] > peakV[i]) peakV[i] = concV[i];
    }
    att.fill(0);
    accumulate(geo.arteryFootprint, concA, scene.mu, att);
    let load = 0;
    for (let i = 0; i < n; i++) load += att[i];
    if (load > bestLoad) {
      bestLoad = load;
      arterialPhaseFrame = k;
    }
    accumulate(geo.veinFootprint, concV, scene.mu * scene.venousPeak, att);
    const b = scene.blushPeak * blushConcentration(scene.timing, t);
    if (b > 0) for (let i = 0; i < n; i++) att[i] += b * blush[i];
    root.fork('noise', k).fillImageNoise(noise);
    const img = formImage(
      att,
      { W, H, background: background.level, noiseSigma: background.noiseSigma },
      noise,
      scratch,
    );
    addArtefacts(background, k, img);
    if (overlay) applyOverlay(img, overlay);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const v = Math.round(img[i]);
      out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
    frames.push(out);
  }
  const label = visibleMask(geo.arteryFootprint, geo.arteries, peakA, scene.mu, opt, n);
  const veinMask = visibleMask(geo.veinFootprint, geo.veins, peakV, scene.mu * scene.venousPeak, opt, n);
  const avLabel = arteryVeinLabel(label, veinMask);
  if (overlay) {
    const [x0, y0, x1, y1] = overlay.box;
    for (let y = y0; y <= y1; y++) {
      label.fill(0, y * W + x0, y * W + x1 + 1);
      avLabel.fill(0, y * W + x0, y * W + x1 + 1);
    }
  }
  const truth = opt.timingMaps
    ? timingTruth({
        W,
        H,
        timing: scene.timing,
        arteryFootprint: geo.arteryFootprint,
        veinFootprint: geo.veinFootprint,
        arteryDelays: delaysA,
        veinDelays: delaysV,
        mu: scene.mu,
        venousPeak: scene.venousPeak,
        avLabel,
      })
    : undefined;
  const t0 = scene.timing.frameTimes[0];
  return {
    scene,
    W,
    H,
    frames,
    label,
    veinMask,
    avLabel,
    ...(truth ? { timingTruth: truth } : {}),
    textBox: overlay ? overlay.box : null,
    frameTimesMs: scene.timing.frameTimes.map((t) => Math.round((t - t0) * 1000)),
    arterialPhaseFrame,
  };
}

/**
 * Pixels that count as visibly opacified vessel: inside the lumen (or within half a pixel of a thinner
 * centreline), radius at least minRadiusPx, and peak attenuation mu x concentration x chord at least the
 * visibility threshold in some frame.
 */
function visibleMask(
  fp: Footprint,
  pv: ProjectedVessels,
  peak: Float32Array,
  mu: number,
  opt: SynthOptions,
  n: number,
): Uint8Array {
  const mask = new Uint8Array(n);
  for (let k = 0; k < fp.count; k++) {
    if (!fp.core[k]) continue;
    const v = fp.vertex[k];
    if (pv.rPx[v] < opt.minRadiusPx) continue;
    if (mu * peak[v] * fp.chord[k] >= opt.visibility) mask[fp.index[k]] = 1;
  }
  return mask;
}
