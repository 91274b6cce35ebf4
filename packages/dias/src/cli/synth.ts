// `dias synth`: writes a synthetic DSA dataset in the DIAS release layout (see data/synth/write-dataset.ts), and
// optionally checks it against real frames (intensity percentiles, background, vessel contrast, noise).
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeGrayPng } from '../image/png.js';
import {
  COMPLETE_RUN_DEFAULT_FRAMES,
  COMPLETE_RUN_FRAME_RANGE,
  getPreset,
  presetNames,
  validateOptions,
  type SynthOptions,
} from '../data/synth/presets.js';
import { defaultWorkers, totalCount, writeDataset } from '../data/synth/write-dataset.js';
import { compareDatasetWithReal, comparisonSheet, formatRealismTable } from '../data/synth/realism.js';
import { ProgressBar } from './progress.js';
import { UsageError, type Command } from './command.js';
import { outputFolder } from './flags.js';

const USAGE = `Usage: dias synth --out DIR [options]

Writes synthetic DSA sequences (cerebral arteries and veins, contrast bolus over time, DSA noise and subtraction
artefacts) in the DIAS release layout: {training,validation,test}/images/image_s{n}_i{k}.png, labels/label_s{n}.png
(arteries, 0/255), training/scribbles/ (automatic) and training/scribbles_annotator/ (annotator-like) scribbles
(1 vessel, 0 background, 255 unlabelled), unlabeled/images/, plus dataset.json and README.md. The same seed and
options give the same bytes.

Options:
  --out DIR            where to write (required); must be empty or absent unless --force
  --preset NAME        ${presetNames().join(' | ')} (default dias: 30/10/20/60 sequences, 800x800;
                       small: 12/4/6/6 sequences, 256x256)
  --seed N             dataset seed (default 0)
  --size N             width and height in pixels (or --width N --height N)
  --fov MM             field of view across the image at the isocentre (default 180; vessels keep their size in mm)
  --frames A-B         raw frames per sequence within 4-9 (the DIAS layout's range), e.g. 4-9 or 6; with
                       --complete-run within ${COMPLETE_RUN_FRAME_RANGE[0]}-${COMPLETE_RUN_FRAME_RANGE[1]} (default ${COMPLETE_RUN_DEFAULT_FRAMES[0]}-${COMPLETE_RUN_DEFAULT_FRAMES[1]})
  --classes artery|av  av adds a second label per sequence, {split}/labels_av/label_s{n}.png: 0 background,
                       1 artery, 2 vein (visibly opacified; an overlap is artery); the 0/255 artery labels stay
  --timing-maps        also write the timing truth: {split}/timing/s{n}_arrival_ms.npy and s{n}_ttp_ms.npy, float32
                       (H, W), ms from the first frame, NaN where no single vessel dominates a pixel
  --complete-run       complete runs instead of DIAS sequences: from before the contrast arrives to the late
                       venous phase, one frame folder per run: DIR/s{n}/frame_{k}.png, frame_times.json,
                       label.png (0/255 artery), truth/label_av.png (with --classes av), truth/arrival_ms.npy and
                       truth/ttp_ms.npy (always); no splits or scribbles
  --runs N             with --complete-run: how many runs (default 8)
  --layout runs|dias   with --complete-run: runs (default) writes the frame folders above; dias writes the runs in
                       the DIAS layout with splits (--training/--validation/--test/--unlabelled, default the
                       preset's), labels, scribbles, labels_av/ with --classes av, timing/ with --timing-maps, and
                       each run's own frame times beside its frames: {split}/images/image_s{n}.frame_times.json;
                       dias train and dias test read it (resampled to --frames T), dias bench av-ttp and dias
                       perfusion --id N use each run's times
  --training N         sequences per split (also --validation, --test, --unlabelled; --unlabeled works too)
  --density X          vessel density multiplier (default 1)
  --noise X            noise multiplier (default 1)
  --artefacts X        subtraction-artefact multiplier (default 1)
  --blush X            capillary blush multiplier (default 1)
  --text P             probability of burned-in text per sequence (default 0.6)
  --scribble-erosion A,B  erosions before the automatic scribbles are skeletonised, ceil(A + u (B - A)) per
                       sequence (default the authors' 4,10 at 800 px, scaled with the image size; 0,0 gives the
                       full centrelines of every vessel and background region)
  --workers N          worker threads (default: the CPU count, at most 8; 1 = no workers)
  --force              replace an existing dataset in DIR
  --compare-real DIR   afterwards, compare with the real frames in DIR (8-bit PNGs) and print a table
  --compare-count N    synthetic sequences in the comparison (default 16)
  --compare-only       do not generate: compare the dataset already in DIR (needs --compare-real)
  --compare-picture F  write a picture to F (PNG): three real frames over three synthetic arterial-phase
                       frames (a lateral, a frontal and a vertebral run when the dataset has them)
  --no-progress        no progress bar
  --json               print the summary (and comparison) as JSON`;

function num(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v))
    throw new UsageError(`dias synth: ${flag} needs a number, not '${text}'`);
  return v;
}

function int(text: string | undefined, flag: string, min: number): number | undefined {
  const v = num(text, flag);
  if (v !== undefined && (!Number.isInteger(v) || v < min))
    throw new UsageError(`dias synth: ${flag} needs a whole number >= ${min}, not '${text}'`);
  return v;
}

function frameRange(text: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  if (!m) throw new UsageError(`dias synth: --frames needs A-B or N (e.g. 4-9), not '${text}'`);
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (a < 1 || b < a) throw new UsageError(`dias synth: --frames ${text}: need 1 <= A <= B`);
  return [a, b];
}

export const synthCommand: Command = {
  name: 'synth',
  summary: 'write a synthetic DSA dataset in the DIAS layout (arteries, veins, bolus, noise, scribbles)',
  usage: USAGE,
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        preset: { type: 'string' },
        'scribble-erosion': { type: 'string' },
        seed: { type: 'string' },
        size: { type: 'string' },
        width: { type: 'string' },
        height: { type: 'string' },
        fov: { type: 'string' },
        frames: { type: 'string' },
        classes: { type: 'string' },
        'timing-maps': { type: 'boolean' },
        'complete-run': { type: 'boolean' },
        runs: { type: 'string' },
        layout: { type: 'string' },
        training: { type: 'string' },
        validation: { type: 'string' },
        test: { type: 'string' },
        unlabeled: { type: 'string' },
        unlabelled: { type: 'string' },
        density: { type: 'string' },
        noise: { type: 'string' },
        artefacts: { type: 'string' },
        blush: { type: 'string' },
        text: { type: 'string' },
        workers: { type: 'string' },
        force: { type: 'boolean' },
        'compare-real': { type: 'string' },
        'compare-count': { type: 'string' },
        'compare-picture': { type: 'string' },
        'compare-only': { type: 'boolean' },
        'no-progress': { type: 'boolean' },
        json: { type: 'boolean' },
      },
    });
    if (positionals.length > 0)
      throw new UsageError(`dias synth: unexpected argument '${positionals[0]}' (see dias synth --help)`);
    if (!values.out) throw new UsageError('dias synth: --out DIR is required');
    outputFolder('--out', values.out);
    const presetName = values.preset ?? 'dias';
    let options: SynthOptions;
    try {
      options = getPreset(presetName);
    } catch (e) {
      throw new UsageError(`dias synth: ${(e as Error).message}`);
    }
    const seed = int(values.seed, '--seed', 0) ?? 0;
    if (seed > 2 ** 53) throw new UsageError('dias synth: --seed is too large');
    const size = int(values.size, '--size', 1);
    options.width = int(values.width, '--width', 1) ?? size ?? options.width;
    options.height = int(values.height, '--height', 1) ?? size ?? options.height;
    options.fovMm = num(values.fov, '--fov') ?? options.fovMm;
    if (values.classes !== undefined && values.classes !== 'artery' && values.classes !== 'av')
      throw new UsageError(`dias synth: --classes must be artery or av, not '${values.classes}'`);
    if (values.classes === 'av') options.classes = 'av';
    if (values['timing-maps']) options.timingMaps = true;
    const complete = values['complete-run'] ?? false;
    const layout = values.layout;
    if (layout !== undefined && layout !== 'runs' && layout !== 'dias')
      throw new UsageError(`dias synth: --layout must be runs or dias, not '${layout}'`);
    if (layout !== undefined && !complete)
      throw new UsageError('dias synth: --layout needs --complete-run (DIAS sequences are always in the DIAS layout)');
    const runFolders = complete && layout !== 'dias';
    if (complete) {
      options.completeRun = true;
      if (layout === 'dias') options.layout = 'dias';
      // Frame folders always carry their timing truth; the DIAS layout writes it when asked, as for any DIAS set.
      if (runFolders) options.timingMaps = true;
      options.frames = [...COMPLETE_RUN_DEFAULT_FRAMES];
      const splitFlag = (['training', 'validation', 'test', 'unlabeled', 'unlabelled'] as const).find(
        (k) => values[k] !== undefined,
      );
      if (splitFlag && runFolders)
        throw new UsageError(
          `dias synth: --${splitFlag} does not apply to --complete-run's frame folders (no splits; use --runs N, or --layout dias for splits)`,
        );
      if (values.runs !== undefined && !runFolders)
        throw new UsageError(
          'dias synth: --runs does not apply to --layout dias (give --training/--validation/--test/--unlabelled)',
        );
    } else if (values.runs !== undefined) throw new UsageError('dias synth: --runs needs --complete-run');
    if (values.frames !== undefined) options.frames = frameRange(values.frames);
    const runs = int(values.runs, '--runs', 1) ?? 8;
    options.counts = runFolders
      ? { training: runs, validation: 0, test: 0, unlabeled: 0 }
      : {
          training: int(values.training, '--training', 0) ?? options.counts.training,
          validation: int(values.validation, '--validation', 0) ?? options.counts.validation,
          test: int(values.test, '--test', 0) ?? options.counts.test,
          unlabeled:
            int(
              values.unlabelled ?? values.unlabeled,
              values.unlabelled !== undefined ? '--unlabelled' : '--unlabeled',
              0,
            ) ?? options.counts.unlabeled,
        };
    options.density = num(values.density, '--density') ?? options.density;
    options.noise = num(values.noise, '--noise') ?? options.noise;
    options.artefacts = num(values.artefacts, '--artefacts') ?? options.artefacts;
    options.blush = num(values.blush, '--blush') ?? options.blush;
    options.textProbability = num(values.text, '--text') ?? options.textProbability;
    if (values['scribble-erosion'] !== undefined) {
      const m = /^\s*(\d+(?:\.\d+)?)\s*,\s*(\d+(?:\.\d+)?)\s*$/.exec(values['scribble-erosion']);
      if (!m)
        throw new UsageError(
          `dias synth: --scribble-erosion needs A,B (two numbers >= 0), not '${values['scribble-erosion']}'`,
        );
      options.scribbleErosion = [Number(m[1]), Number(m[2])];
    }
    try {
      validateOptions(options);
    } catch (e) {
      throw new UsageError(`dias synth: ${(e as Error).message}`);
    }
    const total = totalCount(options.counts);
    if (total === 0) throw new UsageError('dias synth: nothing to generate (all split counts are 0)');
    const workers = int(values.workers, '--workers', 1) ?? defaultWorkers();
    const realDir = values['compare-real'];
    if (realDir !== undefined && !existsSync(realDir))
      throw new UsageError(`dias synth: --compare-real ${realDir}: no such folder`);
    const compareCount = int(values['compare-count'], '--compare-count', 1) ?? 16;
    if (values['compare-picture'] && !realDir)
      throw new UsageError('dias synth: --compare-picture needs --compare-real DIR');
    if (values['compare-only'] && !realDir) throw new UsageError('dias synth: --compare-only needs --compare-real DIR');
    if (values['compare-only'] && !existsSync(join(values.out, 'dataset.json')))
      throw new UsageError(`dias synth: --compare-only: ${values.out} has no dataset.json`);

    const c = options.counts;
    const result: Record<string, unknown> = { out: values.out };
    if (!values['compare-only']) {
      const bar = new ProgressBar('synth', total, { enabled: !values['no-progress'], unit: 'sequences' });
      const start = performance.now();
      try {
        await writeDataset({
          out: values.out,
          seed,
          preset: presetName,
          options,
          workers,
          force: values.force,
          onProgress: () => bar.tick(),
        });
      } catch (e) {
        const msg = (e as Error).message;
        if (msg.includes('use --force')) throw new UsageError(`dias synth: ${msg}`);
        throw e;
      } finally {
        bar.finish();
      }
      const seconds = (performance.now() - start) / 1000;
      Object.assign(result, { seed, preset: presetName, counts: c, seconds: Math.round(seconds * 10) / 10 });
      if (!values.json && runFolders) {
        console.log(
          `wrote ${total} complete runs of ${options.width}x${options.height} (${options.frames[0]}-${options.frames[1]} frames) to ${values.out} in ${seconds.toFixed(1)} s`,
        );
      } else if (!values.json) {
        console.log(
          `wrote ${total} sequences (training ${c.training}, validation ${c.validation}, test ${c.test}, unlabelled ${c.unlabeled}) of ${options.width}x${options.height} to ${values.out} in ${seconds.toFixed(1)} s`,
        );
      }
    }
    if (realDir) {
      const report = compareDatasetWithReal(values.out, realDir, compareCount);
      const { realFrames: _real, syntheticFrames: _synthetic, ...stats } = report;
      result.realism = stats;
      const size = `${report.syntheticFrames[0].W}x${report.syntheticFrames[0].H}`;
      if (!values.json)
        console.log(
          `\nrealism (real frames area-resampled to ${size}; synthetic: arterial-phase frames)\n${formatRealismTable(report)}`,
        );
      const picture = values['compare-picture'];
      if (picture) {
        const pic = comparisonSheet(values.out, realDir);
        writeGrayPng(picture, pic.W, pic.H, pic.data);
        result.picture = picture;
        if (!values.json) console.log(`\nwrote ${picture} (top ${pic.name.replace(' | ', ', bottom ')})`);
      }
    }
    if (values.json) console.log(JSON.stringify(result));
    return 0;
  },
};
