// Frame times of sources whose files do not carry them (PNG/TIFF frame folders, .npy stacks), from a sidecar file
// beside them. DICOM carries its own (Frame Time Vector, Frame Time or Cine Rate; acquisition times across a
// series: dicom.ts, dicom-series.ts).
//   frame folder   DIR/frame_times.json or DIR/frame_times.txt
//   .npy stack     X.frame_times.json or X.frame_times.txt beside X.npy
// Formats: JSON, either an array of numbers or an object {"frame_times_ms": [...]}; text, one number per line
// (blank lines and # comments skipped). Milliseconds, one per frame, strictly increasing; any origin (the times are
// shifted to start at 0, as SequenceMeta.frameTimes holds them). Anything else is an error naming the file.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FRAME_TIMES_JSON = 'frame_times.json';
export const FRAME_TIMES_TXT = 'frame_times.txt';

/** The sidecar of a frame folder (stem undefined) or of the stack DIR/stem.npy, if there is one. */
export function findFrameTimesSidecar(dir: string, stem?: string): string | undefined {
  const names =
    stem === undefined
      ? [FRAME_TIMES_JSON, FRAME_TIMES_TXT]
      : [`${stem}.${FRAME_TIMES_JSON}`, `${stem}.${FRAME_TIMES_TXT}`];
  const found = names.map((n) => join(dir, n)).filter((p) => existsSync(p));
  if (found.length > 1) throw new Error(`${found[0]} and ${found[1]}: two frame-time files; keep one`);
  return found[0];
}

function parseTimes(path: string, text: string): unknown[] {
  if (path.toLowerCase().endsWith('.json')) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
    }
    if (Array.isArray(value)) return value;
    if (value && typeof value === 'object' && Array.isArray((value as { frame_times_ms?: unknown }).frame_times_ms))
      return (value as { frame_times_ms: unknown[] }).frame_times_ms;
    throw new Error(`${path}: expected an array of frame times in ms, or {"frame_times_ms": [...]}`);
  }
  const out: unknown[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.replace(/#.*/, '').trim();
    if (!t) return;
    const v = Number(t);
    if (!Number.isFinite(v)) throw new Error(`${path}: line ${i + 1}: '${t}' is not a number (ms)`);
    out.push(v);
  });
  return out;
}

/** Reads and checks a sidecar for a sequence of `frames` frames; returns ms from the first frame. */
export function readFrameTimes(path: string, frames: number): number[] {
  const values = parseTimes(path, readFileSync(path, 'utf8'));
  values.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new Error(`${path}: frame time ${i} is ${JSON.stringify(v)}, not a number (ms)`);
  });
  const times = values as number[];
  if (times.length !== frames)
    throw new Error(`${path}: ${times.length} frame times for ${frames} frame${frames === 1 ? '' : 's'}`);
  for (let i = 1; i < times.length; i++) {
    if (!(times[i] > times[i - 1]))
      throw new Error(
        `${path}: frame times must increase; frame ${i} (${times[i]} ms) is not after frame ${i - 1} (${times[i - 1]} ms)`,
      );
  }
  return times.map((t) => t - times[0]);
}
