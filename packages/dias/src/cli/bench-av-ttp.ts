// `dias bench av-ttp`: the no-training artery/vein baseline of issue 20 (bench/ttp-artery-vein.ts): time to peak
// from `dias perfusion`, thresholded at the value that segments the fitting splits best, scored on a test split as
// `dias test` scores an artery/vein model.
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { DIAS_SPLITS, type DiasSplit } from '../data/readers/dias-layout.js';
import { ttpBaseline } from '../bench/ttp-artery-vein.js';
import { UsageError } from './command.js';

export const BENCH_AV_TTP_USAGE = `Usage: dias bench av-ttp --data DIR [--fit training,validation] [--split test] [--json]

The artery/vein baseline that needs no training: each sequence's time to peak as dias perfusion computes it
(first frame as the baseline; frame times from the sequence: its images/image_s{n}.frame_times.json, which dias
synth --complete-run --layout dias writes per run, else from dias synth's dataset.json); a pixel with a time to
peak is artery before the threshold and vein after it, the others background. The threshold is the 1%-quantile
of the fitting splits' times to peak that gives them the best mean of artery and vein DSC; the test split is scored
with it per class (every metric; AUC of the hard class map) with the artery/vein confusion, as dias test scores a
model trained with --classes av. Needs labels_av/ (dias synth --classes av).
  --data DIR        a DIAS-layout dataset with artery/vein labels
  --fit SPLITS      the splits the threshold is chosen on (default training,validation)
  --split S         the split scored (default test)
  --json            print the result as JSON (the last line)`;

function splitName(text: string, flag: string): DiasSplit {
  if (!DIAS_SPLITS.includes(text as DiasSplit) || text === 'unlabelled')
    throw new UsageError(`${flag}: '${text}' is not a labelled split (training, validation, test)`);
  return text as DiasSplit;
}

export function benchAvTtp(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      fit: { type: 'string' },
      split: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if (!values.data) throw new UsageError('dias bench av-ttp: --data DIR is required');
  if (!existsSync(values.data)) throw new UsageError(`--data ${values.data}: no such folder`);
  const fitSplits = (values.fit ?? 'training,validation').split(',').map((s) => splitName(s.trim(), '--fit'));
  const split = splitName(values.split ?? 'test', '--split');
  const r = ttpBaseline(values.data, { fitSplits, split });
  if (values.json) {
    console.log(JSON.stringify(r));
    return 0;
  }
  const f = (v: number) => (Number.isNaN(v) ? 'NaN' : v.toFixed(4));
  console.log(
    `threshold ${r.thresholdMs.toFixed(0)} ms (fitted on ${r.fitSplits.join(', ')}: mean artery/vein DSC ${f(r.fitDsc)})`,
  );
  for (const [name, s] of Object.entries(r.classes))
    console.log(
      `  ${name.padEnd(6)} DSC ${f(s.mean.DSC)} ± ${f(s.std.DSC)}  Sen ${f(s.mean.Sen)}  clDice ${f(s.mean.clDice)}`,
    );
  console.log(
    `  confusion on ${r.split}: vein as artery ${f(r.confusion.mean.veinAsArtery)}, artery as vein ${f(r.confusion.mean.arteryAsVein)}; ` +
      `${(100 * r.coverage).toFixed(1)}% of the labelled vessel pixels have a time to peak`,
  );
  return 0;
}
