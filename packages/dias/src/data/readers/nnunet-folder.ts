// An nnU-Net-style 2D dataset folder: imagesTr/{case}_{XXXX}.png (XXXX = frame as a 4-digit channel index),
// labelsTr/{case}.png (0/1, nnU-Net's encoding; 0/255 is accepted), optional imagesTs/, and dataset.json
// (channel_names in v2, modality in v1; file_ending defaults to .png).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDir, type DatasetProblem } from './dias-layout.js';
import { readImageFrames, stackFrames } from './image-frames.js';
import { readLabelPng } from './masks.js';
import { compareNatural } from './natural-order.js';
import type { DsaSequence } from '../sequence.js';

export interface NnunetCase {
  name: string;
  split: 'train' | 'test';
  /** Frame files in channel order. */
  frames: string[];
  label?: string;
}

export interface NnunetFolder {
  root: string;
  fileEnding: string;
  /** Channels per case that dataset.json declares, when it does. */
  channels?: number;
  cases: NnunetCase[];
  problems: DatasetProblem[];
}

export function isNnunetFolder(dir: string): boolean {
  return isDir(join(dir, 'imagesTr')) || (existsSync(join(dir, 'dataset.json')) && isDir(join(dir, 'imagesTs')));
}

export function openNnunetFolder(dir: string): NnunetFolder {
  if (!isNnunetFolder(dir)) throw new Error(`${dir}: not an nnU-Net folder (no imagesTr/)`);
  const problems: DatasetProblem[] = [];
  let fileEnding = '.png';
  let channels: number | undefined;
  const jsonPath = join(dir, 'dataset.json');
  if (existsSync(jsonPath)) {
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(readFileSync(jsonPath, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`${jsonPath}: not valid JSON (${(e as Error).message})`);
    }
    // JSON.parse('null') is null: every field read below would then fail without the file's name.
    if (json === null || typeof json !== 'object' || Array.isArray(json))
      throw new Error(`${jsonPath}: not a JSON object`);
    if (typeof json.file_ending === 'string') fileEnding = json.file_ending;
    else if (json.file_ending !== undefined)
      problems.push({
        path: jsonPath,
        problem: `file_ending must be a string such as ".png", got ${JSON.stringify(json.file_ending)}`,
      });
    const key = json.channel_names !== undefined ? 'channel_names' : 'modality';
    const names = json[key];
    if (names && typeof names === 'object' && !Array.isArray(names)) channels = Object.keys(names).length;
    else if (names !== undefined)
      problems.push({
        path: jsonPath,
        problem: `${key} must map channel indices to names, got ${JSON.stringify(names)}`,
      });
  }
  const pattern = new RegExp(`^(.+)_(\\d{4})${fileEnding.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'i');
  const cases: NnunetCase[] = [];
  for (const [sub, split] of [
    ['imagesTr', 'train'],
    ['imagesTs', 'test'],
  ] as const) {
    const imagesDir = join(dir, sub);
    if (!isDir(imagesDir)) continue;
    const byCase = new Map<string, { index: number; path: string }[]>();
    for (const name of readdirSync(imagesDir).filter((n) => !n.startsWith('.'))) {
      const m = pattern.exec(name);
      if (!m) {
        problems.push({ path: join(imagesDir, name), problem: `not named {case}_{XXXX}${fileEnding}` });
        continue;
      }
      const list = byCase.get(m[1]) ?? [];
      list.push({ index: Number(m[2]), path: join(imagesDir, name) });
      byCase.set(m[1], list);
    }
    const labelsDir = join(dir, split === 'train' ? 'labelsTr' : 'labelsTs');
    const labelNames = new Set(isDir(labelsDir) ? readdirSync(labelsDir) : []);
    for (const name of [...byCase.keys()].sort(compareNatural)) {
      const list = byCase.get(name)!.sort((a, b) => a.index - b.index);
      list.forEach((f, i) => {
        if (f.index !== i)
          problems.push({ path: f.path, problem: `channel ${String(i).padStart(4, '0')} of case ${name} is missing` });
      });
      if (channels !== undefined && list.length !== channels) {
        problems.push({
          path: list[0].path,
          problem: `case ${name} has ${list.length} frames; dataset.json declares ${channels} channels`,
        });
      }
      const labelName = `${name}${fileEnding}`;
      const label = labelNames.has(labelName) ? join(labelsDir, labelName) : undefined;
      labelNames.delete(labelName);
      if (split === 'train' && !label)
        problems.push({ path: list[0].path, problem: `case ${name} has no label (${join(labelsDir, labelName)})` });
      cases.push({ name, split, frames: list.map((f) => f.path), label });
    }
    for (const orphan of labelNames)
      if (!orphan.startsWith('.')) problems.push({ path: join(labelsDir, orphan), problem: 'label without images' });
  }
  return { root: dir, fileEnding, channels, cases, problems };
}

export function readNnunetCase(folder: NnunetFolder, name: string): DsaSequence {
  const c = folder.cases.find((x) => x.name === name);
  if (!c)
    throw new Error(
      `${folder.root}: no case '${name}' (cases: ${folder.cases
        .slice(0, 8)
        .map((x) => x.name)
        .join(', ')}${folder.cases.length > 8 ? ', ...' : ''})`,
    );
  // The rules of data check hold here too: a readable dataset.json, no channel missing, as many as it declares.
  const wrong = folder.problems.find(
    (p) =>
      p.path === join(folder.root, 'dataset.json') ||
      (c.frames.includes(p.path) && /^channel \d+ of case|frames; dataset\.json declares/.test(p.problem)),
  );
  if (wrong) throw new Error(`${wrong.path}: ${wrong.problem}`);
  const parts = c.frames.map((path) => ({ path, image: readImageFrames(path) }));
  const { frames, T, H, W } = stackFrames(parts);
  const label = c.label ? readLabelPng(c.label, W, H, 'the frames are') : undefined;
  return {
    id: c.name,
    source: c.frames[0].replace(/_\d{4}(\.[^.]+)$/, '_*$1'),
    frames,
    T,
    H,
    W,
    label,
    meta: { split: c.split, bitDepth: parts[0].image.bitDepth },
  };
}
