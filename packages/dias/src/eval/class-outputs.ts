// The files of one sequence segmented by an artery/vein model (labels 'av', data/label-set.ts; beyond the DIAS
// paper, which has no multi-class output), written by `dias test` and `dias segment` beside case-outputs.ts's vessel
// files:
//   {stem}_classes.png          the class map, 8-bit grey holding the class numbers themselves: 0 background,
//                               1 artery, 2 vein (the encoding of labels_av/, so a class map is a label and back)
//   {stem}_classes_overlay.png  the MinIP with the arteries in red and the veins in blue (the colours of
//                               angiography atlases and of the viewer's overlay)
//   {stem}_classes_prob.npy     float32 (classes, H, W): each class's probability, summing to 1 over the classes
// Each file is written atomically.
import { join } from 'node:path';
import { fromTypedArray, saveNpy } from '@dias-ts/torch';
import { writeGrayPng, writeRgbPng, type RgbImage } from '../image/png.js';
import { minIntensityProjection } from '../data/pipeline/preprocess.js';
import type { DsaSequence } from '../data/sequence.js';
import type { ClassPrediction } from '../predict/predictor.js';
import { stretchedGrayToRgb } from './pictures.js';

/** Overlay colours by class number: none for the background, red arteries, blue veins. */
export const CLASS_COLOURS: readonly (readonly [number, number, number] | null)[] = [
  null,
  [230, 40, 40],
  [40, 90, 235],
];
/** How much of a class's colour replaces the grey underneath (the MinIP stays readable through it). */
const OVERLAY_OPACITY = 0.7;

export interface ClassFiles {
  classesPng: string;
  classesOverlayPng: string;
  classesProbNpy: string;
}

export function classOutputFiles(dir: string, stem: string): ClassFiles {
  return {
    classesPng: join(dir, `${stem}_classes.png`),
    classesOverlayPng: join(dir, `${stem}_classes_overlay.png`),
    classesProbNpy: join(dir, `${stem}_classes_prob.npy`),
  };
}

/** A grey picture with every pixel of a coloured class painted over it (CLASS_COLOURS). */
export function classOverlay(base: RgbImage, classMap: Uint8Array): RgbImage {
  if (classMap.length !== base.width * base.height)
    throw new Error(`class overlay: class map ${classMap.length} pixels, picture ${base.width}x${base.height}`);
  const data = Uint8Array.from(base.data);
  for (let i = 0; i < classMap.length; i++) {
    const colour = CLASS_COLOURS[classMap[i]];
    if (!colour) continue;
    for (let c = 0; c < 3; c++)
      data[3 * i + c] = Math.round((1 - OVERLAY_OPACITY) * data[3 * i + c] + OVERLAY_OPACITY * colour[c]);
  }
  return { width: base.width, height: base.height, data };
}

/** Writes the class map, its overlay on the MinIP and the class probabilities of one sequence into dir. */
export function writeClassOutputs(
  dir: string,
  stem: string,
  seq: DsaSequence,
  prediction: ClassPrediction,
): ClassFiles {
  const { H, W } = seq;
  if (prediction.H !== H || prediction.W !== W)
    throw new Error(`${stem}: the class map is ${prediction.W}x${prediction.H}, the sequence ${W}x${H}`);
  const files = classOutputFiles(dir, stem);
  const t = fromTypedArray(prediction.probabilities, [prediction.classes, H, W]);
  try {
    saveNpy(files.classesProbNpy, t);
  } finally {
    t.dispose();
  }
  writeGrayPng(files.classesPng, W, H, prediction.classMap);
  writeRgbPng(
    files.classesOverlayPng,
    classOverlay(stretchedGrayToRgb(minIntensityProjection(seq), W, H), prediction.classMap),
  );
  return files;
}
