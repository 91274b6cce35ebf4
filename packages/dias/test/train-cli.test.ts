// `dias train` from the command line: help, a tiny run, exit codes and messages for bad settings, missing data,
// an existing run folder and changes on --resume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLog, readRunConfig } from '../src/train/run-folder.js';
import { tempDir } from './data-fixture.js';
import { writeLineDataset, writeTinyCliRun } from './train-fixture.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

function dias(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--conditions=dias-source', '--import', 'tsx', MAIN, 'train', ...args], {
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('dias train: help, a tiny run, and clear failures', () => {
  const { dir, cleanup } = tempDir('dias-train-cli-');
  try {
    const help = dias('--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--patches-per-epoch N/);
    assert.match(help.stdout, /scheduler +name=cosine warmupEpochs=10 warmupLr=5e-7 minLr=5e-6/);

    const data = join(dir, 'data');
    const config = writeTinyCliRun(dir);
    const run = join(dir, 'run');
    const common = [
      '--data',
      data,
      '--config',
      config,
      '--model',
      'fr-unet',
      '--model-option',
      'feature_scale=16',
      '--batch',
      '4',
      '--patches-per-epoch',
      '8',
      '--threads',
      '1',
      '--no-progress',
    ];
    const ok = dias(
      ...common,
      '--epochs',
      '2',
      '--out',
      run,
      '--stop-after',
      '1',
      '--lr',
      '2e-3',
      '--set',
      'scheduler.minLr=1e-4',
    );
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /epoch 1\/2: loss \d/);
    assert.match(ok.stdout, /stopped after epoch 1\/2 \(resume with: dias train --out .* --resume\)/);
    const saved = readRunConfig(run);
    assert.equal(saved.model.name, 'FR_UNet');
    assert.equal(saved.model.options.feature_scale, 16);
    assert.equal(saved.optimizer.lr, 2e-3);
    assert.equal(saved.scheduler.minLr, 1e-4);
    assert.equal(saved.train.epochs, 2);

    // Resuming may change where it runs, not what it computes.
    const changed = dias('--out', run, '--resume', '--epochs', '3');
    assert.equal(changed.status, 2);
    assert.match(changed.stderr, /--epochs: train\.epochs cannot change when resuming/);
    const resumed = dias('--out', run, '--resume', '--threads', '1', '--no-progress');
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stdout, /resuming .* after epoch 1\/2/);
    assert.match(resumed.stdout, /done: 2 epochs of 2 steps/);
    assert.equal(readLog(run).length, 2);
    assert.ok(existsSync(join(run, 'checkpoint_final.safetensors')));

    // An existing run folder: the command line's to change (--resume, --force or another --out).
    const again = dias(...common, '--out', run);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /run folder exists and is not empty; use --resume to continue it or --force/);

    // A bad config key: exit 2, the file and the key named.
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'optimizer:\n  learningRate: 0.1\n');
    const badRun = dias('--data', data, '--config', bad, '--out', join(dir, 'run2'));
    assert.equal(badRun.status, 2);
    assert.match(
      badRun.stderr,
      /bad\.yaml: optimizer\.learningRate: unknown key \(known in optimizer: name, lr, betas, eps, weightDecay\)/,
    );
    assert.ok(!existsSync(join(dir, 'run2')), 'nothing is created for a bad configuration');

    const badFlag = dias('--data', data, '--out', join(dir, 'run3'), '--batch', 'many');
    assert.equal(badFlag.status, 2);
    assert.match(badFlag.stderr, /--batch: train\.batchSize: must be an integer >= 1, got 'many'/);

    // Missing data: a path on the command line that does not exist, the flag and the folder named.
    const missing = dias('--data', join(dir, 'nowhere'), '--out', join(dir, 'run4'), '--model', 'fr-unet');
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /--data .*nowhere: no such folder/);
    assert.ok(!existsSync(join(dir, 'run4')));
  } finally {
    cleanup();
  }
});

test('dias train --recipe sscr --as-released: the released settings; --as-released elsewhere is a usage error', () => {
  const { dir, cleanup } = tempDir('dias-train-cli-sscr-');
  try {
    const help = dias('--help');
    for (const r of ['fsl', 'sscr', 'pce', 'pce-dice', 'entropy-min', 'gated-crf', 'dmpls'])
      assert.match(help.stdout, new RegExp(`^  ${r} +\\S`, 'm'), `${r} listed`);
    const data = join(dir, 'data');
    writeLineDataset(data, { training: 2, validation: 1, size: 32, scribbles: true });
    const common = [
      '--data',
      data,
      '--model',
      'fr-unet',
      '--model-option',
      'feature_scale=16',
      '--frames',
      '4',
      '--patch-size',
      '32',
      '--set',
      'validation.stride=16',
      '--warmup-epochs',
      '0',
      '--batch',
      '4',
      '--patches-per-epoch',
      '8',
      '--epochs',
      '1',
      '--workers',
      '0',
      '--threads',
      '1',
      '--no-progress',
    ];
    const run = join(dir, 'released');
    const r = dias(...common, '--recipe', 'sscr', '--as-released', '--out', run);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /training 2 networks FR_UNet \(A, B; A is validated and exported\).*recipe sscr/);
    assert.match(r.stdout, /epoch 1\/1: loss [\d.]+ \(pce [\d.]+, pseudo [\d.]+, consistency [\d.]+\)/);
    const saved = readRunConfig(run);
    assert.deepEqual(
      [saved.sscr.pseudoLabels, saved.sscr.consistency, saved.validation.select],
      ['self', 'as-released', 'final'],
    );
    assert.ok(existsSync(join(run, 'checkpoint_final.B.safetensors')));
    // A setting on the command line wins over the preset (it was silently overwritten).
    const crossRun = join(dir, 'released-cross');
    const cross = dias(
      ...common,
      '--recipe',
      'sscr',
      '--as-released',
      '--set',
      'sscr.pseudoLabels=cross',
      '--out',
      crossRun,
    );
    assert.equal(cross.status, 0, cross.stderr);
    const crossConfig = readRunConfig(crossRun);
    assert.deepEqual([crossConfig.sscr.pseudoLabels, crossConfig.sscr.consistency], ['cross', 'as-released']);

    const fsl = dias(...common, '--as-released', '--out', join(dir, 'fsl'));
    assert.equal(fsl.status, 2);
    assert.match(fsl.stderr, /--as-released: only for recipes sscr, rpst \(train\.recipe is fsl\)/);
    const unknown = dias(...common, '--recipe', 'magic', '--out', join(dir, 'magic'));
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /--recipe: train\.recipe: must be one of 'fsl', 'sscr'/);
    const missing = dias(...common, '--recipe', 'pce', '--scribbles', 'annotator', '--out', join(dir, 'noscribbles'));
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /training\/scribbles_annotator: no such scribble set/);
  } finally {
    cleanup();
  }
});
