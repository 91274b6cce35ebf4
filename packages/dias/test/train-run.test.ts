// A whole (tiny) training run: every run-folder file written with sane contents, the loss falling, the log
// readable, the weights loadable by loadRunModel / loadWeightsFile, and an existing run folder refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadSafetensors, inferenceMode, scope, randn } from '@dias-ts/torch';
import { trainRun } from '../src/train/index.js';
import { RUN_FILES, loadRunModel, loadWeightsFile, readLog, readRunConfig, runPath } from '../src/train/run-folder.js';
import { createModel } from '../src/models/registry.js';
import { tempDir } from './data-fixture.js';
import { tinyConfig, writeLineDataset } from './train-fixture.js';

test('a 2-epoch run writes every run file, learns, and its weights load back', async () => {
  const { dir, cleanup } = tempDir('dias-train-run-');
  try {
    writeLineDataset(join(dir, 'data'));
    const runDir = join(dir, 'run');
    const lines: string[] = [];
    const result = await trainRun({
      config: tinyConfig(join(dir, 'data')),
      runDir,
      events: { log: (l: string) => lines.push(l) },
    });
    assert.equal(result.finished, true);
    assert.equal(result.epochs, 2);
    for (const f of Object.values(RUN_FILES)) assert.ok(existsSync(join(runDir, f)), `${f} written`);
    assert.equal(lines.filter((l) => /^epoch \d\/2: loss/.test(l)).length, 2, 'one line per epoch');

    // config.json: the resolved settings, enough to rebuild the network.
    const config = readRunConfig(runDir);
    assert.equal(config.model.name, 'FR_UNet');
    assert.equal(config.model.options.num_channels, 4);
    assert.equal(config.data.frames, 4);
    assert.equal(config.normalization, 'zscore-per-sequence');
    assert.equal(config.data.dir, join(dir, 'data'));

    // log.jsonl: one parsable line per epoch; the loss falls and validation improves.
    const log = readLog(runDir);
    assert.deepEqual(
      log.map((e) => e.epoch),
      [1, 2],
    );
    for (const e of log) {
      assert.ok(Math.abs(e.train.loss - (e.train.ce + 1 - e.train.dice)) < 1e-5, 'loss = CE + (1 - Dice)');
      for (const k of ['DSC', 'AUC', 'clDice', 'Acc', 'Sen', 'Spe', 'IoU', 'VC'])
        assert.equal(typeof e.val?.[k], 'number', `val.${k}`);
      assert.equal(typeof e.val_patch?.AUC, 'number');
      assert.ok(e.lr > 0 && e.seconds > 0 && e.train_seconds > 0);
    }
    assert.ok(log[1].train.loss < log[0].train.loss, `train loss falls: ${log[0].train.loss} -> ${log[1].train.loss}`);
    assert.ok(log[1].val_loss! < log[0].val_loss!, `validation loss falls: ${log[0].val_loss} -> ${log[1].val_loss}`);
    assert.ok(log[1].val!.AUC! > 0.95, `the lines are found: validation AUC ${log[1].val!.AUC}`);

    // Weights files: PyTorch names, the metadata the loaders build from.
    const { tensors, metadata } = loadSafetensors(runPath(runDir, 'final'));
    assert.equal(metadata.dias_model, 'FR_UNet');
    assert.deepEqual(JSON.parse(metadata.dias_model_options), config.model.options);
    assert.equal(metadata.dias_frames, '4');
    assert.equal(metadata.epoch, '2');
    const fresh = createModel('FR_UNet', config.model.options);
    assert.deepEqual(
      [...tensors.keys()],
      [...fresh.stateDict().keys()],
      'the state dict under its PyTorch names, in order',
    );
    fresh.dispose();
    const latest = loadSafetensors(runPath(runDir, 'latest')).tensors;
    for (const [k, t] of tensors) assert.ok(t.equal(latest.get(k)!), `final and latest agree on ${k}`);

    // The resume record.
    const record = JSON.parse(readFileSync(runPath(runDir, 'latestJson'), 'utf8'));
    assert.equal(record.epoch, 2);
    assert.equal(record.finished, true);
    assert.equal(record.rng.sampler.nextIndex, 2 * 16, 'two epochs of 16 batches drawn');
    assert.ok(Buffer.from(record.rng.torch, 'base64').length > 1000, 'the generator state is stored');
    assert.equal(record.best.metric, 'dsc');
    const best = log.reduce((a, b) => ((b.val!.DSC ?? -1) >= (a.val!.DSC ?? -1) ? b : a));
    assert.equal(record.best.epoch, best.epoch, 'checkpoint_best is the epoch of the highest validation DSC');
    assert.equal(loadSafetensors(runPath(runDir, 'best')).metadata.epoch, String(best.epoch));

    // progress.png: a PNG of three 380 x 260 panels.
    const png = readFileSync(runPath(runDir, 'progress'));
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
    assert.equal(png.readUInt32BE(16), 3 * 380);
    assert.equal(png.readUInt32BE(20), 260);

    // loadRunModel rebuilds the network in eval mode; it computes what the saved weights compute.
    const loaded = loadRunModel(runDir, 'final');
    assert.equal(loaded.spec.name, 'FR_UNet');
    assert.equal(loaded.frames, 4);
    assert.equal(loaded.epoch, 2);
    assert.equal(loaded.config.train.epochs, 2);
    assert.equal(loaded.model.training, false);
    const again = loadWeightsFile(runPath(runDir, 'latest'));
    inferenceMode(() =>
      scope(() => {
        const x = randn([2, 4, 32, 32]);
        assert.ok(loaded.model.forward(x).equal(again.model.forward(x)));
      }),
    );
    assert.throws(() => loadWeightsFile(join(dir, 'nope.safetensors')), /nope\.safetensors: no such weights file/);
    assert.throws(() => loadRunModel(join(dir, 'data')), /config\.json: missing/);
  } finally {
    cleanup();
  }
});

test('an existing run folder is refused unless --force; force starts over', async () => {
  const { dir, cleanup } = tempDir('dias-train-refuse-');
  try {
    writeLineDataset(join(dir, 'data'), { training: 2, validation: 1, size: 32 });
    const runDir = join(dir, 'run');
    mkdirSync(runDir);
    writeFileSync(join(runDir, 'notes.txt'), 'mine');
    const config = tinyConfig(join(dir, 'data'), (c) => {
      c.train.epochs = 1;
      c.train.patchesPerEpoch = 8;
    });
    const quiet = { events: { log: () => {} } };
    await assert.rejects(
      trainRun({ config, runDir, ...quiet }),
      /run folder exists and is not empty; use --resume to continue it or --force/,
    );
    await assert.rejects(trainRun({ config, runDir, resume: true, ...quiet }), /nothing to resume \(no config\.json/);
    const r = await trainRun({ config, runDir, force: true, ...quiet });
    assert.equal(r.finished, true);
    assert.equal(readFileSync(join(runDir, 'notes.txt'), 'utf8'), 'mine', 'files that are not run files stay');
    assert.equal(readLog(runDir).length, 1);
  } finally {
    cleanup();
  }
});

test('missing data is reported with the folder or file', async () => {
  const { dir, cleanup } = tempDir('dias-train-data-');
  try {
    const quiet = { events: { log: () => {} } };
    await assert.rejects(
      trainRun({ config: tinyConfig(join(dir, 'absent')), runDir: join(dir, 'r1'), ...quiet }),
      /absent: no such folder/,
    );
    writeLineDataset(join(dir, 'noval'), { training: 2, validation: 0, size: 32 });
    await assert.rejects(
      trainRun({ config: tinyConfig(join(dir, 'noval')), runDir: join(dir, 'r2'), ...quiet }),
      /noval\/validation\/images: no validation sequences/,
    );
    writeLineDataset(join(dir, 'nolabel'), { training: 2, validation: 1, size: 32 });
    const { rmSync } = await import('node:fs');
    rmSync(join(dir, 'nolabel', 'training', 'labels', 'label_s1.png'));
    await assert.rejects(
      trainRun({ config: tinyConfig(join(dir, 'nolabel')), runDir: join(dir, 'r3'), ...quiet }),
      /training\/labels\/label_s1\.png: missing/,
    );
  } finally {
    cleanup();
  }
});
