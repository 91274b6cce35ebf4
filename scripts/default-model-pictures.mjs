#!/usr/bin/env node
// The README's pictures of the default model on real DSA frames (issue 19): segments every frame of
// ../shared/data/dsa-frames-vepa8 (single 1024x1024 frames, T = 1, repeated to the model's 8 frames) with
// `dias segment --fast` and the shipped default model, then tiles each frame beside its mask in red over the
// frame, both reduced 4x (area average), into docs/default-model-real-frames.png.
//   node scripts/default-model-pictures.mjs [--frames DIR] [--out docs/default-model-real-frames.png]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { frames: { type: 'string' }, out: { type: 'string' }, weights: { type: 'string' } },
});
const framesDir = values.frames ?? join(root, '..', 'shared', 'data', 'dsa-frames-vepa8');
const out = values.out ?? join(root, 'docs', 'default-model-real-frames.png');
const files = readdirSync(framesDir)
  .filter((f) => f.endsWith('.png'))
  .sort()
  .map((f) => join(framesDir, f));
const work = mkdtempSync(join(tmpdir(), 'dias-default-pictures-'));
try {
  const main = join(root, 'packages', 'dias', 'src', 'cli', 'main.ts');
  const weights = values.weights ? ['--weights', values.weights] : [];
  const seg = spawnSync(
    process.execPath,
    [
      '--conditions=dias-source',
      '--import',
      'tsx',
      main,
      'segment',
      ...weights,
      ...files,
      '--out',
      work,
      '--fast',
      '--no-progress',
    ],
    { stdio: 'inherit', cwd: root },
  );
  if (seg.status !== 0) process.exit(seg.status ?? 1);
  const { readGrayPng, writeRgbPng } = await import('../packages/dias/src/image/png.ts');
  const { tilePanel } = await import('../packages/dias/src/eval/pictures.ts');
  const f = 4;
  const pictures = [];
  for (const file of files) {
    const frame = readGrayPng(file);
    const mask = readGrayPng(join(work, `${basename(file, '.png')}_mask.png`));
    const w = Math.floor(frame.width / f);
    const h = Math.floor(frame.height / f);
    const plain = new Uint8Array(w * h * 3);
    const tinted = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let g = 0;
        let m = 0;
        for (let dy = 0; dy < f; dy++)
          for (let dx = 0; dx < f; dx++) {
            const i = (y * f + dy) * frame.width + x * f + dx;
            g += frame.data[i];
            m += mask.data[i] > 0 ? 1 : 0;
          }
        g /= f * f;
        const a = Math.min(1, (1.5 * m) / (f * f));
        const o = (y * w + x) * 3;
        plain.set([g, g, g], o);
        tinted.set([g * (1 - a) + 255 * a, g * (1 - a), g * (1 - a)], o);
      }
    }
    pictures.push({ width: w, height: h, data: plain }, { width: w, height: h, data: tinted });
  }
  writeRgbPng(out, tilePanel(pictures, { columns: 4 }));
  console.log(`wrote ${out}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
