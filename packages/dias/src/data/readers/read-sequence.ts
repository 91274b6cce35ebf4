// One entry point for every source a sequence can come from; the format is detected from the path:
//   a DIAS root folder (needs options.id)      -> that sequence, label and scribble attached
//   a frame file image_s{n}_i{k}.png            -> the whole sequence n (from its DIAS root when there is one)
//   an nnU-Net folder (needs options.id = case) -> that case
//   a folder of single-frame DICOM files        -> one series in instance order (dicom-series.ts)
//   any other folder                            -> its numbered frame series or frames.txt (frame-folder.ts)
//   .npy                                        -> a (T, H, W) stack (npy-sequence.ts)
//   .dcm, or any file with the DICM marker      -> DICOM frames (dicom.ts), optionally mask-subtracted
//   .tif/.tiff                                  -> one frame per page
//   .png                                        -> one frame (T = 1)
// A single image, TIFF or .npy picks up its label from a sibling labels/ folder (images/x.png <-> labels/x.png).
// Nothing is resampled unless options.frames asks for it.
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import {
  DIAS_SPLITS,
  isDiasRoot,
  isDir,
  loadDiasSequence,
  openDiasDataset,
  type DiasSplit,
  type SequenceRef,
} from './dias-layout.js';
import { fileHasDicmMarker, readDicom } from './dicom.js';
import { dicomFilesIn, readDicomSeries } from './dicom-series.js';
import { hasFrameImages, readFrameFolder } from './frame-folder.js';
import { firstFrameGray, readImageFrames, stackFrames } from './image-frames.js';
import { subtractMask } from '../pipeline/mask-subtraction.js';
import { labelFromGray } from './masks.js';
import { isNnunetFolder, openNnunetFolder, readNnunetCase } from './nnunet-folder.js';
import { readNpySequence } from './npy-sequence.js';
import { resampleSequence, type ResampleOptions } from '../pipeline/temporal-resample.js';
import type { DsaSequence } from '../sequence.js';

export type SequenceFormat =
  'dias' | 'dias-frame' | 'nnunet' | 'frame-folder' | 'dicom-series' | 'npy' | 'dicom' | 'tiff' | 'png';

export interface ReadSequenceOptions extends ResampleOptions {
  /** The sequence in a DIAS root (a number, or 's12') or the case in an nnU-Net folder. */
  id?: string | number;
  /** Restricts the DIAS id lookup to one split. */
  split?: DiasSplit;
  /** Frames to resample to; default 'native' (as stored). */
  frames?: number | 'native';
  /** DICOM (or any source): turn an unsubtracted cine into DSA with this mask frame, or 'auto'. */
  subtract?: 'auto' | number;
  /** DIAS: scribble set to attach (default the first that has the sequence), or false. */
  scribble?: string | false;
}

const DIAS_FRAME = /^image_s(\d+)_i(\d+)\.png$/i;

export function detectFormat(path: string): SequenceFormat {
  if (!existsSync(path)) throw new Error(`${path}: no such file or folder`);
  if (isDir(path)) {
    if (isDiasRoot(path)) return 'dias';
    if (isNnunetFolder(path)) return 'nnunet';
    if (!hasFrameImages(path) && dicomFilesIn(path).length) return 'dicom-series';
    return 'frame-folder';
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.npy') return 'npy';
  if (ext === '.dcm' || ext === '.dicom' || fileHasDicmMarker(path)) return 'dicom';
  if (ext === '.tif' || ext === '.tiff') return 'tiff';
  if (ext === '.png') return DIAS_FRAME.test(basename(path)) ? 'dias-frame' : 'png';
  throw new Error(`${path}: unknown sequence format (expected a folder, .png, .tif, .npy or DICOM)`);
}

function parseId(id: string | number | undefined, path: string): number {
  const m = /^s?(\d+)$/i.exec(String(id ?? ''));
  if (!m)
    throw new Error(
      `${path}: a DIAS dataset; say which sequence (id such as 12 or s12)${id === undefined ? '' : `, not '${id}'`}`,
    );
  return Number(m[1]);
}

function fromDiasRoot(root: string, id: number, options: ReadSequenceOptions): DsaSequence {
  const dataset = openDiasDataset(root);
  const ref = dataset.find(id, options.split);
  if (!ref) {
    const ids = DIAS_SPLITS.flatMap((s) => dataset.splits[s].map((r) => r.id));
    // An id that names no sequence is the command line's to fix (--id): a usage error, exit code 2.
    throw Object.assign(
      new Error(
        `${root}: no sequence s${id}${options.split ? ` in ${options.split}` : ''} (ids ${ids.length ? `${Math.min(...ids)}..${Math.max(...ids)}` : 'none'})`,
      ),
      { exitCode: 2 },
    );
  }
  return loadDiasSequence(ref, { ...options, frames: 'native' });
}

/** A DIAS frame file: its dataset when one encloses it, else the frames beside it plus ../labels/label_s{n}.png. */
function fromDiasFrame(path: string, options: ReadSequenceOptions): DsaSequence {
  const id = Number(DIAS_FRAME.exec(basename(path))![1]);
  let dir = dirname(path);
  for (let up = 0; up < 3; up++) {
    dir = dirname(dir);
    if (isDiasRoot(dir)) {
      const ref = openDiasDataset(dir).find(id);
      if (ref && ref.frames.some((f) => f.path === path))
        return loadDiasSequence(ref, { ...options, frames: 'native' });
    }
  }
  const folder = dirname(path);
  const frames = readdirSync(folder)
    .map((name) => ({ name, m: DIAS_FRAME.exec(name) }))
    .filter((x) => x.m && Number(x.m[1]) === id)
    .sort((a, b) => Number(a.m![2]) - Number(b.m![2]))
    .map((x) => ({ index: Number(x.m![2]), path: join(folder, x.name) }));
  const labelPath = join(dirname(folder), 'labels', `label_s${id}.png`);
  const ref: SequenceRef = {
    split: 'test',
    id,
    frames,
    label: existsSync(labelPath) ? labelPath : undefined,
    scribbles: {},
  };
  const seq = loadDiasSequence(ref, { ...options, frames: 'native', scribble: false });
  delete seq.meta.split;
  return seq;
}

/** images/x.png -> labels/x.png (or .tif), when it exists. */
function siblingLabel(path: string): string | undefined {
  const stem = basename(path).replace(/\.[^.]+$/, '');
  const labels = join(dirname(dirname(path)), 'labels');
  for (const ext of ['.png', '.tif', '.tiff'])
    if (existsSync(join(labels, stem + ext))) return join(labels, stem + ext);
  return undefined;
}

function fromImageFile(path: string): DsaSequence {
  const image = readImageFrames(path);
  const { frames, T, H, W } = stackFrames([{ path, image }]);
  const labelPath = siblingLabel(path);
  let label: Uint8Array | undefined;
  if (labelPath) {
    const img = readImageFrames(labelPath);
    if (img.width !== W || img.height !== H)
      throw new Error(`${labelPath}: ${img.width}x${img.height}, but ${path} is ${W}x${H}`);
    label = labelFromGray(firstFrameGray(img), labelPath);
  }
  return {
    id: basename(path).replace(/\.[^.]+$/, ''),
    source: path,
    frames,
    T,
    H,
    W,
    label,
    meta: { bitDepth: image.bitDepth },
  };
}

async function readNative(path: string, format: SequenceFormat, options: ReadSequenceOptions): Promise<DsaSequence> {
  switch (format) {
    case 'dias':
      return fromDiasRoot(path, parseId(options.id, path), options);
    case 'dias-frame':
      return fromDiasFrame(path, options);
    case 'nnunet': {
      const folder = openNnunetFolder(path);
      if (options.id === undefined)
        throw new Error(`${path}: an nnU-Net folder; say which case (id), e.g. ${folder.cases[0]?.name ?? 'case_000'}`);
      return readNnunetCase(folder, String(options.id));
    }
    case 'frame-folder':
      return readFrameFolder(path);
    case 'dicom-series':
      return readDicomSeries(path);
    case 'npy':
      return readNpySequence(path);
    case 'dicom':
      return readDicom(path);
    case 'tiff':
    case 'png':
      return fromImageFile(path);
  }
}

/**
 * Mask subtraction of a DSA sequence divides every frame by a frame that already has the vessels removed: a
 * second subtraction that looks plausible and is wrong. Where the source says it is DSA (the DIAS layout, a DICOM
 * marked SUBTRACTED) --subtract is an error; where nothing says (.npy, images, unmarked DICOM) it is done as
 * asked, with a warning.
 */
export function subtractChecked(seq: DsaSequence, format: SequenceFormat, mask: 'auto' | number): DsaSequence {
  if (format === 'dias' || format === 'dias-frame') {
    throw new Error(
      `${seq.source}: s${seq.id}: a DIAS sequence, already subtracted (DSA); --subtract is for unsubtracted cines`,
    );
  }
  const imageType = seq.meta.imageType;
  const marked = Array.isArray(imageType) && imageType.some((v) => /SUBTRACT/i.test(String(v)));
  if (marked)
    throw new Error(`${seq.source}: marked SUBTRACTED (ImageType), already DSA; --subtract is for unsubtracted cines`);
  const out = subtractMask(seq, { mask });
  if (Array.isArray(imageType)) return out; // a DICOM ImageType without SUBTRACTED: an original cine
  const hint = format === 'npy' ? ', as the .npy stacks of the DIAS release are' : '';
  const maskFrame = (out.meta.subtraction as { maskFrame: number }).maskFrame;
  const warning = `${seq.source}: nothing says whether it is subtracted; subtracted mask frame ${maskFrame} as --subtract asked (if it is DSA already${hint}, drop --subtract)`;
  return { ...out, meta: { ...out.meta, warnings: [...(out.meta.warnings ?? []), warning] } };
}

/** Reads a sequence from any supported source (see the file comment). */
export async function readSequence(path: string, options: ReadSequenceOptions = {}): Promise<DsaSequence> {
  const format = detectFormat(path);
  let seq = await readNative(path, format, options);
  if (options.subtract !== undefined) seq = subtractChecked(seq, format, options.subtract);
  const target = options.frames ?? 'native';
  if (target !== 'native' && target !== seq.T) seq = resampleSequence(seq, target, options);
  return seq;
}
