// RPST (random patch-based self-training), the DIAS paper's semi-supervised method. Its stages -- a teacher on the
// labelled subset, then students on the random patch mix of labelled and pseudo-labelled patches -- are ordinary
// runs that self-training.ts chains; each stage trains with the fully supervised step (fsl.ts), whose loss leaves
// out the pixels that confidence filtering marked 255.
import type { AugmentOptionsInput } from '../../data/pipeline/augmentation.js';
import { resolveAugmentOptions } from '../../data/pipeline/augmentation.js';
import { augment, int, num, oneOf, probability, type CoreTrainConfig, type RecipeSection } from '../config-core.js';
import type { RecipeDefinition } from '../recipe.js';
import { fslRecipe } from './fsl.js';

/** RPST, random patch-based self-training (self-training.ts): the settings of config section rpst. */
export interface RpstSettings {
  /** Student iterations after the teacher (ssl.pdf: 3). */
  iterations: number;
  /** Probability that a patch is pseudo-labelled (strong augmentation) rather than labelled (weak). */
  pseudoProbability: number;
  /** The student continues from its teacher (weights and AdamW state, a fresh schedule: as released) or starts anew. */
  student: 'continue' | 'reinit';
  /** Each stage restarts warm-up and cosine (as released), or the stages share one schedule over all their epochs. */
  schedule: 'restart' | 'continue';
  /** Pixels whose probability lies within this distance of the threshold are ignored (0: none). */
  confidenceBand: number;
  /** Flip test-time augmentation when pseudo-labelling. */
  tta: boolean;
  /** The strong augmentation of pseudo-labelled patches (a preset or changes; official ssl-strong). */
  strongAugment: AugmentOptionsInput;
}

const MAX_ITERATIONS = 20;

const section: RecipeSection<RpstSettings> = {
  key: 'rpst',
  defaults: {
    iterations: 3,
    pseudoProbability: 0.5,
    student: 'continue',
    schedule: 'restart',
    confidenceBand: 0,
    tta: false,
    strongAugment: 'ssl-strong',
  },
  schema: {
    iterations: int(1, MAX_ITERATIONS),
    pseudoProbability: probability,
    student: oneOf('continue', 'reinit'),
    schedule: oneOf('restart', 'continue'),
    confidenceBand: num((n) => n >= 0 && n < 0.5, 'a number in [0, 0.5)'),
    tta: oneOf(true, false),
    strongAugment: augment,
  },
  maxima: { 'rpst.iterations': MAX_ITERATIONS },
  check(config, fail) {
    const { startEpoch, totalEpochs } = config.scheduler;
    // Only for an RPST run itself: its stages are fsl runs that carry the section and the span it set.
    const continued = config.train.recipe === 'rpst' && (config.rpst as RpstSettings).schedule === 'continue';
    if (continued && (startEpoch !== 0 || totalEpochs !== null))
      fail(
        'rpst.schedule',
        "continue sets each stage's scheduler.startEpoch and totalEpochs: leave them at 0 and null",
      );
    try {
      resolveAugmentOptions((config.rpst as RpstSettings).strongAugment, config.data.patchSize);
    } catch (e) {
      fail('rpst.strongAugment', (e as Error).message.replace(/^augmentation options: /, ''));
    }
  },
};

export const rpstRecipe: RecipeDefinition<CoreTrainConfig & { rpst: RpstSettings }> = {
  name: 'rpst',
  summary:
    'semi-supervised: teacher on the labelled subset, students on a labelled/pseudo-labelled patch mix (DIAS paper)',
  augment: 'fsl',
  modelDefaults: {},
  targets: 'label',
  views: 1,
  settings: ['rpst'],
  section,
  // ssl_train.py: one re-training, no strong augmentation, the student continues from its teacher, final weights.
  asReleased: [
    ['rpst.strongAugment', 'fsl'],
    ['rpst.iterations', 1],
    ['rpst.student', 'continue'],
    ['rpst.schedule', 'restart'],
    ['validation.select', 'final'],
  ],
  stages: {
    students: (config) => config.rpst.iterations,
    pseudoLabelling: (config) => ({ tta: config.rpst.tta, confidenceBand: config.rpst.confidenceBand }),
    // The teacher: fsl on the labelled subset; student k: fsl on the patch mix with stage k's pseudo-labels,
    // continuing from its teacher (weights and AdamW state) or from scratch (rpst.student), with a fresh schedule
    // or epochs k·E+1 ... (k+1)·E of one schedule over all K+1 stages (rpst.schedule).
    stageConfig(config, k, folders) {
      const c = structuredClone(config);
      if (config.rpst.schedule === 'continue') {
        c.scheduler.startEpoch = k * config.train.epochs;
        c.scheduler.totalEpochs = (config.rpst.iterations + 1) * config.train.epochs;
      }
      c.train.recipe = fslRecipe.name;
      c.data.pseudo = k === 0 ? null : folders.pseudo(k);
      c.train.init =
        k > 0 && config.rpst.student === 'continue'
          ? {
              from: folders.stage(k - 1),
              optimizer: true,
              checkpoint: config.validation.select === 'final' ? 'final' : 'best',
            }
          : { from: null, optimizer: false, checkpoint: 'best' };
      return c;
    },
  },
  create: (config) => ({ ...fslRecipe.create(config), name: 'rpst' }),
};
