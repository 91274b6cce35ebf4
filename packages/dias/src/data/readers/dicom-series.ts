// A folder of single-frame DICOM files, one per frame, as PACS exports and many angiography systems write a run:
// one series, ordered by Instance Number (then acquisition time, then file name). Frame times come from the
// acquisition (or content) times when every file has one and they increase. A folder holding a single
// multi-frame file reads as that file. Headers that differ between the files (spacing, view, scaling) are
// reported in meta.warnings.
import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { readFileBytes } from '@dias-ts/torch';
import { decodeDicomDataSet, fileHasDicmMarker, parseDicom, seriesPosition, type SeriesPosition } from './dicom.js';
import { compareNatural } from './natural-order.js';
import type { DsaSequence } from '../sequence.js';

const DICOM_EXT = new Set(['.dcm', '.dicom', '.ima']);

/** The DICOM files in a folder: by extension, or extension-less files with the DICM marker. */
export function dicomFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => !name.startsWith('.'))
    .map((name) => join(dir, name))
    .filter((path) => {
      const ext = extname(path).toLowerCase();
      if (DICOM_EXT.has(ext)) return true;
      return ext === '' && statSync(path).isFile() && fileHasDicmMarker(path);
    })
    .sort(compareNatural);
}

interface SeriesFile {
  path: string;
  position: SeriesPosition;
  sequence: DsaSequence;
}

function byPosition(a: SeriesFile, b: SeriesFile): number {
  const [ia, ib] = [a.position.instanceNumber, b.position.instanceNumber];
  if (ia !== undefined && ib !== undefined && ia !== ib) return ia - ib;
  const [ta, tb] = [a.position.timeMs, b.position.timeMs];
  if (ta !== undefined && tb !== undefined && ta !== tb) return ta - tb;
  return compareNatural(basename(a.path), basename(b.path));
}

/** Header values that should not change within a run; a change means frames of another acquisition or scaling. */
const CONSTANT_HEADERS: [string, (m: DsaSequence['meta']) => unknown][] = [
  ['modality', (m) => m.modality],
  ['photometric interpretation', (m) => m.photometric],
  ['bits stored', (m) => m.bitsStored],
  ['rescale', (m) => (m.rescale ? Object.values(m.rescale) : undefined)],
  ['pixel spacing', (m) => m.pixelSpacing],
  ['view', (m) => m.view],
];

/**
 * One warning per header that differs between the files of a series (the first file that differs, and how many
 * do): same series UID, yet a frame with another spacing or view is likely from another acquisition. A warning,
 * not an error: some systems write such series on purpose (a C-arm moved during a run).
 */
function headerDifferences(files: SeriesFile[]): string[] {
  const show = (v: unknown) =>
    v === undefined
      ? 'none'
      : Array.isArray(v)
        ? v.join(', ')
        : typeof v === 'string'
          ? v
          : (JSON.stringify(v) ?? typeof v);
  const first = files[0];
  const warnings: string[] = [];
  for (const [name, get] of CONSTANT_HEADERS) {
    const want = show(get(first.sequence.meta));
    const odd = files.filter((f) => show(get(f.sequence.meta)) !== want);
    if (!odd.length) continue;
    const more = odd.length > 1 ? ` (${odd.length - 1} more file${odd.length > 2 ? 's' : ''} differ too)` : '';
    warnings.push(
      `${odd[0].path}: ${name} ${show(get(odd[0].sequence.meta))}, but ${basename(first.path)} has ${want}${more}`,
    );
  }
  return warnings;
}

export async function readDicomSeries(dir: string): Promise<DsaSequence> {
  const paths = dicomFilesIn(dir);
  if (!paths.length) throw new Error(`${dir}: no DICOM files (.dcm, .dicom, .ima, or files with the DICM marker)`);
  const files: SeriesFile[] = [];
  for (const path of paths) {
    const ds = parseDicom(readFileBytes(path), path);
    files.push({ path, position: seriesPosition(ds), sequence: await decodeDicomDataSet(ds, path) });
  }
  if (files.length === 1) return { ...files[0].sequence, meta: { ...files[0].sequence.meta, frameFiles: paths } };

  const multi = files.filter((f) => f.sequence.T > 1);
  if (multi.length) {
    throw new Error(
      `${dir}: ${multi.length} of its ${files.length} DICOM files hold several frames (${basename(multi[0].path)}: ${multi[0].sequence.T}); read one cine file at a time`,
    );
  }
  const series = new Map<string, number>();
  for (const f of files)
    series.set(
      f.position.seriesInstanceUid ?? '(none)',
      (series.get(f.position.seriesInstanceUid ?? '(none)') ?? 0) + 1,
    );
  if (series.size > 1) {
    const list = [...series].map(([uid, n]) => `${uid}: ${n} file${n === 1 ? '' : 's'}`).join('; ');
    throw new Error(`${dir}: DICOM files of ${series.size} series (${list}); put each series in its own folder`);
  }
  files.sort(byPosition);
  const { H, W } = files[0].sequence;
  const odd = files.find((f) => f.sequence.H !== H || f.sequence.W !== W);
  if (odd)
    throw new Error(`${odd.path}: ${odd.sequence.W}x${odd.sequence.H}, but ${basename(files[0].path)} is ${W}x${H}`);

  const warnings = headerDifferences(files);

  const frames = new Float32Array(files.length * H * W);
  files.forEach((f, t) => frames.set(f.sequence.frames, t * H * W));
  const { frameTimes: _single, ...meta } = files[0].sequence.meta;
  const times = files.map((f) => f.position.timeMs);
  const frameTimes = times.every((t, k) => t !== undefined && (k === 0 || t > times[k - 1]!))
    ? times.map((t) => t! - times[0]!)
    : undefined;
  return {
    id: basename(dir),
    source: dir,
    frames,
    T: files.length,
    H,
    W,
    meta: {
      ...meta,
      ...(frameTimes ? { frameTimes } : {}),
      seriesInstanceUid: files[0].position.seriesInstanceUid,
      frameFiles: files.map((f) => f.path),
      ...(warnings.length ? { warnings } : {}),
    },
  };
}
