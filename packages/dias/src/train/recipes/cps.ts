// Cross pseudo supervision (Chen et al., CVPR 2021), a semi-supervised baseline of the DIAS benchmark's RPST
// comparison: two networks of one architecture, differently initialised, each trained on the labelled patches
// (CE + (1 − soft Dice), unlabelled patches ignored) and on the other's hard pseudo-labels over every pixel:
//   loss = sup(A) + sup(B) + w(t) · (CE(P_A, argmax P_B) + CE(P_B, argmax P_A)),
// w(t) = cps.weight with a sigmoid ramp-up; half the patches come from the unlabelled pool. Network A is validated
// and exported.
import { F, noGrad } from '@dias-ts/torch';
import { dcAndCeLoss } from '../losses/index.js';
import { epochs, weight, type CoreTrainConfig } from '../config-core.js';
import type { RecipeDefinition } from '../recipe.js';
import { rampUpWeight } from './ramp-up.js';
import { SCRIBBLE_UNLABELLED } from '../../data/sequence.js';

/** The share of patches cut from the unlabelled pool in the mean-teacher and CPS batches (SSL4MIS: half a batch). */
export const UNLABELLED_PATCH_PROBABILITY = 0.5;

/** Cross pseudo supervision (Chen et al. 2021): weight of the cross pseudo-label terms (ramp-up). */
export interface CpsSettings {
  weight: number;
  rampUpEpochs: number;
}

const MAX_RAMP_UP_EPOCHS = 10_000;

export const cpsRecipe: RecipeDefinition<CoreTrainConfig & { cps: CpsSettings }> = {
  name: 'cps',
  summary:
    'semi-supervised: two networks teach each other with hard pseudo-labels (cross pseudo supervision, baseline)',
  augment: 'fsl',
  modelDefaults: {},
  targets: 'label',
  views: 1,
  secondPool: () => ({
    source: { unlabelled: true },
    describe: 'unlabelled',
    probability: UNLABELLED_PATCH_PROBABILITY,
  }),
  settings: ['cps'],
  section: {
    key: 'cps',
    defaults: { weight: 1, rampUpEpochs: 5 } satisfies CpsSettings,
    schema: { weight, rampUpEpochs: epochs(MAX_RAMP_UP_EPOCHS) },
    maxima: { 'cps.rampUpEpochs': MAX_RAMP_UP_EPOCHS },
  },
  create(config) {
    const o = config.cps;
    return {
      name: 'cps',
      networks: ['A', 'B'],
      exported: 'A',
      lossNames: ['loss', 'supervised', 'cps'],
      losses(ctx) {
        const x = ctx.input();
        const a = ctx.nets.A.forward(x).float();
        const b = ctx.nets.B.forward(x).float();
        const labels = ctx.labels();
        const supervised = dcAndCeLoss(a, labels, { ignoreIndex: SCRIBBLE_UNLABELLED }).loss.add(
          dcAndCeLoss(b, labels, { ignoreIndex: SCRIBBLE_UNLABELLED }).loss,
        );
        const [pa, pb] = noGrad(() => [a.argmax(1), b.argmax(1)]);
        const cps = F.crossEntropy(a, pb).add(F.crossEntropy(b, pa));
        return { loss: supervised.add(cps.mul(o.weight * rampUpWeight(ctx, o.rampUpEpochs))), supervised, cps };
      },
    };
  },
};
