// `dias perfusion`: parametric (colour-coded) DSA of a sequence: per-pixel arrival time, time to peak, peak
// opacification and mean transit time from each pixel's contrast-time curve, in the sequence's own frame times
// (eval/perfusion.ts), written as .npy maps and colour-coded PNGs with a colour bar (eval/perfusion-outputs.ts).
import { existsSync, mkdirSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { DIAS_SPLITS, type DiasSplit } from '../data/readers/dias-layout.js';
import { readRegionMask } from '../data/readers/masks.js';
import { detectFormat, readSequence } from '../data/readers/read-sequence.js';
import { PERFUSION_MAPS, perfusionMaps, type PerfusionMapName } from '../eval/perfusion.js';
import { thresholdProbability } from '../metrics/metrics.js';
import { FAST_PREDICTION, Predictor } from '../predict/predictor.js';
import { loadInferenceModel } from './inference-flags.js';
import { perfusionOutputFiles, writePerfusionOutputs } from '../eval/perfusion-outputs.js';
import { UsageError, type Command } from './command.js';
import { existingInput, inputFile, outputFolder, outsideInput, positiveIntFlag, printWarnings } from './flags.js';
import { ProgressBar } from './progress.js';

const USAGE = `Usage: dias perfusion INPUT --out DIR [--maps ttp,arrival,peak,mtt]
                      [--mask M.png|label [--mask-class C] | --run RUN [--checkpoint best|final|latest]]
                      [--baseline-frames N] [--min-opacification X] [--frame-interval MS] [--id N] [--split S]
                      [--overwrite] [--json] [--no-progress]

Parametric colour-coded DSA: from each pixel's contrast-time curve (opacification = baseline - value, vessels
being dark; baseline = the mean of the first --baseline-frames frames, which should be pre-contrast), in the
sequence's own frame times:
  arrival   time the curve first reaches 20% of its peak on the rise to it (linear between frames), ms
  ttp       time to peak: the vertex of the parabola through the largest sample and its two neighbours, ms
  peak      peak opacification, grey levels
  mtt       mean transit time: first moment of the curve over its bolus window (>= 10% of the peak) minus the
            arrival, ms
Times are ms from the first frame. Pixels whose peak stays below the threshold, lies at the first or last frame,
or is outside --mask get no value (NaN).
INPUT is any sequence source (a frame folder, .npy stack, DICOM XA, DIAS dataset with --id, ...); frame times
come from DICOM, or for PNG frames and .npy from a sidecar (frame_times.json or .txt in the frame folder,
X.frame_times.json or .txt beside X.npy: a JSON array of ms, {"frame_times_ms": [...]}, or one number per line).
Writes into DIR per input: {name}_{map}.npy (float32 (H, W), NaN where no value), {name}_{map}.png (colour-coded
over the dimmed MinIP, time maps red early to blue late, with a colour bar in seconds) and {name}_perfusion.json.
  --out DIR              output folder (created if missing; not inside INPUT)
  --maps LIST            which maps (default all: arrival,ttp,peak,mtt)
  --mask M.png           only pixels inside this mask: 0/255 or 0/1 (e.g. the {name}_mask.png of dias segment),
                         or an artery/vein label 0/1/2; 'label' uses the sequence's own label (a frame folder's
                         label.png, a DIAS label)
  --mask-class C         with an artery/vein mask: artery, vein or any (default any)
  --run RUN              segment the arteries first with this run of dias train (the whole frame, no TTA, as
                         dias segment --fast; the sequence resampled to the model's frames), threshold 0.5, and
                         keep the maps inside that mask; --checkpoint picks best (default), final or latest
  --baseline-frames N    frames averaged into the baseline (default 1)
  --min-opacification X  smallest peak opacification that counts (grey levels; default 10 x the noise, from the
                         robust std of the second differences along time)
  --frame-interval MS    frame times for a sequence that has none (evenly spaced; its own times win, with a warning)
  --id N, --split S      the sequence of a DIAS dataset (12 or s12) and the split to look in
  --overwrite            replace the outputs of an earlier run in DIR
  --json                 print one JSON line: files, frame count, noise, threshold, pixels with values
  --no-progress          no progress bar`;

function mapsFlag(value: string | undefined): PerfusionMapName[] {
  if (value === undefined) return [...PERFUSION_MAPS];
  const names = value.split(',').map((s) => s.trim());
  for (const n of names)
    if (!PERFUSION_MAPS.includes(n as PerfusionMapName))
      throw new UsageError(`--maps: unknown map '${n}' (known: ${PERFUSION_MAPS.join(', ')})`);
  return [...new Set(names)] as PerfusionMapName[];
}

function positiveNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const v = Number(value);
  if (value.trim() === '' || !Number.isFinite(v) || v <= 0)
    throw new UsageError(`--${flag} must be a positive number, got '${value}'`);
  return v;
}

export const perfusionCommand: Command = {
  name: 'perfusion',
  summary: 'parametric colour-coded DSA: arrival time, time to peak, peak and mean transit time per pixel',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        maps: { type: 'string' },
        mask: { type: 'string' },
        'mask-class': { type: 'string' },
        run: { type: 'string' },
        checkpoint: { type: 'string' },
        'baseline-frames': { type: 'string' },
        'min-opacification': { type: 'string' },
        'frame-interval': { type: 'string' },
        id: { type: 'string' },
        split: { type: 'string' },
        overwrite: { type: 'boolean' },
        json: { type: 'boolean' },
        'no-progress': { type: 'boolean' },
      },
    });
    if (positionals.length !== 1)
      throw new UsageError(
        positionals.length ? `one INPUT, got ${positionals.length}` : 'INPUT is required (see dias perfusion --help)',
      );
    const input = existingInput(positionals[0]);
    if (!values.out) throw new UsageError('--out DIR is required');
    const out = outputFolder('--out', values.out);
    outsideInput(out, input);
    const maps = mapsFlag(values.maps);
    const maskClass = values['mask-class'] ?? 'any';
    if (!['artery', 'vein', 'any'].includes(maskClass))
      throw new UsageError(`--mask-class must be artery, vein or any, got '${maskClass}'`);
    if (values['mask-class'] !== undefined && values.mask === undefined)
      throw new UsageError('--mask-class needs --mask');
    if (values.mask !== undefined && values.mask !== 'label') inputFile('--mask', values.mask);
    if (values.run !== undefined && values.mask !== undefined)
      throw new UsageError('give either --mask or --run (a segmentation as the mask), not both');
    if (values.checkpoint !== undefined && values.run === undefined)
      throw new UsageError('--checkpoint goes with --run');
    const baselineFrames = positiveIntFlag('baseline-frames', values['baseline-frames'], 1);
    const minOpacification = positiveNumber('min-opacification', values['min-opacification']);
    const interval = positiveNumber('frame-interval', values['frame-interval']);
    const split = values.split as DiasSplit | undefined;
    if (split !== undefined && !DIAS_SPLITS.includes(split))
      throw new UsageError(`--split must be one of ${DIAS_SPLITS.join(', ')}, got '${values.split}'`);
    const say = (s: string) => (values.json ? console.error(s) : console.log(s));

    const bar = new ProgressBar('perfusion', values.run ? 4 : 3, { enabled: !values['no-progress'], unit: 'steps' });
    const format = detectFormat(input);
    const seq = await readSequence(input, { id: values.id, split });
    printWarnings(seq);
    bar.tick(1, 'read');
    const stem =
      /^\d+$/.test(seq.id) && (format === 'dias' || format === 'dias-frame')
        ? `s${seq.id}`
        : seq.id.replace(/[^\w.-]+/g, '_');
    const planned = perfusionOutputFiles(out, stem, maps);
    const existing = [...Object.values(planned.npy), ...Object.values(planned.png), planned.summary].filter((f) =>
      existsSync(f),
    );
    if (existing.length && !values.overwrite)
      throw new UsageError(
        `--out ${out} already holds ${existing.map((f) => basename(f)).join(', ')}; give --overwrite to replace them, or another --out`,
      );
    if (baselineFrames >= seq.T)
      throw new UsageError(`--baseline-frames ${baselineFrames}: ${input} has only ${seq.T} frame(s)`);
    let mask: Uint8Array | undefined;
    if (values.run !== undefined) {
      const loaded = loadInferenceModel({ run: values.run, checkpoint: values.checkpoint });
      try {
        const predictor = new Predictor(loaded.model, loaded.spec, loaded.predictOptions({}, { ...FAST_PREDICTION }));
        mask = thresholdProbability(predictor.predict(seq), 0.5);
      } finally {
        loaded.model.dispose();
      }
      bar.tick(1, 'segmented');
      let vessel = 0;
      for (const v of mask) vessel += v;
      say(`${loaded.describe()}: ${vessel} vessel pixels of ${mask.length}`);
    } else if (values.mask === 'label') {
      if (!seq.label) throw new Error(`${input}: --mask label, but the sequence has no label`);
      mask = seq.label;
    } else if (values.mask !== undefined) {
      const region = readRegionMask(values.mask, seq.W, seq.H, `${input} is`);
      const want = maskClass === 'artery' ? 1 : maskClass === 'vein' ? 2 : 0;
      mask = want ? Uint8Array.from(region, (v) => (v === want ? 1 : 0)) : region;
    }
    if (seq.meta.frameTimes !== undefined && interval !== undefined)
      console.error(`warning: ${input} has its own frame times; --frame-interval is not used`);
    const frameTimes =
      seq.meta.frameTimes === undefined && interval !== undefined
        ? Array.from({ length: seq.T }, (_, k) => k * interval)
        : undefined;
    const result = perfusionMaps(seq, { baselineFrames, minOpacification, mask, frameTimes });
    bar.tick(1, 'maps');
    mkdirSync(out, { recursive: true });
    const files = writePerfusionOutputs(out, stem, seq, result, maps, {
      baseline_frames: baselineFrames,
      mask: values.mask ?? (values.run !== undefined ? `segmentation by ${values.run}` : null),
      mask_class: values.mask === undefined ? null : maskClass,
    });
    bar.tick(1, 'written');
    bar.finish();
    const times = result.frameTimes;
    say(
      `${input}: ${seq.T} frames of ${seq.W}x${seq.H} over ${(times[times.length - 1] / 1000).toFixed(2)} s; noise ${result.noise.toFixed(2)}, threshold ${result.threshold.toFixed(2)} grey levels; ${result.pixels} pixels with contrast`,
    );
    say(`wrote ${[...Object.values(files.png), ...Object.values(files.npy), files.summary].join(', ')}`);
    if (values.json)
      console.log(
        JSON.stringify({
          input,
          format,
          id: seq.id,
          frames: seq.T,
          width: seq.W,
          height: seq.H,
          noise: result.noise,
          threshold: result.threshold,
          pixels: result.pixels,
          files,
        }),
      );
    return 0;
  },
};
