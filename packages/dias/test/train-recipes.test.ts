// The weakly supervised recipes end to end on a tiny line dataset with scribbles: SSCR trains two networks and
// resumes both bit for bit; every baseline recipe trains and exports weights that dias test can load; scribble
// folders and values that are wrong fail with the folder or file named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadSafetensors } from '@dias-ts/torch';
import { trainRun } from '../src/train/index.js';
import { finalizeTrainConfig, type TrainConfig } from '../src/train/config.js';
import { loadRunModel, networkWeightsPath, readLog, readRunConfig, runPath } from '../src/train/run-folder.js';
import { rampUpWeight } from '../src/train/recipes/ramp-up.js';
import { tempDir, writePng } from './data-fixture.js';
import { tinyConfig, writeLineDataset } from './train-fixture.js';

const quiet = { events: { log: () => {} } };

function weakConfig(dataDir: string, recipe: string, changes: (c: TrainConfig) => void = () => {}): TrainConfig {
  return tinyConfig(dataDir, (c) => {
    c.train.recipe = recipe;
    c.train.patchesPerEpoch = 32;
    changes(c);
  });
}

test('sscr: two networks learn from scribbles; A is exported, B kept; the log names the losses', async () => {
  const { dir, cleanup } = tempDir('dias-sscr-');
  try {
    writeLineDataset(join(dir, 'data'), { scribbles: true });
    const runDir = join(dir, 'run');
    const lines: string[] = [];
    const r = await trainRun({
      config: weakConfig(join(dir, 'data'), 'sscr', (c) => (c.train.patchesPerEpoch = 64)),
      runDir,
      events: { log: (l: string) => lines.push(l) },
    });
    assert.equal(r.finished, true);
    assert.ok(
      lines.some((l) => /scribbles 'scribbles': [\d.]+% of the training pixels labelled/.test(l)),
      'the scribble coverage is reported',
    );
    const config = readRunConfig(runDir);
    assert.equal(config.model.options.num_classes, 3, 'the weak recipes build 3-output networks');
    assert.equal(config.data.augment, 'wsl-plc', 'two photometric views, as the official PLC loader');
    const log = readLog(runDir);
    assert.deepEqual(Object.keys(log[0].train), ['loss', 'pce', 'pseudo', 'consistency']);
    for (const e of log) {
      const { loss, pce, pseudo, consistency } = e.train;
      assert.ok(
        Math.abs(loss - (pce + pseudo + 0.5 * consistency)) < 1e-4,
        'loss = pce + 1 * pseudo + 0.5 * consistency',
      );
    }
    assert.ok(log[1].train.pce < log[0].train.pce, `pCE falls: ${log[0].train.pce} -> ${log[1].train.pce}`);
    assert.equal(typeof log[1].val?.DSC, 'number');

    const state = loadSafetensors(runPath(runDir, 'latestState')).tensors;
    const names = new Set([...state.keys()].map((k) => k.split('/')[0]));
    assert.deepEqual([...names].sort(), ['A', 'B'], 'both networks and their optimizers are in the resume state');
    const a = loadSafetensors(runPath(runDir, 'final')).tensors;
    const b = loadSafetensors(networkWeightsPath(runDir, 'final', 'B')).tensors;
    const key = [...a.keys()].find((k) => k.endsWith('weight'))!;
    assert.ok(a.get(key)!.equal(state.get(`A/model.${key}`)!), 'the exported weights are network A');
    assert.ok(!a.get(key)!.equal(b.get(key)!), 'A and B are different networks');

    const loaded = loadRunModel(runDir, 'best');
    assert.equal(loaded.spec.name, 'FR_UNet');
    loaded.model.dispose();
  } finally {
    cleanup();
  }
});

test('sscr: 1 epoch + resume 1 epoch equals 2 epochs, bit for bit, for both networks', async () => {
  const { dir, cleanup } = tempDir('dias-sscr-resume-');
  try {
    writeLineDataset(join(dir, 'data'), { training: 2, validation: 1, size: 32, scribbles: true });
    const config = weakConfig(join(dir, 'data'), 'sscr', (c) => (c.data.workers = 1));
    const [whole, split] = ['whole', 'split'].map((n) => join(dir, n));
    await trainRun({ config, runDir: whole, ...quiet });
    const first = await trainRun({ config, runDir: split, stopAfterEpochs: 1, ...quiet });
    assert.equal(first.finished, false);
    await trainRun({ config: readRunConfig(split), runDir: split, resume: true, ...quiet });
    for (const f of ['final', 'latest', 'best', 'latestState'] as const) {
      assert.ok(readFileSync(runPath(whole, f)).equals(readFileSync(runPath(split, f))), `${f} identical`);
    }
    assert.ok(
      readFileSync(networkWeightsPath(whole, 'final', 'B')).equals(
        readFileSync(networkWeightsPath(split, 'final', 'B')),
      ),
      'network B identical',
    );
  } finally {
    cleanup();
  }
});

test('every weak-supervision baseline trains and exports a network that loads', async () => {
  const { dir, cleanup } = tempDir('dias-weak-baselines-');
  try {
    writeLineDataset(join(dir, 'data'), { training: 2, validation: 1, size: 32, scribbles: true });
    const expected: Record<string, string[]> = {
      pce: ['loss'],
      'pce-dice': ['loss', 'pce', 'dice'],
      'entropy-min': ['loss', 'pce', 'dice', 'entropy'],
      'gated-crf': ['loss', 'pce', 'dice', 'crf'],
      dmpls: ['loss', 'pce', 'pseudo'],
    };
    for (const [recipe, losses] of Object.entries(expected)) {
      const runDir = join(dir, recipe);
      const config = weakConfig(join(dir, 'data'), recipe, (c) => {
        c.train.epochs = 1;
        if (recipe === 'dmpls') c.model = { name: 'UNet_CCT', options: {} };
      });
      const r = await trainRun({ config, runDir, ...quiet });
      assert.equal(r.finished, true, recipe);
      const [entry] = readLog(runDir);
      assert.deepEqual(Object.keys(entry.train), losses, `${recipe} reports its losses`);
      for (const v of Object.values(entry.train)) assert.ok(Number.isFinite(v), `${recipe}: finite losses`);
      const loaded = loadRunModel(runDir, 'final');
      assert.equal(loaded.options.num_classes, recipe === 'dmpls' ? 2 : 3, `${recipe}: outputs`);
      loaded.model.dispose();
      rmSync(runDir, { recursive: true });
    }
    assert.throws(
      () => finalizeTrainConfig(weakConfig(join(dir, 'data'), 'dmpls')),
      /model\.name: dmpls trains UNet_CCT .*not FR_UNet/,
    );
  } finally {
    cleanup();
  }
});

test('scribbles: a missing set or file and values other than 0, 1, 255 are errors naming the place', async () => {
  const { dir, cleanup } = tempDir('dias-scribble-errors-');
  try {
    const data = join(dir, 'data');
    writeLineDataset(data, { training: 2, validation: 1, size: 32, scribbles: true });
    await assert.rejects(
      trainRun({
        config: weakConfig(data, 'pce', (c) => (c.data.scribbles = 'annotator')),
        runDir: join(dir, 'r1'),
        ...quiet,
      }),
      /training\/scribbles_annotator: no such scribble set \(data\.scribbles 'annotator'; sets found: scribbles\)/,
    );
    assert.ok(!existsSync(join(dir, 'r1', 'log.jsonl')), 'nothing trained');
    writePng(join(data, 'training', 'scribbles', 'label_s1.png'), 32, 32, (x) => (x < 3 ? 128 : 255));
    await assert.rejects(
      trainRun({ config: weakConfig(data, 'pce'), runDir: join(dir, 'r2'), ...quiet }),
      /scribbles\/label_s1\.png: scribble values must be 1 \(vessel\), 0 \(background\) or 255/,
    );
    rmSync(join(data, 'training', 'scribbles', 'label_s1.png'));
    await assert.rejects(
      trainRun({ config: weakConfig(data, 'pce'), runDir: join(dir, 'r3'), ...quiet }),
      /scribbles\/label_s1\.png: missing \(every training sequence needs a scribble/,
    );
  } finally {
    cleanup();
  }
});

test('the ramp-up weight rises from exp(-5) to 1 over its epochs and stays 1 without one', () => {
  const at = (epoch: number, step: number) => ({ epoch, step, stepsPerEpoch: 10 });
  assert.equal(rampUpWeight(at(1, 0), 0), 1);
  assert.ok(Math.abs(rampUpWeight(at(1, 0), 2) - Math.exp(-5)) < 1e-12);
  assert.ok(Math.abs(rampUpWeight(at(2, 0), 2) - Math.exp(-5 * 0.25)) < 1e-12, 'half-way');
  assert.equal(rampUpWeight(at(3, 0), 2), 1);
  assert.ok(rampUpWeight(at(1, 5), 2) > rampUpWeight(at(1, 4), 2), 'every step rises');
});
