#!/usr/bin/env node
// The README's first command. Until training lands, it shows what the engine does on this machine: the runtime,
// and the engine benchmark (a conv-net training step from TypeScript vs from C++).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const node = (args) => {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
node([join(root, 'packages/dias/bin/dias.js'), 'info']);
console.log('\nEngine benchmark (training step of a small conv net, TypeScript vs C++ in one process):');
node([join(root, 'packages/torch/dist/bench/train-step.js'), '--steps', '10', '--rounds', '3']);
console.log('\nTraining, evaluation and the synthetic DSA dataset come with the model, data and training issues.');
