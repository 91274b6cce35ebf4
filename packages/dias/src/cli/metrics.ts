// `dias metrics`: the benchmark metrics of one probability map against its ground truth.
import { parseArgs } from 'node:util';
import { METRIC_NAMES, evaluateImage } from '../metrics/metrics.js';
import { readGroundTruth, readProbabilityMap } from '../eval/read-maps.js';
import { metricsOrNull } from '../eval/report.js';
import { UsageError, type Command } from './command.js';
import { inputFile, probabilityFlag } from './flags.js';

export const metricsCommand: Command = {
  name: 'metrics',
  summary: 'DSC, Acc, Sen, Spe, IoU, AUC, clDice, VC of one probability map against its ground truth',
  usage: `Usage: dias metrics --prob P.npy|P.png --gt G.npy|G.png [--threshold 0.5] [--json]

Computes the DIAS benchmark metrics of one image as the official evaluation does: prediction = prob >= threshold,
DSC/Acc/Sen/Spe/IoU over every pixel, AUC over all pixels (ties grouped, as scikit-learn), clDice from
scikit-image skeletons, VC = 8-connected labels of the prediction / of the ground truth (background included).
  --prob P       vessel probability: a 2D .npy (values 0..1; anything outside is an error, e.g. logits)
                 or a grey PNG (0..255, read as value/255)
  --gt G         ground truth: a 2D .npy or a grey PNG holding 0/255 or 0/1 (any other value is an error,
                 as in dias data check)
  --threshold T  binarisation threshold in [0, 1] (default 0.5)
  --json         print one JSON object {DSC, Acc, Sen, Spe, IoU, AUC, clDice, VC}; undefined values are null`,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        prob: { type: 'string' },
        gt: { type: 'string' },
        threshold: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    for (const flag of ['prob', 'gt'] as const) {
      const path = values[flag];
      if (path === undefined) throw new UsageError(`--${flag} is required (see dias metrics --help)`);
      inputFile(`--${flag}`, path);
      if (!/\.(npy|png)$/i.test(path)) throw new UsageError(`--${flag} ${path}: expected a .npy or .png file`);
    }
    const threshold = probabilityFlag('threshold', values.threshold, 0.5);
    const prob = readProbabilityMap(values.prob!);
    const gt = readGroundTruth(values.gt!);
    if (prob.width !== gt.width || prob.height !== gt.height) {
      throw new UsageError(
        `shape mismatch: ${values.prob} is ${prob.height}x${prob.width} (HxW), ${values.gt} is ${gt.height}x${gt.width}`,
      );
    }
    const { metrics, counts } = evaluateImage(prob.data, gt.data, prob.width, prob.height, { threshold });
    if (values.json) {
      console.log(JSON.stringify(metricsOrNull(metrics)));
      return 0;
    }
    console.log(`${values.prob} vs ${values.gt}: ${prob.height}x${prob.width}, threshold ${threshold}`);
    for (const m of METRIC_NAMES)
      console.log(`${m.padEnd(6)}  ${Number.isNaN(metrics[m]) ? 'NaN (undefined)' : metrics[m].toFixed(4)}`);
    console.log(`TP ${counts.tp}  FP ${counts.fp}  FN ${counts.fn}  TN ${counts.tn}`);
    return 0;
  },
};
