// `dias data check` (dataset integrity report) and `dias data show` (contact sheet of one sequence).
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { checkDataset, type DatasetReport } from '../data/readers/dataset-check.js';
import { DIAS_SPLITS, isDir, type DiasSplit } from '../data/readers/dias-layout.js';
import { parseFrameList, selectFrames } from '../data/pipeline/preprocess.js';
import { readSequence } from '../data/readers/read-sequence.js';
import { renderContactSheet } from '../eval/contact-sheet.js';
import { SCRIBBLE_KINDS, writeScribbleSet, type ScribbleKind } from '../data/scribble-set.js';
import { writeRgbPng } from '../image/png.js';
import { UsageError, type Command } from './command.js';
import { existingInput, outputFile, outsideInput, positiveIntFlag, printWarnings } from './flags.js';

const USAGE = `Usage: dias data check DIR [--json]
       dias data show PATH --out FILE.png [options]
       dias data scribbles DIR --kind auto|centreline|annotator [--set NAME] [--erosion A,B] [--seed S] [--force]

check  Reads every file of a DIAS release folder (training/ validation/ test/ unlabelled/, images/image_s{n}_i{k}.png,
       labels/label_s{n}.png, scribble folders under training/) or an nnU-Net folder (imagesTr/{case}_{XXXX}.png,
       labelsTr/, dataset.json) and reports per split: sequences, frame counts, image sizes, bit depths, label and
       scribble value sets; then every problem found (unreadable files, size or bit-depth mismatches, values out of range,
       labels or scribbles without images, missing labels, frame numbering). Exit code 1 when there are problems.
         --json          the report as JSON

show   Writes a contact sheet PNG: the frames in a grid, then the minimum intensity projection (MinIP), the label
       over it in red and the scribble over it (vessel red, background blue). PATH is anything a sequence can be
       read from: a DIAS root (with --id), a frame file image_s{n}_i{k}.png, an nnU-Net folder (with --id CASE),
       a folder of frame PNG/TIFFs (one numbered series, or the files its frames.txt lists), a .npy stack
       (T, H, W), a DICOM file (or a folder of single-frame DICOM files), a TIFF or a PNG.
         --out FILE.png  where to write (required; not inside a PATH folder)
         --id N          DIAS sequence (12 or s12) or nnU-Net case
         --split S       look the id up in one split (${DIAS_SPLITS.join(', ')})
         --scribble SET  DIAS scribble set to overlay (default: the first that has the sequence)
         --frames N      resample to N frames first (cubic B-spline along time, as the DIAS authors); default: as stored
         --select LIST   only these frames, e.g. 0,2,4-7 (after --frames)
         --subtract M    turn an unsubtracted cine into DSA: mask frame index, or 'auto' (refused for DSA)
         --tile PX       longest tile side (default 256)
         --columns N     tiles per row
         --json          print what was written as JSON

scribbles  Writes a scribble set made from the dense training labels of a DIAS-layout DIR into
       DIR/training/NAME/label_s{n}.png (1 vessel, 0 background, 255 unlabelled), for --scribbles NAME of the weak
       recipes and dias bench report:
         --kind auto        the DIAS authors' recipe: each class eroded ceil(A + u (B - A)) times, then skeletonised
         --kind centreline  the skeleton of every vessel and of the background, without erosion
         --kind annotator   a few thick strokes with gaps over the wide vessels and the background
         --set NAME      the folder below training/ (default scribbles_KIND)
         --erosion A,B   auto: the erosion range (default 4,10 at 800 px, scaled to the image as dias synth does)
         --seed S        sequence n draws from (S, n) as dias synth does: --kind auto --seed S on a dataset
                         dias synth --seed S wrote gives its training/scribbles back (default 0)
         --force         replace an existing folder of that name
       Prints how much of the vessels and of the images the set covers. The folder appears whole or not at all.`;

function printReport(report: DatasetReport): void {
  console.log(`${report.root}: ${report.format === 'dias' ? 'DIAS layout' : 'nnU-Net folder'}`);
  const fmt = (r: Record<string, number>) =>
    Object.entries(r)
      .map(([k, v]) => `${k} (${v})`)
      .join(', ') || '-';
  for (const [name, s] of Object.entries(report.splits)) {
    if (!s.sequences) continue;
    console.log(`  ${name}: ${s.sequences} sequences, ${s.labels} labels`);
    console.log(`    frames:       ${fmt(s.frameCounts)}`);
    console.log(`    sizes:        ${fmt(s.sizes)}`);
    console.log(`    bit depths:   ${fmt(s.bitDepths)}`);
    if (s.labels) console.log(`    label values: ${s.labelValues.join(', ')}`);
    for (const [set, v] of Object.entries(s.scribbles))
      console.log(`    scribble set '${set}': ${v.count} files, values ${v.values.join(', ')}`);
  }
  if (report.ok) console.log('no problems found');
  else {
    console.log(`${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}:`);
    for (const p of report.problems) console.log(`  ${p.path}: ${p.problem}`);
  }
}

async function check(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { json: { type: 'boolean' } },
  });
  if (positionals.length !== 1) throw new UsageError('dias data check: give exactly one DIR');
  const dir = positionals[0];
  if (!existsSync(dir)) throw new UsageError(`dias data check: ${dir}: no such folder`);
  if (!isDir(dir)) throw new UsageError(`dias data check: ${dir}: not a folder (give the dataset's root folder)`);
  const report = checkDataset(dir);
  if (values.json) console.log(JSON.stringify(report));
  else printReport(report);
  return report.ok ? 0 : 1;
}

async function show(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      id: { type: 'string' },
      split: { type: 'string' },
      scribble: { type: 'string' },
      frames: { type: 'string' },
      select: { type: 'string' },
      subtract: { type: 'string' },
      tile: { type: 'string' },
      columns: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('dias data show: give exactly one PATH');
  existingInput(positionals[0]);
  if (!values.out) throw new UsageError('dias data show: --out FILE.png is required');
  // The bytes are PNG whatever the name says; a .jpg holding PNG bytes misleads every viewer and tool after us.
  if (!/\.png$/i.test(values.out))
    throw new UsageError(`dias data show: --out ${values.out}: data show writes a PNG; name it .png`);
  outputFile('--out', values.out);
  outsideInput(values.out, positionals[0]);
  if (values.split !== undefined && !DIAS_SPLITS.includes(values.split as DiasSplit)) {
    throw new UsageError(`dias data show: --split must be one of ${DIAS_SPLITS.join(', ')}`);
  }
  let subtract: 'auto' | number | undefined;
  if (values.subtract !== undefined) {
    subtract = values.subtract === 'auto' ? 'auto' : Number(values.subtract);
    if (subtract !== 'auto' && (!Number.isInteger(subtract) || subtract < 0))
      throw new UsageError(`dias data show: --subtract takes 'auto' or a frame index, not '${values.subtract}'`);
  }
  let seq = await readSequence(positionals[0], {
    id: values.id,
    split: values.split as DiasSplit | undefined,
    scribble: values.scribble,
    frames: positiveIntFlag('frames', values.frames) ?? 'native',
    subtract,
  });
  printWarnings(seq);
  if (values.select) {
    let indices: number[];
    try {
      indices = parseFrameList(values.select);
    } catch (e) {
      throw new UsageError(`dias data show: --select: ${(e as Error).message}`);
    }
    seq = selectFrames(seq, indices);
  }
  const { canvas, layout } = renderContactSheet(seq, {
    tileSize: positiveIntFlag('tile', values.tile),
    columns: positiveIntFlag('columns', values.columns),
  });
  writeRgbPng(values.out, canvas.toImage());
  const summary = {
    out: values.out,
    width: layout.width,
    height: layout.height,
    sequence: seq.id,
    T: seq.T,
    H: seq.H,
    W: seq.W,
    frames: layout.frames,
    projections: layout.projections,
  };
  if (values.json) console.log(JSON.stringify(summary));
  else
    console.log(
      `wrote ${values.out} (${layout.width}x${layout.height}): sequence ${seq.id}, ${seq.T} frames of ${seq.W}x${seq.H}, ${layout.projections.join(' + ')}`,
    );
  return 0;
}

function scribbles(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      kind: { type: 'string' },
      set: { type: 'string' },
      erosion: { type: 'string' },
      seed: { type: 'string' },
      force: { type: 'boolean' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('dias data scribbles: give one DIAS-layout folder');
  const dir = existingInput(positionals[0]);
  const kind = values.kind as ScribbleKind | undefined;
  if (!kind || !SCRIBBLE_KINDS.includes(kind))
    throw new UsageError(`dias data scribbles: --kind must be one of ${SCRIBBLE_KINDS.join(', ')}`);
  let erosion: [number, number] | undefined;
  if (values.erosion !== undefined) {
    const m = /^\s*(\d+(?:\.\d+)?)\s*,\s*(\d+(?:\.\d+)?)\s*$/.exec(values.erosion);
    if (!m || Number(m[1]) > Number(m[2]))
      throw new UsageError(`dias data scribbles: --erosion needs A,B with 0 <= A <= B, not '${values.erosion}'`);
    if (kind !== 'auto') throw new UsageError(`dias data scribbles: --erosion is for --kind auto, not ${kind}`);
    erosion = [Number(m[1]), Number(m[2])];
  }
  const seed = values.seed === undefined ? 0 : Number(values.seed);
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new UsageError(`dias data scribbles: --seed must be an integer >= 0, not '${values.seed}'`);
  const r = writeScribbleSet(dir, {
    kind,
    name: values.set ?? `scribbles_${kind}`,
    erosion,
    seed,
    force: values.force,
  });
  console.log(
    `wrote ${r.dir}: ${r.sequences} scribbles (${kind}), on ${(100 * r.vesselCoverage).toFixed(1)}% of the vessel pixels and ${(100 * r.imageCoverage).toFixed(2)}% of the image`,
  );
  return 0;
}

export const dataCommand: Command = {
  name: 'data',
  summary:
    'dataset tools: integrity check of a DIAS/nnU-Net folder, contact sheet of a sequence, scribble sets from labels',
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'check') return check(rest);
    if (sub === 'show') return show(rest);
    if (sub === 'scribbles') return scribbles(rest);
    throw new UsageError(`dias data: unknown subcommand '${sub ?? ''}' (check, show or scribbles; dias data --help)`);
  },
};
