// SSCR, the DIAS paper's scribble-supervised method: two networks of one architecture with 3 outputs, each with
// its own AdamW and cosine schedule, trained on two photometric views of the same crops (one shared geometric
// augmentation, then independent contrast, blur and noise: the official PLC loader, augment preset 'wsl-plc').
// Per step, with logits P_A (view 1), P_B (view 2) and the scribble S (1 vessel, 0 background, 255 unlabelled):
//   pce          pCE(P_A, S) + pCE(P_B, S)                             (cross-entropy over the annotated pixels)
//   pseudo       CE(P_A, PL_B) + CE(P_B, PL_A)   with PL = argmax of the "limitative softmax" (first two channels),
//                corrected by the scribble (S = 0 -> 0, S = 1 -> 1)    (sscr.pseudoLabels 'cross', the paper)
//   consistency  MSE of the two networks' vessel probabilities on the unannotated pixels, with a gradient to both
//   loss         pce + λ_pl·r·pseudo + λ_con·r·consistency,  λ_pl = 1, λ_con = 0.5 as released, r the ramp-up
// Network A is validated and exported (softmax over the first two channels, class 1), as the official tester.
//
// Follows weak_supervised_segmentation/wsl_train_sscr.py and wsl_train_sscr_ablation.py (official DIAS code).
// Where the released script differs -- self pseudo-labels, a consistency term on argmax maps that has no gradient,
// the final epoch tested -- `dias train --as-released` reproduces it; docs/weak-supervision.md lists every
// difference between the paper and the released code. Ablations (paper Table 4) through sscr.pseudoLabels
// (none | self | cross) and sscr.consistency (none | probability | as-released).
import { F, type Tensor } from '@dias-ts/torch';
import { epochs, oneOf, weight, type CoreTrainConfig, type RecipeSection } from '../config-core.js';
import { consistencyLoss, limitativePseudoLabel, partialCrossEntropy } from '../losses/index.js';
import type { RecipeDefinition, StepContext } from '../recipe.js';
import { rampUpWeight } from './ramp-up.js';

/** Which pseudo-labels SSCR trains each network on: none (pCE only), its own (released), or the other network's (paper). */
export type SscrPseudoLabels = 'none' | 'self' | 'cross';
/** SSCR's consistency term: none, MSE of the two networks' vessel probabilities (with a gradient), or as released
 * (MSE of the two argmax maps, no gradient). */
export type SscrConsistency = 'none' | 'probability' | 'as-released';

/** The settings of SSCR (config section sscr). */
export interface SscrSettings {
  pseudoLabels: SscrPseudoLabels;
  /** λ_pl, the weight of the pseudo-label cross-entropy (released 1). */
  pseudoWeight: number;
  consistency: SscrConsistency;
  /** λ_con, the weight of the consistency term (released 0.5). */
  consistencyWeight: number;
  /** Epochs over which λ_pl and λ_con ramp up from 0 (sigmoid ramp, as Laine and Aila); 0: none (released). */
  rampUpEpochs: number;
}

const MAX_RAMP_UP_EPOCHS = 10_000;

const section: RecipeSection<SscrSettings> = {
  key: 'sscr',
  defaults: {
    pseudoLabels: 'cross',
    pseudoWeight: 1,
    consistency: 'probability',
    consistencyWeight: 0.5,
    rampUpEpochs: 0,
  },
  schema: {
    pseudoLabels: oneOf('none', 'self', 'cross'),
    pseudoWeight: weight,
    consistency: oneOf('none', 'probability', 'as-released'),
    consistencyWeight: weight,
    rampUpEpochs: epochs(MAX_RAMP_UP_EPOCHS),
  },
  maxima: { 'sscr.rampUpEpochs': MAX_RAMP_UP_EPOCHS },
};

function pseudoLabelTerm(mode: SscrPseudoLabels, a: Tensor, b: Tensor, scribble: Tensor): Tensor {
  const plA = limitativePseudoLabel(a, scribble);
  const plB = limitativePseudoLabel(b, scribble);
  // Cross: each network learns from the other's pseudo-labels (the paper); self: from its own (as released).
  const [forA, forB] = mode === 'cross' ? [plB, plA] : [plA, plB];
  return F.crossEntropy(a, forA).add(F.crossEntropy(b, forB));
}

export const sscrRecipe: RecipeDefinition<CoreTrainConfig & { sscr: SscrSettings }> = {
  name: 'sscr',
  summary: 'scribbles: two networks, partial CE, cross pseudo supervision, consistency (the DIAS paper)',
  augment: 'wsl-plc',
  modelDefaults: { num_classes: 3 },
  targets: 'scribble',
  views: 2,
  settings: ['data.scribbles', 'sscr'],
  section,
  // The released wsl_train_sscr.py (docs/weak-supervision.md lists every difference).
  asReleased: [
    ['sscr.pseudoLabels', 'self'],
    ['sscr.consistency', 'as-released'],
    ['sscr.rampUpEpochs', 0],
    ['validation.select', 'final'],
  ],
  create(config) {
    const o = config.sscr;
    const lossNames = [
      'loss',
      'pce',
      ...(o.pseudoLabels !== 'none' ? ['pseudo'] : []),
      ...(o.consistency !== 'none' ? ['consistency'] : []),
    ];
    return {
      name: 'sscr',
      networks: ['A', 'B'],
      exported: 'A',
      lossNames,
      losses(ctx: StepContext) {
        const scribble = ctx.scribbles();
        const a = ctx.nets.A.forward(ctx.input(1)).float();
        const b = ctx.nets.B.forward(ctx.input(2)).float();
        const pce = partialCrossEntropy(a, scribble).add(partialCrossEntropy(b, scribble));
        const ramp = rampUpWeight(ctx, o.rampUpEpochs);
        const out: Record<string, Tensor> = { pce };
        let loss = pce;
        if (o.pseudoLabels !== 'none') {
          out.pseudo = pseudoLabelTerm(o.pseudoLabels, a, b, scribble);
          loss = loss.add(out.pseudo.mul(o.pseudoWeight * ramp));
        }
        if (o.consistency !== 'none') {
          out.consistency = consistencyLoss(a, b, scribble, { form: o.consistency });
          loss = loss.add(out.consistency.mul(o.consistencyWeight * ramp));
        }
        return { ...out, loss };
      },
    };
  },
};
