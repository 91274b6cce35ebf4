// DICOM images, above all X-ray angiography cines (XA, XRF; multi-frame), as sequences. Reads the transfer
// syntaxes of dicom-codecs.ts, 8-32 bit grey (colour becomes luminance), masks to BitsStored with sign, turns
// MONOCHROME1 into MONOCHROME2 (inverted, so vessels stay dark), applies Rescale Slope/Intercept, and keeps
// what the header knows: frame times (FrameTime, FrameTimeVector or CineRate), pixel spacing (ImagerPixelSpacing,
// else PixelSpacing), positioner angles and the view they imply. Pixel values are otherwise as stored: no VOI
// window and no subtraction (see mask-subtraction.ts).
import { closeSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { readFileBytes } from '@dias-ts/torch';
import dicomParser, { type DataSet, type Element } from 'dicom-parser';
import {
  TRANSFER_SYNTAXES,
  decodeCompressedFrame,
  nativeWords,
  type FrameFormat,
  type SampleWords,
} from './dicom-codecs.js';
import { checkPixelCount } from '../../image/pixel-limit.js';
import type { DsaSequence, SequenceMeta } from '../sequence.js';

const TAG = {
  transferSyntax: 'x00020010',
  sopClass: 'x00080016',
  modality: 'x00080060',
  imageType: 'x00080008',
  seriesDescription: 'x0008103e',
  acquisitionTime: 'x00080032',
  contentTime: 'x00080033',
  seriesInstanceUid: 'x0020000e',
  instanceNumber: 'x00200013',
  cineRate: 'x00180040',
  frameTime: 'x00181063',
  frameTimeVector: 'x00181065',
  imagerPixelSpacing: 'x00181164',
  primaryAngle: 'x00181510',
  secondaryAngle: 'x00181511',
  samplesPerPixel: 'x00280002',
  photometric: 'x00280004',
  numberOfFrames: 'x00280008',
  rows: 'x00280010',
  columns: 'x00280011',
  pixelSpacing: 'x00280030',
  bitsAllocated: 'x00280100',
  bitsStored: 'x00280101',
  pixelRepresentation: 'x00280103',
  planarConfiguration: 'x00280006',
  rescaleIntercept: 'x00281052',
  rescaleSlope: 'x00281053',
  pixelData: 'x7fe00010',
  floatPixelData: 'x7fe00008',
  doubleFloatPixelData: 'x7fe00009',
};

/** True when the bytes carry the DICM marker of a Part 10 file. */
export function looksLikeDicom(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d
  );
}

/** True when the file starts like a Part 10 DICOM file (reads its first 132 bytes only). */
export function fileHasDicmMarker(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = new Uint8Array(132);
    return readSync(fd, head, 0, 132, 0) === 132 && looksLikeDicom(head);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The reason in anything dicom-parser throws: an Error, a bare string, or (from a data set it could not finish)
 * an object { exception, dataSet } around one of those, which String() printed as [object Object].
 */
function message(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (e && typeof e === 'object' && 'exception' in e) return message(e.exception);
  return String(e);
}

/** Parses a Part 10 file; deflated data sets are inflated with node:zlib. */
export function parseDicom(bytes: Uint8Array, name: string): DataSet {
  if (!looksLikeDicom(bytes)) throw new Error(`${name}: not a DICOM file (no DICM marker at byte 128)`);
  try {
    return dicomParser.parseDicom(bytes, {
      inflater: ((arr: Uint8Array, position: number) => {
        const inflated = inflateRawSync(arr.subarray(position));
        const full = new Uint8Array(position + inflated.length);
        full.set(arr.subarray(0, position));
        full.set(inflated, position);
        return full;
      }) as unknown as (arr: Uint8Array, position: number) => void,
    });
  } catch (e) {
    const reason = message(e);
    if (/overrun|past end|beyond the end/i.test(reason)) {
      throw new Error(`${name}: truncated or corrupt DICOM: an element runs past the end of the file (${reason})`);
    }
    throw new Error(`${name}: corrupt or unreadable DICOM (${reason})`);
  }
}

function numbers(ds: DataSet, tag: string): number[] | undefined {
  const text = ds.string(tag);
  if (text === undefined || text.trim() === '') return undefined;
  const values = text.split('\\').map((s) => Number(s.trim()));
  return values.every(Number.isFinite) ? values : undefined;
}

function uint16(ds: DataSet, tag: string, fallback: number): number {
  return ds.elements[tag] ? (ds.uint16(tag) ?? fallback) : fallback;
}

export interface DicomImageInfo {
  transferSyntax: string;
  transferSyntaxName: string;
  modality?: string;
  sopClassUid?: string;
  rows: number;
  columns: number;
  frames: number;
  bitsAllocated: number;
  bitsStored: number;
  signed: boolean;
  samplesPerPixel: number;
  planarConfiguration: number;
  photometric: string;
  slope: number;
  intercept: number;
}

/** The image attributes, or a clear error for a DICOM that is not a readable image. */
export function dicomImageInfo(ds: DataSet, name: string): DicomImageInfo {
  const transferSyntax = ds.string(TAG.transferSyntax) ?? '1.2.840.10008.1.2';
  const modality = ds.string(TAG.modality);
  const sopClassUid = ds.string(TAG.sopClass);
  if (!ds.elements[TAG.pixelData]) {
    const kind =
      ds.elements[TAG.floatPixelData] || ds.elements[TAG.doubleFloatPixelData]
        ? 'float pixel data is not read'
        : 'it has no pixel data';
    throw new Error(
      `${name}: not an image DICOM (${kind}; modality ${modality ?? 'unknown'}, SOP class ${sopClassUid ?? 'unknown'})`,
    );
  }
  const rows = uint16(ds, TAG.rows, 0);
  const columns = uint16(ds, TAG.columns, 0);
  if (!rows || !columns) throw new Error(`${name}: image DICOM without Rows/Columns`);
  const bitsAllocated = uint16(ds, TAG.bitsAllocated, 0);
  if (![8, 16, 32].includes(bitsAllocated))
    throw new Error(`${name}: ${bitsAllocated || 'no'} bits allocated per sample; 8, 16 or 32 are read`);
  const bitsStored = uint16(ds, TAG.bitsStored, bitsAllocated);
  const frames = Math.max(1, Math.round(numbers(ds, TAG.numberOfFrames)?.[0] ?? 1));
  const known = TRANSFER_SYNTAXES[transferSyntax];
  return {
    transferSyntax,
    transferSyntaxName: known?.name ?? `unknown transfer syntax ${transferSyntax}`,
    modality,
    sopClassUid,
    rows,
    columns,
    frames,
    bitsAllocated,
    bitsStored: Math.min(bitsStored, bitsAllocated),
    signed: uint16(ds, TAG.pixelRepresentation, 0) === 1,
    samplesPerPixel: uint16(ds, TAG.samplesPerPixel, 1),
    planarConfiguration: uint16(ds, TAG.planarConfiguration, 0),
    photometric: (ds.string(TAG.photometric) ?? 'MONOCHROME2').trim().toUpperCase(),
    slope: numbers(ds, TAG.rescaleSlope)?.[0] ?? 1,
    intercept: numbers(ds, TAG.rescaleIntercept)?.[0] ?? 0,
  };
}

function frameBytes(ds: DataSet, pd: Element, info: DicomImageInfo, index: number, name: string): Uint8Array {
  const encoding = TRANSFER_SYNTAXES[info.transferSyntax]?.encoding;
  if (encoding === 'native' || encoding === 'native-big-endian') {
    const size = (info.rows * info.columns * info.samplesPerPixel * info.bitsAllocated) / 8;
    const start = pd.dataOffset + index * size;
    if ((index + 1) * size > pd.length || start + size > ds.byteArray.length) {
      throw new Error(
        `${name}: pixel data truncated (frame ${index} of ${info.frames} ends past the ${pd.length} bytes present)`,
      );
    }
    return ds.byteArray.subarray(start, start + size);
  }
  const fragments = pd.fragments ?? [];
  if (!fragments.length) throw new Error(`${name}: compressed pixel data without fragments`);
  try {
    if (pd.basicOffsetTable && pd.basicOffsetTable.length) return dicomParser.readEncapsulatedImageFrame(ds, pd, index);
    if (info.frames === 1) return dicomParser.readEncapsulatedPixelDataFromFragments(ds, pd, 0, fragments.length);
    if (fragments.length === info.frames) return dicomParser.readEncapsulatedPixelDataFromFragments(ds, pd, index, 1);
    if (encoding === 'jpeg-baseline' || encoding === 'jpeg-lossless') {
      const table = dicomParser.createJPEGBasicOffsetTable(ds, pd);
      return dicomParser.readEncapsulatedImageFrame(ds, pd, index, table);
    }
  } catch (e) {
    throw new Error(`${name}: cannot find frame ${index} in the compressed pixel data (${message(e)})`);
  }
  throw new Error(
    `${name}: ${fragments.length} fragments for ${info.frames} frames and no offset table; cannot split the frames`,
  );
}

/** Stored words -> grey values: colour to luminance, BitsStored mask and sign, MONOCHROME1 inversion, rescale. */
function wordsToGrey(words: SampleWords, info: DicomImageInfo, decodedToRgb: boolean): Float32Array {
  const n = info.rows * info.columns;
  const spp = info.samplesPerPixel;
  const out = new Float32Array(n);
  const bits = info.bitsStored;
  const mask = 2 ** bits - 1;
  const half = 2 ** (bits - 1);
  const value = (w: number): number => {
    const v = bits >= 32 ? w >>> 0 : w % (mask + 1);
    return info.signed && v >= half ? v - 2 * half : v;
  };
  if (spp === 1) {
    for (let i = 0; i < n; i++) out[i] = value(words[i]);
  } else if (spp === 3) {
    // YBR data that no decoder converted: its Y is the luminance; RGB (including what the JPEG decoder made of YBR):
    // BT.601 luma.
    const isYbr = info.photometric.startsWith('YBR') && !decodedToRgb;
    for (let i = 0; i < n; i++) {
      const o = i * 3;
      out[i] = isYbr
        ? value(words[o])
        : (value(words[o]) * 299 + value(words[o + 1]) * 587 + value(words[o + 2]) * 114) / 1000;
    }
  } else throw new Error(`${spp} samples per pixel`);
  if (info.photometric === 'MONOCHROME1') {
    // Inverted within the stored range, before rescale: low values become bright, as in MONOCHROME2.
    for (let i = 0; i < n; i++) out[i] = info.signed ? -out[i] - 1 : mask - out[i];
  }
  if (info.slope !== 1 || info.intercept !== 0)
    for (let i = 0; i < n; i++) out[i] = out[i] * info.slope + info.intercept;
  return out;
}

function frameTimes(ds: DataSet, frames: number): number[] | undefined {
  const vector = numbers(ds, TAG.frameTimeVector);
  if (vector && vector.length === frames) {
    const times: number[] = [];
    let t = 0;
    vector.forEach((dt, i) => times.push((t += i === 0 ? 0 : dt)));
    return times;
  }
  const ft =
    numbers(ds, TAG.frameTime)?.[0] ??
    (numbers(ds, TAG.cineRate)?.[0] ? 1000 / numbers(ds, TAG.cineRate)![0] : undefined);
  if (ft !== undefined && ft > 0 && frames > 1) return Array.from({ length: frames }, (_, k) => k * ft);
  return undefined;
}

/** 'AP' when the C-arm is within 45 degrees of frontal (primary angle), 'LAT' otherwise. */
export function viewFromAngles(primary: number): 'AP' | 'LAT' {
  const a = Math.abs(primary) % 180;
  return a < 45 || a > 135 ? 'AP' : 'LAT';
}

function headerMeta(ds: DataSet, info: DicomImageInfo): SequenceMeta {
  const meta: SequenceMeta = {
    modality: info.modality,
    sopClassUid: info.sopClassUid,
    transferSyntax: info.transferSyntaxName,
    photometric: info.photometric,
    bitsStored: info.bitsStored,
    rescale: { slope: info.slope, intercept: info.intercept },
  };
  const times = frameTimes(ds, info.frames);
  if (times) meta.frameTimes = times;
  const spacing = numbers(ds, TAG.imagerPixelSpacing) ?? numbers(ds, TAG.pixelSpacing);
  if (spacing && spacing.length >= 2) meta.pixelSpacing = [spacing[0], spacing[1]];
  const primary = numbers(ds, TAG.primaryAngle)?.[0];
  const secondary = numbers(ds, TAG.secondaryAngle)?.[0];
  if (primary !== undefined) {
    meta.positionerAngles = { primary, secondary: secondary ?? 0 };
    meta.view = viewFromAngles(primary);
  }
  const imageType = ds.string(TAG.imageType);
  if (imageType) meta.imageType = imageType.split('\\');
  const description = ds.string(TAG.seriesDescription);
  if (description) meta.seriesDescription = description;
  return meta;
}

/** Where one file sits in its series: what a folder of single-frame files is ordered by. */
export interface SeriesPosition {
  seriesInstanceUid?: string;
  instanceNumber?: number;
  /** Acquisition (else content) time of day in milliseconds. */
  timeMs?: number;
}

/** DICOM TM (HHMMSS.FFFFFF, fields optional from the right) in milliseconds since midnight. */
export function dicomTimeMs(tm: string | undefined): number | undefined {
  const m = /^(\d{2})(\d{2})?(\d{2})?(?:\.(\d{1,6}))?$/.exec((tm ?? '').trim());
  if (!m) return undefined;
  const fraction = m[4] ? Number(`0.${m[4]}`) : 0;
  return ((Number(m[1]) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0) + fraction) * 1000;
}

export function seriesPosition(ds: DataSet): SeriesPosition {
  return {
    seriesInstanceUid: ds.string(TAG.seriesInstanceUid)?.trim() || undefined,
    instanceNumber: numbers(ds, TAG.instanceNumber)?.[0],
    timeMs: dicomTimeMs(ds.string(TAG.acquisitionTime)) ?? dicomTimeMs(ds.string(TAG.contentTime)),
  };
}

/** Decodes a DICOM file's frames into a sequence (values in modality units after rescale). */
export async function decodeDicom(bytes: Uint8Array, name: string): Promise<DsaSequence> {
  return decodeDicomDataSet(parseDicom(bytes, name), name);
}

/** decodeDicom for a data set already parsed. */
export async function decodeDicomDataSet(ds: DataSet, name: string): Promise<DsaSequence> {
  const info = dicomImageInfo(ds, name);
  const syntax = TRANSFER_SYNTAXES[info.transferSyntax];
  if (!syntax) throw new Error(`${name}: unknown transfer syntax ${info.transferSyntax}`);
  if (syntax.encoding === 'unsupported')
    throw new Error(
      `${name}: ${syntax.name} (${info.transferSyntax}) pixel data is not supported; convert it (e.g. to JPEG-LS or uncompressed)`,
    );
  if (info.samplesPerPixel !== 1 && info.samplesPerPixel !== 3)
    throw new Error(`${name}: ${info.samplesPerPixel} samples per pixel; grey (1) or colour (3) is read`);
  checkPixelCount(
    name,
    `${info.columns}x${info.rows}${info.frames > 1 ? ` x ${info.frames} frames` : ''}`,
    info.rows * info.columns * info.frames,
  );
  const pd = ds.elements[TAG.pixelData];
  const format: FrameFormat = {
    rows: info.rows,
    columns: info.columns,
    bitsAllocated: info.bitsAllocated,
    samplesPerPixel: info.samplesPerPixel,
    planarConfiguration: info.planarConfiguration,
  };
  const n = info.rows * info.columns;
  const frames = new Float32Array(info.frames * n);
  for (let t = 0; t < info.frames; t++) {
    const where = `${name} frame ${t}`;
    const raw = frameBytes(ds, pd, info, t, name);
    const native = syntax.encoding === 'native' || syntax.encoding === 'native-big-endian';
    const words = native
      ? nativeWords(raw, format, syntax.encoding === 'native-big-endian', where)
      : await decodeCompressedFrame(syntax.encoding, raw, format, where);
    frames.set(wordsToGrey(words, info, syntax.encoding === 'jpeg-baseline'), t * n);
  }
  return {
    id: basename(name).replace(/\.dcm$/i, ''),
    source: name,
    frames,
    T: info.frames,
    H: info.rows,
    W: info.columns,
    meta: headerMeta(ds, info),
  };
}

export async function readDicom(path: string): Promise<DsaSequence> {
  return decodeDicom(readFileBytes(path), path);
}
