// `dias bench ssl`: the flags of the semi-supervised curve (bench/ssl-report.ts).
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runSslReport, type RpstVariant } from '../bench/ssl-report.js';
import { parseAssignment } from '../train/config-assignments.js';
import { applyConfigFile, defaultTrainConfig, type TrainConfig } from '../train/config.js';
import { parseBudget } from './bench-report.js';
import { UsageError } from './command.js';
import { availableDevice, labelledSplitFlag, positiveIntFlag } from './flags.js';
import { applyThreadsFlag } from './inference-flags.js';
import { progressEvents } from './train-progress.js';

export const BENCH_SSL_USAGE = `Usage: dias bench ssl --data DIR --model NAME [--labelled 1,3,10] [--iterations 3] [--budget epochs=E,patches=P,batch=B]
                      [--model-options JSON] [--config FILE] [--variant NAME:KEY=VALUE,...]... [--out ssl-report.md]
                      [--runs DIR] [--no-baselines]
                      [--split test] [--reuse] [--seeds N] [--no-tta] [--stride N] [--threads K] [--device cpu|cuda] [--no-progress]

The semi-supervised curve of the DIAS repository's ssl.pdf on DIR: for each labelled count N, an RPST run (a
teacher on the first N training sequences, then --iterations students on the patch mix of labelled and
pseudo-labelled patches; dias train --recipe rpst), every stage tested on whole sequences; beside it, with the
same N and as many training steps as the whole RPST run, mean teacher and cross pseudo supervision, and full
supervision on every training sequence (the upper bound). Writes a table of test DSC (REPORT) and the curve
(REPORT_curve.png: DSC per iteration, one line per N, the baselines flat).
  --labelled LIST       labelled sequence counts (default 1,3,10)
  --iterations K        RPST students after the teacher (default 3)
  --budget SPEC         per RPST stage: epochs=E,patches=P,batch=B (default epochs=10,patches=2000,batch=16)
  --model-options JSON  constructor options, e.g. {"feature_scale":8}
  --config FILE         a training config every run starts from (rpst.* settings, lr, augmentation, ...)
  --variant NAME:K=V,.. also train RPST with these settings (as --set; the RPST runs only), on the same seeds and
                        labelled subsets beside the same baselines; a row each, paired against the first row
                        (repeatable), e.g. --variant continue:rpst.schedule=continue
                        --variant reinit:rpst.student=reinit --variant band:rpst.confidenceBand=0.1
  --no-baselines        RPST only (no mean teacher, CPS or full supervision)
  --reuse               keep finished runs trained with the same config
  --seeds N             train every run N times (train.seed, seed+1, ...): mean ± spread over seeds, and RPST's
                        paired differences from its teacher and the baselines with 95% intervals (default 1)`;

export async function benchSsl(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      model: { type: 'string' },
      labelled: { type: 'string' },
      iterations: { type: 'string' },
      budget: { type: 'string' },
      'model-options': { type: 'string' },
      config: { type: 'string' },
      variant: { type: 'string', multiple: true },
      out: { type: 'string' },
      runs: { type: 'string' },
      'no-baselines': { type: 'boolean' },
      split: { type: 'string' },
      reuse: { type: 'boolean' },
      seeds: { type: 'string' },
      'no-tta': { type: 'boolean' },
      stride: { type: 'string' },
      threads: { type: 'string' },
      device: { type: 'string' },
      'no-progress': { type: 'boolean' },
    },
  });
  if (!values.data) throw new UsageError('dias bench ssl: --data DIR is required');
  if (!existsSync(values.data)) throw new UsageError(`--data ${values.data}: no such folder`);
  if (!values.model) throw new UsageError('dias bench ssl: --model NAME is required (see dias models)');
  const labelled = (values.labelled ?? '1,3,10').split(',').map((s) => s.trim());
  if (labelled.some((s) => !/^\d+$/.test(s) || Number(s) < 1))
    throw new UsageError(`--labelled must list positive integers, got '${values.labelled}'`);
  let modelOptions: Record<string, unknown> | undefined;
  if (values['model-options'] !== undefined) {
    try {
      modelOptions = JSON.parse(values['model-options']) as Record<string, unknown>;
    } catch {
      throw new UsageError(`--model-options: not valid JSON: ${values['model-options']}`);
    }
    if (typeof modelOptions !== 'object' || modelOptions === null || Array.isArray(modelOptions))
      throw new UsageError('--model-options must be a JSON object');
  }
  let baseConfig: TrainConfig | undefined;
  if (values.config) {
    if (!existsSync(values.config)) throw new UsageError(`--config ${values.config}: no such file`);
    baseConfig = applyConfigFile(defaultTrainConfig(), values.config);
  }
  // As every command: a device this machine lacks is a usage error, more threads than cores are capped (once,
  // here, so that each run's config holds the capped count).
  const device = values.device === undefined ? undefined : availableDevice(values.device);
  const threads = applyThreadsFlag(values.threads);
  const stride = positiveIntFlag('stride', values.stride, 32);
  const seeds = positiveIntFlag('seeds', values.seeds, 1);
  if (seeds > 20) throw new UsageError(`--seeds must be at most 20, got ${seeds}`);
  if (stride > 64) throw new UsageError(`--stride must not exceed 64, got ${stride}`);
  const variants: RpstVariant[] | undefined = values.variant?.length
    ? [{ name: 'rpst', settings: [] }, ...values.variant.map(parseVariant)]
    : undefined;
  const progress = !values['no-progress'];
  const result = await runSslReport({
    dataDir: values.data,
    model: values.model,
    modelOptions,
    labelled: labelled.map(Number),
    iterations: positiveIntFlag('iterations', values.iterations, 3),
    variants,
    budget: parseBudget(values.budget),
    baseConfig,
    out: values.out ?? 'ssl-report.md',
    runsDir: values.runs,
    baselines: !values['no-baselines'],
    split: labelledSplitFlag(values.split),
    tta: !values['no-tta'],
    stride,
    threads,
    device,
    reuse: values.reuse,
    seeds,
    events: (prefix) => progressEvents(progress, (l) => console.log(`${prefix}${l}`)),
  });
  console.log(`report: ${result.report}`);
  return 0;
}

/** NAME:KEY=VALUE,KEY=VALUE -- a comma starts another setting only where a KEY= follows, so '[0, 7]' stays whole. */
function parseVariant(text: string): RpstVariant {
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1)
    throw new UsageError(`--variant ${text}: expected NAME:KEY=VALUE[,KEY=VALUE...]`);
  const name = text.slice(0, colon).trim();
  const settings = text
    .slice(colon + 1)
    .split(/,(?=\s*[A-Za-z][\w.]*=)/)
    .map((a) => parseAssignment(`--variant ${name}:`, a.trim()));
  return { name, settings };
}
