// The one-network scribble baselines of the DIAS benchmark (paper Table 3), each the released script's step on a
// 3-output network with the fully supervised augmentation (the official Train_dataset: crop, flips, rotations):
//   pce          partial cross-entropy over the annotated pixels                        (wsl_train_pcedice.py, CE part)
//   pce-dice     pCE + (1 − masked soft Dice)                                            (wsl_train_pcedice.py)
//   entropy-min  pCE + (1 − masked Dice) + w · normalised entropy, w = 5 as released     (wsl_train_entropy_mini.py)
//   gated-crf    pCE + (1 − masked Dice) + w · gated CRF (xy kernel, radius 5), w = 0.1  (wsl_train_GatedCRFLoss.py)
// Deviation from the released scripts: the masked Dice is the vessels' alone. The released DC_and_CE_loss averages
// the Dice over classes 1 and 2 of the 3-output network, and class 2 is never annotated, so half of the released
// Dice term is a constant (docs/weak-supervision.md).
import type { Tensor } from '@dias-ts/torch';
import { gatedCrfLoss, normalizedEntropy, partialCrossEntropy, pceDiceLoss } from '../losses/index.js';
import { int, weight, type CoreTrainConfig } from '../config-core.js';
import type { Recipe, RecipeDefinition, StepContext } from '../recipe.js';

/** The entropy-minimisation baseline: weight of the normalised entropy (released 5). */
export interface EntropyMinSettings {
  weight: number;
}
/** The gated CRF baseline: loss weight (released 0.1) and neighbourhood radius (released 5). */
export interface GatedCrfSettings {
  weight: number;
  radius: number;
}
// 3 x the released xy sigma (6 pixels): the kernel's weights beyond it are below 1% (a radius of 1000 would be a
// 2001x2001 kernel per pixel).
const MAX_CRF_RADIUS = 18;

/** A one-network scribble recipe from its step's losses. */
function oneNetwork(
  name: string,
  lossNames: string[],
  losses: (logits: Tensor, scribble: Tensor) => { loss: Tensor } & Record<string, Tensor>,
): Recipe {
  return {
    name,
    networks: ['model'],
    exported: 'model',
    lossNames,
    losses: (ctx: StepContext) => losses(ctx.nets.model.forward(ctx.input()).float(), ctx.scribbles()),
  };
}

const weak = {
  augment: 'fsl',
  modelDefaults: { num_classes: 3 },
  targets: 'scribble',
  views: 1,
  settings: ['data.scribbles'],
} as const;

export const pceRecipe: RecipeDefinition = {
  ...weak,
  name: 'pce',
  summary: 'scribbles: partial cross-entropy on the annotated pixels only',
  create: () => oneNetwork('pce', ['loss'], (logits, s) => ({ loss: partialCrossEntropy(logits, s) })),
};

export const pceDiceRecipe: RecipeDefinition = {
  ...weak,
  name: 'pce-dice',
  summary: 'scribbles: partial CE + masked soft Dice of the vessels',
  create: () =>
    oneNetwork('pce-dice', ['loss', 'pce', 'dice'], (logits, s) => {
      const { loss, pce, dice } = pceDiceLoss(logits, s, { classes: 'vessel' });
      return { loss, pce, dice };
    }),
};

export const entropyMinRecipe: RecipeDefinition<CoreTrainConfig & { entropyMin: EntropyMinSettings }> = {
  ...weak,
  name: 'entropy-min',
  settings: [...weak.settings, 'entropyMin'],
  section: { key: 'entropyMin', defaults: { weight: 5 } satisfies EntropyMinSettings, schema: { weight } },
  summary: 'scribbles: partial CE + masked Dice + normalised entropy of the prediction (entropyMin.weight)',
  create: (config) =>
    oneNetwork('entropy-min', ['loss', 'pce', 'dice', 'entropy'], (logits, s) => {
      const { loss, pce, dice } = pceDiceLoss(logits, s, { classes: 'vessel' });
      const entropy = normalizedEntropy(logits);
      return { loss: loss.add(entropy.mul(config.entropyMin.weight)), pce, dice, entropy };
    }),
};

export const gatedCrfRecipe: RecipeDefinition<CoreTrainConfig & { gatedCrf: GatedCrfSettings }> = {
  ...weak,
  name: 'gated-crf',
  settings: [...weak.settings, 'gatedCrf'],
  section: {
    key: 'gatedCrf',
    defaults: { weight: 0.1, radius: 5 } satisfies GatedCrfSettings,
    schema: { weight, radius: int(1, MAX_CRF_RADIUS) },
    maxima: { 'gatedCrf.radius': MAX_CRF_RADIUS },
  },
  summary: 'scribbles: partial CE + masked Dice + gated CRF loss (xy kernel; gatedCrf.weight, gatedCrf.radius)',
  create: (config) =>
    oneNetwork('gated-crf', ['loss', 'pce', 'dice', 'crf'], (logits, s) => {
      const { loss, pce, dice } = pceDiceLoss(logits, s, { classes: 'vessel' });
      const crf = gatedCrfLoss(logits, { radius: config.gatedCrf.radius });
      return { loss: loss.add(crf.mul(config.gatedCrf.weight)), pce, dice, crf };
    }),
};
