// Test helpers for inference, `dias test` and `dias segment`: a tiny DIAS dataset with a dark "vessel" that the
// contrast fills over time, and a run folder in the dias train format holding a small model's weights.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { manualSeed } from '@dias-ts/torch';
import { createModel, findModel } from '../src/models/registry.js';
import type { ModelOptions } from '../src/models/model-spec.js';
import { defaultTrainConfig } from '../src/train/config.js';
import type { LabelSet } from '../src/data/label-set.js';
import { runPath, saveWeightsFile, writeRunConfig, type WeightsChoice } from '../src/train/run-folder.js';
import { writePng } from './data-fixture.js';

/** Vessel pixels of sequence n in a W x H image: a diagonal band and a horizontal one, placed by n. */
export function vesselAt(n: number, x: number, y: number): boolean {
  return Math.abs(x - y - (n % 5)) <= 1 || Math.abs(y - (10 + 3 * n)) <= 1;
}

/** Frame k of sequence n: background 150 with mild texture; vessels darken as the contrast arrives. */
export function frameGrey(n: number, k: number, frames: number): (x: number, y: number) => number {
  const fill = Math.min(1, (k + 1) / (frames / 2));
  return (x, y) =>
    Math.round(150 + 10 * Math.sin(x * 0.7 + n) * Math.cos(y * 0.5) - (vesselAt(n, x, y) ? 90 * fill : 0));
}

/** DIAS layout under root: `count` labelled sequences per split, W x H, `frames` frames each. */
export function writeTinyDataset(
  root: string,
  o: { splits?: Record<string, number>; width?: number; height?: number; frames?: number } = {},
): void {
  const W = o.width ?? 64,
    H = o.height ?? 48,
    T = o.frames ?? 8;
  let id = 0;
  for (const [split, count] of Object.entries(o.splits ?? { training: 2, test: 2 })) {
    for (let c = 0; c < count; c++, id++) {
      for (let k = 0; k < T; k++)
        writePng(join(root, split, 'images', `image_s${id}_i${k}.png`), W, H, frameGrey(id, k, T));
      writePng(join(root, split, 'labels', `label_s${id}.png`), W, H, (x, y) => (vesselAt(id, x, y) ? 255 : 0));
    }
  }
}

export interface TinyRun {
  model?: string;
  options?: ModelOptions;
  frames?: number;
  dataDir?: string;
  checkpoints?: WeightsChoice[];
  seed?: number;
  /** 'av': a run trained on the artery/vein labels (3 classes; the config and the weights say so). */
  labels?: LabelSet;
}

/** A run folder as dias train writes it (config.json and checkpoint_*.safetensors); returns the model's options. */
export function writeTinyRun(runDir: string, o: TinyRun = {}): ModelOptions {
  const name = o.model ?? 'FR_UNet';
  const frames = o.frames ?? 8;
  const spec = findModel(name);
  const options = o.options ?? {
    ...spec.defaults,
    feature_scale: 16,
    num_channels: frames,
    ...(o.labels === 'av' ? { num_classes: 3 } : {}),
  };
  manualSeed(o.seed ?? 1);
  const model = createModel(spec.name, options);
  mkdirSync(runDir, { recursive: true });
  const config = defaultTrainConfig();
  config.model = { name: spec.name, options };
  config.data.dir = o.dataDir ?? '';
  config.data.frames = frames;
  if (o.labels) config.data.labels = o.labels;
  writeRunConfig(runDir, config);
  for (const which of o.checkpoints ?? ['best', 'final', 'latest']) {
    saveWeightsFile(runPath(runDir, which), model, { model: spec.name, options, frames, epoch: 3, labels: o.labels });
  }
  model.dispose();
  return options;
}
