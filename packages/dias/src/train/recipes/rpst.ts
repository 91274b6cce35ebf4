// RPST (random patch-based self-training), the DIAS paper's semi-supervised method. Its stages -- a teacher on the
// labelled subset, then students on the random patch mix of labelled and pseudo-labelled patches -- are ordinary
// runs that self-training.ts chains; each stage trains with the fully supervised step (fsl.ts), whose loss leaves
// out the pixels that confidence filtering marked 255.
import type { RecipeDefinition } from '../recipe.js';
import { fslRecipe } from './fsl.js';

export const rpstRecipe: RecipeDefinition = {
  name: 'rpst',
  summary:
    'semi-supervised: teacher on the labelled subset, students on a labelled/pseudo-labelled patch mix (DIAS paper)',
  augment: 'fsl',
  modelDefaults: {},
  targets: 'label',
  views: 1,
  settings: ['rpst'],
  // ssl_train.py: one re-training, no strong augmentation, the student continues from its teacher, final weights.
  asReleased: [
    ['rpst.strongAugment', 'fsl'],
    ['rpst.iterations', 1],
    ['rpst.student', 'continue'],
    ['validation.select', 'final'],
  ],
  selfTraining: true,
  create: (config) => ({ ...fslRecipe.create(config), name: 'rpst' }),
};
