#!/usr/bin/env node
// Data-parallel training speed on this machine: `dias train` steps per second with one process on T threads
// against T processes on one thread each (--nproc T), on the same global batch, alternating the two in rounds.
// The time is the second epoch's training time (the first warms up), without validation.
//   npm run build && node benchmarks/data-parallel.mjs [--models FR_UNet,VSS_Net] [--batch 8] [--steps 4] [--rounds 2]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dias = join(root, 'packages/dias/bin/dias.js');
const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'FR_UNet,VSS_Net' },
    batch: { type: 'string', default: '8' },
    steps: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '2' },
    threads: { type: 'string', default: '2' },
    json: { type: 'boolean', default: false },
  },
});
const threads = Number(values.threads);

function run(args, what) {
  const r = spawnSync(process.execPath, [dias, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.stderr}`);
  return r.stdout;
}

const work = mkdtempSync(join(tmpdir(), 'dias-bench-ddp-'));
try {
  const data = join(work, 'data');
  run(
    [
      'synth',
      '--preset',
      'small',
      '--out',
      data,
      '--training',
      '4',
      '--validation',
      '1',
      '--test',
      '0',
      '--unlabelled',
      '0',
    ],
    'dias synth',
  );
  const results = [];
  for (const model of values.models.split(',')) {
    const layouts = { [`1 x ${threads} threads`]: [], [`${threads} x 1 thread`]: [] };
    for (let round = 0; round < Number(values.rounds); round++) {
      for (const layout of Object.keys(layouts)) {
        const out = join(work, 'run');
        const parallel = layout.startsWith('1 x') ? [] : ['--nproc', String(threads)];
        run(
          [
            'train',
            '--data',
            data,
            '--out',
            out,
            '--force',
            '--model',
            model,
            '--batch',
            values.batch,
            '--patches-per-epoch',
            String(Number(values.batch) * Number(values.steps)),
            '--epochs',
            '2',
            '--warmup-epochs',
            '0',
            '--threads',
            String(threads),
            '--set',
            'validation.everyEpochs=0',
            '--no-progress',
            ...parallel,
          ],
          `${model} ${layout}`,
        );
        const second = readFileSync(join(out, 'log.jsonl'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l))[1];
        layouts[layout].push((second.train_seconds * 1000) / Number(values.steps));
      }
    }
    for (const [layout, ms] of Object.entries(layouts)) {
      const best = Math.min(...ms);
      results.push({
        model,
        layout,
        ms_per_step: +best.toFixed(1),
        steps_per_s: +(1000 / best).toFixed(3),
        rounds: ms.map((m) => +m.toFixed(1)),
      });
    }
  }
  if (values.json) console.log(JSON.stringify(results));
  else {
    console.log(`dias train, global batch ${values.batch} of 64x64 patches, best of ${values.rounds} rounds`);
    console.log('| model | processes x threads | ms per step | steps/s |\n| --- | --- | --- | --- |');
    for (const r of results) console.log(`| ${r.model} | ${r.layout} | ${r.ms_per_step} | ${r.steps_per_s} |`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
