#!/usr/bin/env node
// dias bench train against the official PyTorch models on the same CPU, threads and libtorch, alternating the
// two implementations so that machine noise hits both alike. Prints a Markdown table of medians and ratios.
//   node benchmarks/compare-pytorch.mjs --official /tmp/dias-official [--models VSS_Net_all,FR_UNet]
//        [--batch 4] [--patch 64] [--frames 8] [--steps 10] [--threads 1] [--rounds 2]
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    official: { type: 'string' },
    models: { type: 'string', default: 'VSS_Net_all,FR_UNet' },
    batch: { type: 'string', default: '4' },
    patch: { type: 'string', default: '64' },
    frames: { type: 'string', default: '8' },
    steps: { type: 'string', default: '10' },
    threads: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '2' },
    python: { type: 'string', default: '/usr/bin/python3' },
  },
});
if (!values.official) {
  console.error('--official DIR (a checkout of lseventeen/DIAS) is required');
  process.exit(2);
}
const common = [
  '--batch',
  values.batch,
  '--patch',
  values.patch,
  '--frames',
  values.frames,
  '--steps',
  values.steps,
  '--threads',
  values.threads,
];
const lastJson = (r, what) => {
  if (r.status !== 0) throw new Error(`${what} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`| model | ours train ms | PyTorch train ms | train ratio | ours eval ms | PyTorch eval ms | eval ratio |`);
console.log(`| --- | --- | --- | --- | --- | --- | --- |`);
for (const model of values.models.split(',')) {
  const ours = [],
    theirs = [];
  for (let r = 0; r < Number(values.rounds); r++) {
    ours.push(
      lastJson(
        spawnSync(
          process.execPath,
          [
            join(root, 'packages/dias/bin/dias.js'),
            'bench',
            'train',
            '--model',
            model,
            ...common,
            '--json',
            '--no-progress',
          ],
          { encoding: 'utf8' },
        ),
        `dias bench ${model}`,
      ),
    );
    theirs.push(
      lastJson(
        spawnSync(
          values.python,
          [join(root, 'benchmarks/pytorch/bench_train.py'), '--official', values.official, '--model', model, ...common],
          { encoding: 'utf8' },
        ),
        `pytorch ${model}`,
      ),
    );
  }
  const [ot, pt] = [median(ours.map((o) => o.train_step_ms)), median(theirs.map((o) => o.train_step_ms))];
  const [oi, pi] = [median(ours.map((o) => o.infer_batch_ms)), median(theirs.map((o) => o.infer_batch_ms))];
  console.log(`| ${model} | ${ot} | ${pt} | ${(ot / pt).toFixed(2)} | ${oi} | ${pi} | ${(oi / pi).toFixed(2)} |`);
}
