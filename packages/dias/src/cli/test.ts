// `dias test`: a trained run on the whole sequences of a DIAS split; report and pictures into RUN/test_<split>/.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DIAS_SPLITS } from '../data/readers/dias-layout.js';
import { testJson, testRun } from '../eval/test-run.js';
import type { EvaluationSummary } from '../eval/report.js';
import { METRIC_NAMES } from '../metrics/metrics.js';
import { writeRunReport } from '../eval/run-report.js';
import { readLog } from '../train/run-folder.js';
import { UsageError, type Command } from './command.js';
import { labelledSplitFlag, outputFile, probabilityFlag } from './flags.js';
import { ProgressBar } from './progress.js';
import { applyThreadsFlag, INFERENCE_FLAG_USAGE, loadInferenceModel, parseInferenceArgs } from './inference-flags.js';

const USAGE = `Usage: dias test --run RUN [--data DIR] [--split test] [--checkpoint best|final|latest] [--iteration K] [--no-tta]
                 [--scheme sliding|whole] [--stride N] [--blend average|gaussian] [--threshold 0.5] [--report FILE.md] [--json] [--no-progress]

Predicts every sequence of a split of a DIAS dataset whole (sliding 64x64 window, as the official tester),
thresholds at 0.5 and scores DSC, Acc, Sen, Spe, IoU, AUC, clDice and VC. Writes into RUN/test_<split>/:
summary.json, metrics.csv, summary.md, and per sequence s{n}_prob.npy, s{n}_prob.png, s{n}_mask.png,
s{n}_error.png (TP white, FP green, FN red) and s{n}_overlay.png (contours over the MinIP). The folder is
replaced only when the test has finished.

A run trained on the artery/vein labels (dias train --classes av) is tested against labels_av/: the metrics
above score the vessels (artery or vein), artery/ and vein/ hold the same report for each class (its pixels of
the class map, the argmax over the classes, against the label's), summary.json adds both classes and the
artery/vein confusion (vein predicted as artery, artery as vein: fractions of the labelled pixels), and each
sequence gets s{n}_classes.png (0 background, 1 artery, 2 vein), s{n}_classes_overlay.png (red arteries, blue
veins) and s{n}_classes_prob.npy (float32, 3 x H x W).
  --run RUN          a run folder of dias train (config.json, checkpoint_*.safetensors)
  --data DIR         DIAS dataset (default: the run's data.dir from config.json)
  --split S          ${DIAS_SPLITS.filter((s) => s !== 'unlabelled').join(', ')} (default test)
  --checkpoint C     best (default), final or latest
  --iteration K      a self-training (rpst) run: stage K (0 the teacher, 1.. the students; default the last)
${INFERENCE_FLAG_USAGE}
  --threshold P      binarisation threshold (default 0.5)
  --report FILE.md   also write a one-page report: model and training budget, the metrics next to baselines
                     that need no training (all background, all vessel, MinIP + Otsu), the training curves,
                     and the best, median and worst sequences (FILE_cases.png beside it)
  --json             the last line printed is {"mean": {...}, "std": {...}, "per_case": [{"id", ...}]}
  --no-progress      no progress bar`;

/** An artery/vein model's test: each class's metrics (mean ± std) and how the classes are confused. */
function printArteryVein(summary: EvaluationSummary, fmt: (v: number | null) => string): void {
  type Stats = Record<'mean' | 'std', Record<string, number | null>>;
  const classes = summary.classes as Record<string, Stats>;
  const names = Object.keys(classes);
  console.log(`  the metrics above are of the vessels (artery or vein); per class:`);
  console.log(`         ${names.map((n) => n.padEnd(17)).join(' ')}`);
  for (const m of METRIC_NAMES)
    console.log(
      `  ${m.padEnd(6)} ${names.map((n) => `${fmt(classes[n].mean[m])} ± ${fmt(classes[n].std[m])}`.padEnd(17)).join(' ')}`,
    );
  const c = summary.confusion as Stats;
  console.log(
    `  confusion: vein predicted as artery ${fmt(c.mean.vein_as_artery)} ± ${fmt(c.std.vein_as_artery)}, artery predicted as vein ${fmt(c.mean.artery_as_vein)} ± ${fmt(c.std.artery_as_vein)} (fractions of the labelled pixels)`,
  );
}

export const testCommand: Command = {
  name: 'test',
  summary: 'test a trained run on a DIAS split: metrics, report and error maps',
  usage: USAGE,
  async run(argv) {
    const { values } = parseInferenceArgs(argv, {
      data: { type: 'string' },
      split: { type: 'string' },
      report: { type: 'string' },
    });
    if (!values.run) throw new UsageError('dias test: --run RUN is required');
    const split = labelledSplitFlag(values.split);
    const threshold = probabilityFlag('threshold', values.threshold, 0.5);
    applyThreadsFlag(values.threads);
    const loaded = loadInferenceModel(values);
    const dataDir = values.data ?? (loaded.config?.data.dir || undefined);
    if (!dataDir)
      throw new UsageError(`dias test: --data DIR is required (${join(values.run, 'config.json')} names no data.dir)`);
    if (!existsSync(dataDir))
      throw new UsageError(
        values.data
          ? `--data ${dataDir}: no such folder`
          : `${dataDir}: no such folder (the run's data.dir; give --data DIR)`,
      );
    if (values.report !== undefined) {
      outputFile('--report', values.report);
      // The report draws the training curves from RUN/log.jsonl: a broken log stops the command now, not after the test.
      readLog(values.run);
    }
    const predict = loaded.predictOptions(values);
    // Beside the weights tested: RUN/ itself, or the stage folder of a self-training run (RUN/iter{k}/).
    const outDir = join(dirname(loaded.weights), `test_${split}`);
    const progress = !values['no-progress'];
    let bar: ProgressBar | undefined;
    if (!values.json) console.log(`${loaded.describe()} on ${dataDir} (${split})`);
    const result = await testRun(loaded.model, loaded.spec, {
      ...predict,
      dataDir,
      split,
      outDir,
      threshold,
      title: `${loaded.spec.name} on ${split}`,
      extra: { run: resolve(values.run), ...loaded.summaryExtra() },
      onCase: (k, total, id) => {
        if (!bar) bar = new ProgressBar(`test ${split}`, total, { enabled: progress, unit: 'seq' });
        else bar.tick(1);
        bar.tick(0, id);
      },
      onPatches: (done, total) => bar?.tick(0, `${done}/${total} patches`),
    });
    bar?.tick(1, 'done');
    bar?.finish();
    const { summary } = result;
    if (!values.json) {
      const fmt = (v: number | null) => (v === null ? 'NaN' : v.toFixed(4));
      for (const m of METRIC_NAMES) console.log(`  ${m.padEnd(6)} ${fmt(summary.mean[m])} ± ${fmt(summary.std[m])}`);
      if (summary.labels === 'av') printArteryVein(summary, fmt);
      console.log(`${summary.n_cases} sequences in ${result.seconds.toFixed(1)} s; report: ${result.report.summaryMd}`);
    }
    loaded.model.dispose();
    if (values.report !== undefined) {
      const r = writeRunReport({
        runDir: values.run,
        split,
        out: values.report,
        title: `${loaded.spec.name} on ${split}`,
      });
      const d = (v: number | null | undefined) => (typeof v === 'number' ? v.toFixed(4) : 'NaN');
      const base = Object.entries(r.dsc)
        .filter(([k]) => k !== 'model')
        .map(([k, v]) => `${k} ${d(v)}`)
        .join(', ');
      if (!values.json) console.log(`run report: ${r.report} (test DSC ${d(r.dsc.model)}; baselines: ${base})`);
    }
    if (values.json) console.log(JSON.stringify(testJson(summary)));
    return 0;
  },
};
