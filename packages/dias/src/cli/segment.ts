// `dias segment`: sequences from any source (DIAS dataset, frame folder, NPY stack, DICOM, image) through a
// trained model -- the shipped default model (predict/default-model.ts) unless --run or --weights names one --
// loaded once for all the inputs; writes the mask, the probability map and an overlay per input, and reports time
// and peak memory.
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { DIAS_SPLITS, type DiasSplit } from '../data/readers/dias-layout.js';
import { detectFormat, readSequence } from '../data/readers/read-sequence.js';
import { caseOutputFiles } from '../eval/case-outputs.js';
import { classOutputFiles } from '../eval/class-outputs.js';
import { segmentCase } from '../eval/segment-case.js';
import { FAST_PREDICTION, Predictor } from '../predict/predictor.js';
import { defaultModelWeights } from '../predict/default-model.js';
import { METRIC_NAMES } from '../metrics/metrics.js';
import { metricsOrNull } from '../eval/report.js';
import { UsageError, type Command } from './command.js';
import { ProgressBar } from './progress.js';
import {
  applyThreadsFlag,
  INFERENCE_FLAG_USAGE,
  loadInferenceModel,
  loadWeightsForInference,
  parseInferenceArgs,
  type InferenceModel,
} from './inference-flags.js';
import { existingInput, inputFile, outputFolder, outsideInput, printWarnings, probabilityFlag } from './flags.js';

const USAGE = `Usage: dias segment [--run RUN [--checkpoint best|final|latest] | --weights W.safetensors] INPUT... --out DIR
                    [--id N] [--split S] [--subtract auto|M] [--fast] [--scheme sliding|whole] [--no-tta]
                    [--threshold 0.5] [--overwrite] [--json]

Segments the arteries of one or more sequences with one model, loaded once. Without --run or --weights that is
the default model shipped with DIAS-TS (a small FR-UNet trained on synthetic data only: models/default/CARD.md).
Each INPUT is a DIAS dataset folder (with --id), a frame file
image_s{n}_i{k}.png, a folder of frames (one numbered series such as frame_0.png, frame_1.png, ..., or the
files its frames.txt lists in order), a .npy stack (T, H, W), a DICOM XA/XRF file (or a folder of
single-frame DICOM files), a TIFF or a single PNG. The sequence is resampled to the model's frame count and
z-scored, then predicted with a sliding 64x64 window (--scheme whole: the whole frame at once). Writes into DIR,
per input: {name}_mask.png (0/255),
{name}_prob.npy (float32), {name}_prob.png, {name}_overlay.png (the prediction's contour over the MinIP), and
with a label (DIAS) {name}_error.png; prints the time taken and the peak memory (RSS).
A model trained on the artery/vein labels (dias train --classes av) also writes {name}_classes.png, the class
map as 8-bit grey holding the class numbers: 0 background, 1 artery, 2 vein (the encoding of labels_av/),
{name}_classes_overlay.png (arteries red, veins blue over the MinIP) and {name}_classes_prob.npy (float32,
3 x H x W: the probability of each class); its mask and prob are the vessels (artery or vein, 1 - p(background)),
and a label scores the predicted arteries.
  --run RUN          a run folder of dias train; --checkpoint picks best (default), final or latest
  --weights FILE     a checkpoint file of dias train instead of a run folder
  --out DIR          output folder (created if missing; not inside INPUT)
  --overwrite        replace outputs of an earlier run in DIR (without it, existing outputs are an error)
  --id N, --split S  the sequence of a DIAS dataset (12 or s12) and the split to look in
  --subtract M       an unsubtracted cine (DICOM): subtract mask frame M or 'auto' (log domain) first;
                     refused for DSA (a DIAS sequence, a DICOM marked SUBTRACTED)
  --fast             the whole frame in one forward pass (--scheme whole) without TTA: interactive speed
                     (README: time and DSC against the default)
${INFERENCE_FLAG_USAGE}
  --threshold P      mask threshold (default 0.5)
  --json             one JSON line per input (the last line printed is the last input's): files, size,
                     timings (the model's load counts with the first input) and peak RSS
  --no-progress      no progress bar`;

/** segment's own flags; parseInferenceArgs adds --run, --checkpoint, --threshold and the other shared ones. */
const SEGMENT_FLAGS = {
  weights: { type: 'string' },
  out: { type: 'string' },
  id: { type: 'string' },
  split: { type: 'string' },
  subtract: { type: 'string' },
  fast: { type: 'boolean' },
  overwrite: { type: 'boolean' },
} as const;

const peakRssMb = () => +(process.resourceUsage().maxRSS / 1024).toFixed(1);

function subtractFlag(value: string | undefined): 'auto' | number | undefined {
  if (value === undefined || value === 'auto') return value;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--subtract must be 'auto' or a frame index, got '${value}'`);
  return n;
}

/** One input's way through the loaded model: read, predict, write; prints and returns its report. */
async function segmentOne(
  input: string,
  loaded: InferenceModel,
  predict: ReturnType<InferenceModel['predictOptions']>,
  values: { id?: string; out: string; overwrite?: boolean; json?: boolean; 'no-progress'?: boolean },
  settings: { split?: DiasSplit; subtract?: 'auto' | number; threshold: number; loadSeconds: number },
  stems: Set<string>,
): Promise<Record<string, unknown>> {
  const say = (s: string) => (values.json ? console.error(s) : console.log(s));
  const { split, subtract, threshold } = settings;
  const t0 = performance.now();
  const format = detectFormat(input);
  const seq = await readSequence(input, { id: values.id, split, subtract });
  printWarnings(seq);
  const imageType = seq.meta.imageType;
  if (
    (format === 'dicom' || format === 'dicom-series') &&
    subtract === undefined &&
    seq.T > 1 &&
    Array.isArray(imageType) &&
    !imageType.some((v) => /SUBTRACT/i.test(String(v)))
  ) {
    console.error(
      `note: ${input} is not marked SUBTRACTED; if it is a raw cine, --subtract auto turns it into DSA first`,
    );
  }
  const stem =
    /^\d+$/.test(seq.id) && (format === 'dias' || format === 'dias-frame')
      ? `s${seq.id}`
      : seq.id.replace(/[^\w.-]+/g, '_');
  if (stems.has(stem))
    throw new UsageError(
      `${input}: its outputs would be named ${stem}_*, as those of an earlier INPUT of this command`,
    );
  stems.add(stem);
  // Replacing earlier results is a choice the user makes, not a side effect of running the same command twice.
  const planned = {
    ...caseOutputFiles(values.out, stem, Boolean(seq.label) && loaded.labels !== 'av'),
    ...(loaded.labels === 'av' ? classOutputFiles(values.out, stem) : {}),
  };
  const existing = Object.values(planned).filter((f) => existsSync(f));
  if (existing.length && !values.overwrite) {
    const names = existing.map((f) => basename(f)).sort();
    throw new UsageError(
      `--out ${values.out} already holds ${names.join(', ')}; give --overwrite to replace them, or another --out`,
    );
  }
  const tRead = performance.now();
  const scheme =
    predict.scheme === 'whole' ? `whole image (tiles up to ${predict.tileSize} px)` : `stride ${predict.stride}`;
  say(
    `${input}: ${format}, ${seq.T} frame(s) of ${seq.W}x${seq.H}${seq.T !== loaded.frames ? ` (resampled to ${loaded.frames})` : ''}; ` +
      `${scheme}, ${predict.tta ? 'flip TTA' : 'no TTA'}`,
  );

  const predictor = new Predictor(loaded.model, loaded.spec, predict);
  const bar = new ProgressBar('segment', predictor.patchCount(seq.H, seq.W), {
    enabled: !values['no-progress'],
    unit: predict.scheme === 'whole' ? 'tiles' : 'patches',
  });
  let last = 0;
  const result = segmentCase(predictor, seq, {
    outDir: values.out,
    stem,
    threshold,
    onProgress: (done) => {
      bar.tick(done - last);
      last = done;
    },
  });
  bar.finish();
  const { files, metrics } = result;
  const seconds = {
    load: settings.loadSeconds + (tRead - t0) / 1000,
    ...result.seconds,
    total: settings.loadSeconds + (performance.now() - t0) / 1000,
  };
  let vessel = 0;
  for (const v of result.mask) vessel += v;
  say(`vessel pixels: ${vessel} of ${result.mask.length} (${(100 * result.vesselFraction).toFixed(2)}%)`);
  if (result.classes) {
    const n = [0, 0, 0];
    for (const c of result.classes.classMap) n[c]++;
    const pct = (k: number) => `${((100 * n[k]) / result.mask.length).toFixed(2)}%`;
    say(`artery pixels: ${n[1]} (${pct(1)}), vein pixels: ${n[2]} (${pct(2)})`);
  }
  const against = result.classes ? 'arteries against the label' : 'against the label';
  if (metrics) say(`${against}: ${METRIC_NAMES.map((m) => `${m} ${metrics[m].toFixed(4)}`).join('  ')}`);
  say(`wrote ${Object.values(files).join(', ')}`);
  say(
    `time: ${seconds.total.toFixed(2)} s (load ${seconds.load.toFixed(2)}, predict ${seconds.predict.toFixed(2)}, write ${seconds.write.toFixed(2)}); peak RSS ${peakRssMb()} MB`,
  );
  const round = (x: number) => +x.toFixed(3);
  return {
    input,
    format,
    id: seq.id,
    frames: seq.T,
    height: seq.H,
    width: seq.W,
    model: loaded.spec.name,
    weights: loaded.weights,
    scheme: predict.scheme,
    stride: predict.scheme === 'whole' ? null : predict.stride,
    tile: predict.scheme === 'whole' ? predict.tileSize : null,
    tta: predict.tta,
    threshold,
    files,
    vessel_fraction: result.vesselFraction,
    metrics: metrics && metricsOrNull(metrics),
    seconds: Object.fromEntries(Object.entries(seconds).map(([k, v]) => [k, round(v)])),
    peak_rss_mb: peakRssMb(),
  };
}

export const segmentCommand: Command = {
  name: 'segment',
  summary: 'segment sequences (DIAS, frames, NPY, DICOM, image) with a trained model or the default one',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseInferenceArgs(argv, SEGMENT_FLAGS, true);
    if (positionals.length === 0)
      throw new UsageError('dias segment: give at least one INPUT; see dias segment --help');
    const out = values.out;
    if (!out) throw new UsageError('dias segment: --out DIR is required');
    if (values.run && values.weights)
      throw new UsageError('dias segment: give either --run RUN or --weights FILE, not both');
    if (values.weights && values.checkpoint) throw new UsageError('--checkpoint goes with --run, not --weights');
    if (!values.run && values.checkpoint) throw new UsageError('--checkpoint goes with --run');
    if (values.run && !existsSync(values.run)) throw new UsageError(`--run ${values.run}: no such run folder`);
    if (values.weights) inputFile('--weights', values.weights);
    for (const input of positionals) {
      existingInput(input);
      outsideInput(out, input);
    }
    const split = values.split as DiasSplit | undefined;
    if (split !== undefined && !DIAS_SPLITS.includes(split))
      throw new UsageError(`--split must be one of ${DIAS_SPLITS.join(', ')}, got '${split}'`);
    const threshold = probabilityFlag('threshold', values.threshold, 0.5);
    const subtract = subtractFlag(values.subtract);
    applyThreadsFlag(values.threads);
    outputFolder('--out', out);
    const say = (s: string) => (values.json ? console.error(s) : console.log(s));

    const t0 = performance.now();
    let loaded: InferenceModel;
    if (values.run || values.weights) loaded = loadInferenceModel(values);
    else {
      let weights: string;
      try {
        weights = defaultModelWeights();
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      loaded = loadWeightsForInference(weights);
    }
    try {
      const predict = loaded.predictOptions(values, values.fast ? { ...FAST_PREDICTION } : {});
      const loadSeconds = (performance.now() - t0) / 1000;
      say(
        values.run || values.weights
          ? loaded.describe()
          : `${loaded.describe()}: the default model, trained on synthetic DSA only (its card: models/default/CARD.md)`,
      );
      const stems = new Set<string>();
      for (let i = 0; i < positionals.length; i++) {
        const report = await segmentOne(
          positionals[i],
          loaded,
          predict,
          { ...values, out },
          { split, subtract, threshold, loadSeconds: i === 0 ? loadSeconds : 0 },
          stems,
        );
        if (values.json) console.log(JSON.stringify(report));
      }
    } finally {
      loaded.model.dispose();
    }
    return 0;
  },
};
