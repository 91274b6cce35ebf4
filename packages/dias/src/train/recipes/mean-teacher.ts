// Mean teacher (Tarvainen and Valpola 2017), a semi-supervised baseline of the DIAS benchmark's RPST comparison,
// in the form of the SSL4MIS code the benchmark's baselines come from: a student trained on the labelled patches
// (CE + (1 − soft Dice), unlabelled patches ignored) and on the consistency between its prediction and that of a
// teacher whose weights are an exponential moving average of the student's:
//   loss = sup(student) + w(t) · MSE(softmax(student(view 1)), softmax(teacher(view 2)))   over every pixel,
//   teacher ← α·teacher + (1 − α)·student after each step, α = min(1 − 1/(step + 1), meanTeacher.emaDecay);
// w(t) = meanTeacher.consistencyWeight with a sigmoid ramp-up. The two views are the same crops with independent
// photometric noise (the 'wsl-plc' pipeline); half the patches come from the unlabelled pool.
// Where we differ from SSL4MIS: the teacher (not the student) is validated and exported, as the EMA weights are
// the method's better model; its batch-norm statistics come from its own forward passes, as there.
import { F, noGrad } from '@dias-ts/torch';
import { dcAndCeLoss } from '../losses/index.js';
import { epochs, num, weight, type CoreTrainConfig } from '../config-core.js';
import type { RecipeDefinition, StepContext } from '../recipe.js';
import { rampUpWeight } from './ramp-up.js';
import { UNLABELLED_PATCH_PROBABILITY } from './cps.js';
import { SCRIBBLE_UNLABELLED } from '../../data/sequence.js';

/** The EMA step: teacher ← α·teacher + (1 − α)·student, parameter by parameter. */
export function emaUpdate(
  teacher: StepContext['nets'][string],
  student: StepContext['nets'][string],
  alpha: number,
): void {
  noGrad(() => {
    const s = student.parameters();
    teacher.parameters().forEach((t, i) => t.mul_(alpha).add_(s[i], 1 - alpha));
  });
}

/** Mean teacher: EMA decay of the teacher and the weight of the consistency term (sigmoid ramp-up). */
export interface MeanTeacherSettings {
  emaDecay: number;
  consistencyWeight: number;
  rampUpEpochs: number;
}

const MAX_RAMP_UP_EPOCHS = 10_000;

export const meanTeacherRecipe: RecipeDefinition<CoreTrainConfig & { meanTeacher: MeanTeacherSettings }> = {
  name: 'mean-teacher',
  summary: 'semi-supervised: student + EMA teacher, consistency on perturbed inputs (baseline)',
  augment: 'wsl-plc',
  modelDefaults: {},
  targets: 'label',
  views: 2,
  secondPool: () => ({
    source: { unlabelled: true },
    describe: 'unlabelled',
    probability: UNLABELLED_PATCH_PROBABILITY,
  }),
  settings: ['meanTeacher'],
  section: {
    key: 'meanTeacher',
    defaults: { emaDecay: 0.99, consistencyWeight: 0.1, rampUpEpochs: 5 } satisfies MeanTeacherSettings,
    schema: {
      emaDecay: num((n) => n >= 0 && n < 1, 'a number in [0, 1)'),
      consistencyWeight: weight,
      rampUpEpochs: epochs(MAX_RAMP_UP_EPOCHS),
    },
    maxima: { 'meanTeacher.rampUpEpochs': MAX_RAMP_UP_EPOCHS },
  },
  create(config) {
    const o = config.meanTeacher;
    return {
      name: 'mean-teacher',
      networks: ['student', 'teacher'],
      exported: 'teacher',
      frozen: ['teacher'],
      lossNames: ['loss', 'supervised', 'consistency'],
      losses(ctx) {
        const student = ctx.nets.student.forward(ctx.input(1)).float();
        const teacher = noGrad(() => ctx.nets.teacher.forward(ctx.input(2)).float());
        const { loss: supervised } = dcAndCeLoss(student, ctx.labels(), { ignoreIndex: SCRIBBLE_UNLABELLED });
        const consistency = F.mseLoss(F.softmax(student, 1), F.softmax(teacher, 1));
        const w = o.consistencyWeight * rampUpWeight(ctx, o.rampUpEpochs);
        return { loss: supervised.add(consistency.mul(w)), supervised, consistency };
      },
      afterStep(ctx) {
        const step = (ctx.epoch - 1) * ctx.stepsPerEpoch + ctx.step;
        emaUpdate(ctx.nets.teacher, ctx.nets.student, Math.min(1 - 1 / (step + 1), o.emaDecay));
      },
    };
  },
};
