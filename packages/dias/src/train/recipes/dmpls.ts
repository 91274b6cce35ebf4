// DMPLS (Luo et al., MICCAI 2022: dynamically mixed pseudo-label supervision) as the DIAS benchmark ran it
// (weak_supervised_segmentation/wsl_train_DMPLS.py): UNet_CCT's main and auxiliary decoders, partial CE on both,
// and a Dice loss of both to the pseudo-label argmax(β·p_main + (1 − β)·p_aux), β ~ U(0, 1) per step:
//   loss = 0.5 (pCE(main) + pCE(aux)) + w · 0.5 (Dice(main, PL) + Dice(aux, PL)),  w = dmpls.pseudoWeight (0.5).
// The network is UNet_CCT with 2 outputs, as released (build_wsl_model special-cases it); the main decoder is
// validated and exported. Deviation: the released step runs the network a second time for its training metrics;
// we do not, so dropout is drawn once per step.
import { dmplsLoss } from '../losses/index.js';
import { weight, type CoreTrainConfig } from '../config-core.js';
import type { RecipeDefinition } from '../recipe.js';
import type { UNet_CCT } from '../../models/unet-cct.js';

/** DMPLS on UNet_CCT: weight of the mixed pseudo-label Dice (released 0.5). */
export interface DmplsSettings {
  pseudoWeight: number;
}

export const dmplsRecipe: RecipeDefinition<CoreTrainConfig & { dmpls: DmplsSettings }> = {
  name: 'dmpls',
  summary: 'scribbles: UNet_CCT, partial CE on two decoders + dynamically mixed pseudo-labels (Luo et al. 2022)',
  augment: 'fsl',
  modelDefaults: {},
  targets: 'scribble',
  views: 1,
  settings: ['data.scribbles', 'dmpls'],
  model: 'UNet_CCT',
  section: { key: 'dmpls', defaults: { pseudoWeight: 0.5 } satisfies DmplsSettings, schema: { pseudoWeight: weight } },
  checkModel(spec) {
    if (spec.name !== 'UNet_CCT')
      throw new Error(
        `dmpls trains UNet_CCT (a main and an auxiliary decoder), not ${spec.name}; use --model UNet_CCT`,
      );
  },
  create: (config) => ({
    name: 'dmpls',
    networks: ['model'],
    exported: 'model',
    lossNames: ['loss', 'pce', 'pseudo'],
    losses(ctx) {
      const [main, aux] = (ctx.nets.model as unknown as UNet_CCT).forwardWithAuxiliary(ctx.input());
      const { pce, pseudoSupervision } = dmplsLoss(main.float(), aux.float(), ctx.scribbles());
      return { loss: pce.add(pseudoSupervision.mul(config.dmpls.pseudoWeight)), pce, pseudo: pseudoSupervision };
    },
  }),
};
