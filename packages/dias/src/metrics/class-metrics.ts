// The benchmark's metrics per class of a multi-class prediction (the artery/vein label set, data/label-set.ts),
// beyond the DIAS paper, which scores one vessel class. Each vessel class is scored as its own binary problem, as
// nnU-Net reports a Dice per label: prediction = the class map's pixels of that class (argmax over the classes,
// not a threshold of its probability, so that a pixel counts for one class only), ground truth = the label's
// pixels of that class, AUC on the class's probability; every metric of metrics.ts (DSC, Acc, Sen, Spe, IoU, AUC,
// clDice, VC). The artery/vein confusion says how the two vessel classes are mistaken for each other: of the
// pixels labelled vein, the fraction predicted artery, and the reverse.
import { scorePrediction, type ImageEvaluation } from './metrics.js';

export interface ClassToScore {
  name: string;
  /** The class's number in the class map and the label. */
  value: number;
}

/** The metrics of each class in `classes`, from the probabilities [C][H][W] and the class map [H][W]. */
export function evaluateClasses(
  probabilities: Float32Array,
  classMap: Uint8Array,
  label: Uint8Array,
  width: number,
  height: number,
  classes: readonly ClassToScore[],
): Record<string, ImageEvaluation> {
  const HW = width * height;
  if (classMap.length !== HW || label.length !== HW)
    throw new Error(
      `class metrics: the class map (${classMap.length}) and the label (${label.length}) must have ${width}x${height} pixels`,
    );
  const C = probabilities.length / HW;
  const out: Record<string, ImageEvaluation> = {};
  for (const { name, value } of classes) {
    if (!Number.isInteger(C) || value >= C)
      throw new Error(
        `class metrics: class ${name} (${value}) has no probability map (${probabilities.length / HW} maps)`,
      );
    const prediction = new Uint8Array(HW);
    const gt = new Uint8Array(HW);
    for (let i = 0; i < HW; i++) {
      prediction[i] = classMap[i] === value ? 1 : 0;
      gt[i] = label[i] === value ? 1 : 0;
    }
    out[name] = scorePrediction(prediction, probabilities.subarray(value * HW, (value + 1) * HW), gt, width, height);
  }
  return out;
}

export interface ArteryVeinConfusion {
  /** Of the pixels labelled vein, the fraction predicted artery (NaN without vein pixels). */
  veinAsArtery: number;
  /** Of the pixels labelled artery, the fraction predicted vein (NaN without artery pixels). */
  arteryAsVein: number;
}

/** How often one vessel class is predicted as the other (class numbers as given: artery 1, vein 2 by default). */
export function arteryVeinConfusion(
  classMap: Uint8Array,
  label: Uint8Array,
  artery = 1,
  vein = 2,
): ArteryVeinConfusion {
  if (classMap.length !== label.length)
    throw new Error(`artery/vein confusion: class map ${classMap.length} pixels, label ${label.length}`);
  let veins = 0,
    arteries = 0,
    veinAsArtery = 0,
    arteryAsVein = 0;
  for (let i = 0; i < label.length; i++) {
    if (label[i] === vein) {
      veins++;
      if (classMap[i] === artery) veinAsArtery++;
    } else if (label[i] === artery) {
      arteries++;
      if (classMap[i] === vein) arteryAsVein++;
    }
  }
  return { veinAsArtery: veinAsArtery / veins, arteryAsVein: arteryAsVein / arteries };
}
