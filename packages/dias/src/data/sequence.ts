// A DSA sequence as the whole system passes it around: T frames of H x W, with optional dense label and scribble.
// Plain typed arrays, so readers, the generator and reports need no tensors; training turns them into tensors.

export interface SequenceMeta {
  /** 'AP' (frontal) or 'LAT' (lateral) when known. */
  view?: string;
  /** Millimetres per pixel (row, column) when known. */
  pixelSpacing?: [number, number];
  /** Acquisition time of each frame in milliseconds from the first, when known. */
  frameTimes?: number[];
  /**
   * What the reader took on trust and the user should hear about (images left out of a frame folder, DICOM
   * frames whose headers differ); commands print each line as a warning.
   */
  warnings?: string[];
  /** The frame count as stored, when the reader resampled the sequence to another one. */
  resampledFrom?: number;
  /** Anything else a reader knows (DICOM tags, generator parameters). */
  [key: string]: unknown;
}

export interface DsaSequence {
  /** A stable identifier, e.g. '12' for DIAS sequence s12, or a file stem. */
  id: string;
  /** Where it came from (a path or a generator description), for messages. */
  source: string;
  /** Frames, row-major [T][H][W]; 8-bit sources keep their 0..255 values until normalised. */
  frames: Float32Array;
  T: number;
  H: number;
  W: number;
  /** Dense label, H x W: 1 vessel (artery), 0 background; read as the artery/vein set (meta.labels 'av'),
   * 0 background, 1 artery, 2 vein (data/label-set.ts). */
  label?: Uint8Array;
  /** Scribble, H x W: 1 vessel, 0 background, 255 unlabelled. */
  scribble?: Uint8Array;
  meta: SequenceMeta;
}

export const SCRIBBLE_UNLABELLED = 255;

/** One frame of a sequence as a view (no copy). */
export function frameOf(seq: DsaSequence, t: number): Float32Array {
  if (t < 0 || t >= seq.T) throw new Error(`${seq.source}: frame ${t} out of range (T = ${seq.T})`);
  const n = seq.H * seq.W;
  return seq.frames.subarray(t * n, (t + 1) * n);
}
