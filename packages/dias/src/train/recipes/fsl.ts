// Full supervision, the official fsl_train.py step: the network's logits on random labelled patches, loss
// DC_and_CE (cross-entropy plus 1 − the soft batch Dice of the vessels; losses/dc-and-ce.ts), computed in float32 even under
// autocast (the softmax sums over many pixels). Trained on pseudo-labels too (RPST's students, data.pseudo): then
// pixels labelled 255 (left out by confidence filtering) take no part in either term.
// Beyond the paper, data.labels av trains a 3-class network on the artery/vein labels (labels_av/): the same
// DC_and_CE, now multi-class -- cross-entropy over background, artery and vein, and the mean of the artery and the
// vein soft batch Dice (nnU-Net's do_bg False over several foreground classes).
import { dcAndCeLoss } from '../losses/index.js';
import type { AugmentOptionsInput } from '../../data/pipeline/augmentation.js';
import type { CoreTrainConfig } from '../config-core.js';
import type { RecipeDefinition } from '../recipe.js';
import { SCRIBBLE_UNLABELLED } from '../../data/sequence.js';

/** What fsl reads of RPST's section when it trains RPST's students (data.pseudo set). */
type FslConfig = CoreTrainConfig & { rpst: { pseudoProbability: number; strongAugment: AugmentOptionsInput } };

export const fslRecipe: RecipeDefinition<FslConfig> = {
  name: 'fsl',
  summary: 'full supervision on dense labels: CE + (1 - soft Dice), as fsl_train.py',
  augment: 'fsl',
  modelDefaults: {},
  targets: 'label',
  views: 1,
  // With data.pseudo (RPST's students), the patch mix of rpst.pseudoProbability with strong augmentation.
  settings: ['rpst.pseudoProbability', 'rpst.strongAugment', 'data.labels'],
  secondPool: (config) =>
    config.data.pseudo !== null
      ? {
          source: { pseudoDir: config.data.pseudo },
          describe: 'pseudo-labelled',
          probability: config.rpst.pseudoProbability,
          augment: config.rpst.strongAugment,
        }
      : null,
  create: (config) => ({
    name: 'fsl',
    networks: ['model'],
    exported: 'model',
    lossNames: ['loss', 'ce', 'dice'],
    losses(ctx) {
      const logits = ctx.nets.model.forward(ctx.input());
      const { loss, ce, dice } = dcAndCeLoss(
        logits.float(),
        ctx.labels(),
        config.data.pseudo !== null ? { ignoreIndex: SCRIBBLE_UNLABELLED } : {},
      );
      return { loss, ce, dice };
    },
  }),
};
