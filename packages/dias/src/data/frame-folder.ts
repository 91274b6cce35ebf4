// A plain folder of frame images (PNG or TIFF, a TIFF adding all its pages) in numeric name order
// (frame_2.png before frame_10.png). One file named label*, mask* or gt* (PNG) is the label, not a frame.
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isImageFile, readImageFrames, stackFrames } from './image-frames.js';
import { readLabelPng } from './masks.js';
import { compareNatural } from './natural-order.js';
import type { DsaSequence } from './sequence.js';

const LABEL_FILE = /^(label|mask|gt)([_\-.]|$)/i;

export function frameFolderFiles(dir: string): { frames: string[]; label?: string } {
  const names = readdirSync(dir).filter((n) => !n.startsWith('.') && isImageFile(n)).sort(compareNatural);
  const labels = names.filter((n) => LABEL_FILE.test(n));
  if (labels.length > 1) throw new Error(`${dir}: more than one label file (${labels.join(', ')})`);
  const frames = names.filter((n) => !LABEL_FILE.test(n)).map((n) => join(dir, n));
  return { frames, label: labels[0] && join(dir, labels[0]) };
}

export function readFrameFolder(dir: string): DsaSequence {
  const { frames: files, label: labelPath } = frameFolderFiles(dir);
  if (!files.length) throw new Error(`${dir}: no frame images (.png, .tif, .tiff)`);
  const parts = files.map((path) => ({ path, image: readImageFrames(path) }));
  const { frames, T, H, W } = stackFrames(parts);
  const label = labelPath ? readLabelPng(labelPath, W, H, 'the frames are') : undefined;
  return {
    id: basename(dir),
    source: dir,
    frames,
    T,
    H,
    W,
    label,
    meta: { frameFiles: files, bitDepth: parts[0].image.bitDepth },
  };
}
