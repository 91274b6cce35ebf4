// `dias bench report`: the flags of the model comparison (bench/model-report.ts).
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { runModelReport, type BenchBudget } from '../bench/model-report.js';
import type { ModelOptions } from '../models/model-spec.js';
import { SETTING_MAXIMA, applyConfigFile, defaultTrainConfig, type TrainConfig } from '../train/config.js';
import { RECIPE_NAMES } from '../train/recipes/index.js';
import { UsageError } from './command.js';
import { progressEvents } from './train-progress.js';
import { availableDevice, labelledSplitFlag, positiveIntFlag } from './flags.js';
import { applyThreadsFlag } from './inference-flags.js';

export const BENCH_REPORT_USAGE = `Usage: dias bench report --data DIR --models A,B,C [--budget epochs=E,patches=P,batch=B] [--out report.md]
                         [--recipes fsl,pce,sscr,... | --ablation sscr] [--scribbles SET,...]
                         [--model-options NAME=JSON]... [--config FILE] [--runs DIR] [--split test] [--reuse] [--seeds N]
                         [--no-tta] [--stride N] [--threads K] [--device cpu|cuda] [--no-progress]

Trains every model on DIR with the same budget (as dias train, settings from --config if given), tests each
run's checkpoint_best on whole sequences of the split, and writes a Markdown table like the DIAS paper's
Table 2 (mean ± std of DSC, Acc, Sen, Spe, IoU, AUC, clDice, VC; best of each category 2d / 3d / 3d->2d in
bold), a bar chart of DSC (REPORT_dsc.png) and the error maps of the first test sequence (REPORT_errors.png).
  --models A,B,C        model names or aliases (see dias models)
  --recipes R1,R2       compare training recipes instead (Table 3): each is trained on each model (dmpls always
                        on UNet_CCT), full supervision (fsl) next to the scribble recipes, with each scribble
                        row's DSC as a fraction of fsl's; e.g. fsl,pce,pce-dice,entropy-min,gated-crf,dmpls,sscr
  --ablation sscr       SSCR's parts one by one (Table 4): pCE; + self-training; + cross pseudo supervision;
                        + consistency
  --scribbles SET,...   the scribble set of the weak recipes (auto, annotator or a folder below training/, e.g.
                        one dias data scribbles wrote; default auto); several: each weak row once per set,
                        full supervision once, paired differences within a set
  --budget SPEC         epochs=E,patches=P,batch=B: epochs, random patches per epoch, batch size
                        (default epochs=10,patches=2000,batch=16)
  --model-options N=J   constructor options for model N as JSON, e.g. VSS_Net={"feature_scale":8}; repeatable
  --config FILE         a training config (YAML/JSON) every run starts from (lr, augmentation, workers, ...);
                        without it: the dias train defaults, the schedule counted in updates
  --out FILE            the report (default bench-report.md); its figures go beside it
  --runs DIR            run folders (default: FILE without .md, plus -runs)
  --reuse               keep finished runs trained with the same config instead of training them again
  --seeds N             train each row N times (train.seed, seed+1, ...): mean ± spread over seeds, and paired
                        differences between rows with 95% intervals (default 1)
  --no-tta, --stride N  test-time flips off; test stride (default 32)`;

/** The training setting each budget field sets, whose upper bound it shares. */
const BUDGET_KEYS = {
  epochs: 'train.epochs',
  patchesPerEpoch: 'train.patchesPerEpoch',
  batchSize: 'train.batchSize',
} as const satisfies Record<keyof BenchBudget, keyof typeof SETTING_MAXIMA>;

export function parseBudget(text: string | undefined): BenchBudget {
  const budget: BenchBudget = { epochs: 10, patchesPerEpoch: 2000, batchSize: 16 };
  if (text === undefined) return budget;
  const keys: Record<string, keyof BenchBudget> = { epochs: 'epochs', patches: 'patchesPerEpoch', batch: 'batchSize' };
  const seen = new Set<string>();
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^(\w+)=(\d+)$/.exec(part);
    if (!m || !(m[1] in keys)) throw new UsageError(`--budget: '${part}' is not epochs=N, patches=N or batch=N`);
    if (seen.has(m[1])) throw new UsageError(`--budget: ${m[1]} is given twice in '${text}'; give each once`);
    seen.add(m[1]);
    const v = Number(m[2]);
    if (v < 1) throw new UsageError(`--budget: ${m[1]} must be at least 1`);
    const max = SETTING_MAXIMA[BUDGET_KEYS[keys[m[1]]]];
    if (v > max) throw new UsageError(`--budget: ${m[1]} must be at most ${max}, got ${v}`);
    budget[keys[m[1]]] = v;
  }
  if (budget.patchesPerEpoch < budget.batchSize)
    throw new UsageError(`--budget: patches (${budget.patchesPerEpoch}) must be at least batch (${budget.batchSize})`);
  return budget;
}

function parseModelOptions(items: string[] | undefined): Record<string, ModelOptions> {
  const out: Record<string, ModelOptions> = {};
  for (const item of items ?? []) {
    const eq = item.indexOf('=');
    if (eq < 1) throw new UsageError(`--model-options: '${item}' is not NAME=JSON`);
    let value: unknown;
    try {
      value = JSON.parse(item.slice(eq + 1));
    } catch {
      throw new UsageError(`--model-options ${item.slice(0, eq)}: not valid JSON: ${item.slice(eq + 1)}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new UsageError(`--model-options ${item.slice(0, eq)}: must be a JSON object`);
    out[item.slice(0, eq)] = value as ModelOptions;
  }
  return out;
}

export async function benchReport(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      models: { type: 'string' },
      budget: { type: 'string' },
      out: { type: 'string' },
      runs: { type: 'string' },
      'model-options': { type: 'string', multiple: true },
      config: { type: 'string' },
      split: { type: 'string' },
      reuse: { type: 'boolean' },
      seeds: { type: 'string' },
      recipes: { type: 'string' },
      ablation: { type: 'string' },
      scribbles: { type: 'string' },
      'no-tta': { type: 'boolean' },
      stride: { type: 'string' },
      threads: { type: 'string' },
      device: { type: 'string' },
      'no-progress': { type: 'boolean' },
    },
  });
  if (!values.data) throw new UsageError('dias bench report: --data DIR is required');
  if (!existsSync(values.data)) throw new UsageError(`--data ${values.data}: no such folder`);
  const models = (values.models ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (models.length === 0) throw new UsageError('dias bench report: --models A,B,C is required (see dias models)');
  const modelOptions = parseModelOptions(values['model-options']);
  const unknown = Object.keys(modelOptions).find((k) => !models.includes(k));
  if (unknown) throw new UsageError(`--model-options ${unknown}: not one of --models (${models.join(', ')})`);
  const split = labelledSplitFlag(values.split);
  const stride = positiveIntFlag('stride', values.stride, 32);
  const seeds = positiveIntFlag('seeds', values.seeds, 1);
  if (seeds > 20) throw new UsageError(`--seeds must be at most 20, got ${seeds}`);
  if (stride > 64) throw new UsageError(`--stride must not exceed 64, got ${stride}`);
  let baseConfig: TrainConfig | undefined;
  if (values.config) {
    if (!existsSync(values.config)) throw new UsageError(`--config ${values.config}: no such file`);
    baseConfig = applyConfigFile(defaultTrainConfig(), values.config);
  }
  const recipes =
    values.recipes === undefined
      ? undefined
      : values.recipes
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  if (recipes !== undefined) {
    if (recipes.length === 0) throw new UsageError('--recipes: give at least one recipe');
    const unknownRecipe = recipes.find((r) => !RECIPE_NAMES.includes(r));
    if (unknownRecipe)
      throw new UsageError(`--recipes: unknown recipe '${unknownRecipe}' (known: ${RECIPE_NAMES.join(', ')})`);
  }
  if (values.ablation !== undefined && values.ablation !== 'sscr')
    throw new UsageError(`--ablation: only sscr has an ablation, got '${values.ablation}'`);
  if (values.ablation && recipes) throw new UsageError('--ablation and --recipes exclude each other');
  const scribbleSets = values.scribbles?.split(',').map((s) => s.trim());
  if (scribbleSets && (scribbleSets.some((s) => !s) || new Set(scribbleSets).size !== scribbleSets.length))
    throw new UsageError(`--scribbles: a list of distinct set names, got '${values.scribbles}'`);
  if (scribbleSets?.length === 1) {
    baseConfig ??= defaultTrainConfig();
    if (!values.config) baseConfig.scheduler.stepIndex = 'updates';
    baseConfig.data.scribbles = scribbleSets[0];
  }
  // As every command: a device this machine lacks is a usage error, more threads than cores are capped (once,
  // here, so that each run's config holds the capped count).
  const device = values.device === undefined ? undefined : availableDevice(values.device);
  const threads = applyThreadsFlag(values.threads);
  const result = await runModelReport({
    dataDir: values.data,
    models,
    recipes,
    ablation: values.ablation,
    ...(scribbleSets && scribbleSets.length > 1 ? { scribbles: scribbleSets } : {}),
    budget: parseBudget(values.budget),
    out: values.out ?? 'bench-report.md',
    runsDir: values.runs,
    baseConfig,
    modelOptions,
    threads,
    device,
    split,
    tta: !values['no-tta'],
    stride,
    reuse: values.reuse,
    seeds,
    events: (log) => progressEvents(!values['no-progress'], log),
  });
  console.log(`report: ${result.report}`);
  return 0;
}
