// Training on the artery/vein labels (data.labels av, issue 20): the setting's checks, the labels_av reader's
// errors, and a tiny 3-class run whose weights say what they are and whose class maps find arteries and veins
// apart (the veins darken only late in the sequence, so only the time course tells them from arteries).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadSafetensors } from '@dias-ts/torch';
import { trainRun } from '../src/train/index.js';
import { ConfigError, finalizeTrainConfig } from '../src/train/config.js';
import { loadRunModel, readLog, runPath } from '../src/train/run-folder.js';
import { loadTrainingData } from '../src/train/training-data.js';
import { openDiasDataset } from '../src/data/readers/dias-layout.js';
import { Predictor } from '../src/predict/predictor.js';
import { evaluateClasses, arteryVeinConfusion } from '../src/metrics/class-metrics.js';
import { AV_VESSEL_CLASSES } from '../src/data/label-set.js';
import { tempDir, writePng } from './data-fixture.js';
import { tinyConfig, writeLineDataset } from './train-fixture.js';

test('data.labels av: a 3-class network, fsl only, and num_classes checked', () => {
  const c = finalizeTrainConfig(tinyConfig('/data', (x) => (x.data.labels = 'av')));
  assert.equal(c.model.options.num_classes, 3, 'the label set gives the classes');
  assert.equal(finalizeTrainConfig(tinyConfig('/data')).model.options.num_classes, 2, 'vessels stay 2 classes');
  assert.throws(
    () =>
      finalizeTrainConfig(
        tinyConfig('/data', (x) => {
          x.data.labels = 'av';
          x.model.options.num_classes = 2;
        }),
      ),
    (e: unknown) =>
      e instanceof ConfigError && /model\.options\.num_classes: is 2, but data\.labels av needs 3/.test(e.message),
  );
  assert.throws(
    () =>
      finalizeTrainConfig(
        tinyConfig('/data', (x) => {
          x.data.labels = 'av';
          x.train.recipe = 'pce';
        }),
      ),
    /data\.labels: av \(artery\/vein\) is trained by the fsl recipe only, not by train\.recipe pce/,
  );
});

test('a dataset without labels_av, or with other values in it, is an error naming the file', () => {
  const { dir, cleanup } = tempDir('dias-av-data-');
  try {
    writeLineDataset(join(dir, 'plain'));
    assert.throws(
      () => loadTrainingData(join(dir, 'plain'), { frames: 4, withValidation: true, targets: 'label', labels: 'av' }),
      /labels_av\/label_s3\.png: missing \(data\.labels av needs an artery\/vein label for every validation sequence/,
    );
    writeLineDataset(join(dir, 'av'), { arteryVein: true });
    const data = loadTrainingData(join(dir, 'av'), { frames: 4, withValidation: true, targets: 'label', labels: 'av' });
    const values = new Set(data.training.flatMap((s) => [...s.label!]));
    assert.deepEqual([...values].sort(), [0, 1, 2], 'background, artery and vein');
    // The artery label of the same dataset is the arteries only.
    const artery = loadTrainingData(join(dir, 'av'), { frames: 4, withValidation: false, targets: 'label' });
    assert.deepEqual(
      [...artery.training[0].label!],
      [...data.training[0].label!].map((v) => (v === 1 ? 1 : 0)),
    );
    const bad = join(dir, 'av', 'training', 'labels_av', 'label_s0.png');
    rmSync(bad);
    writePng(bad, 48, 48, (x) => (x < 3 ? 255 : 0));
    const ds = openDiasDataset(join(dir, 'av'));
    assert.throws(
      () => ds.load(ds.find(0)!, { labels: 'av' }),
      /labels_av\/label_s0\.png: artery\/vein label values must be 0 \(background\), 1 \(artery\) or 2 \(vein\); found 0, 255/,
    );
  } finally {
    cleanup();
  }
});

test('a 3-class fsl run learns arteries and veins apart; its weights and predictor give class maps', async () => {
  const { dir, cleanup } = tempDir('dias-av-run-');
  try {
    writeLineDataset(join(dir, 'data'), { arteryVein: true, frames: 6 });
    const runDir = join(dir, 'run');
    await trainRun({
      config: tinyConfig(join(dir, 'data'), (c) => {
        c.data.labels = 'av';
        c.data.frames = 6;
        c.train.epochs = 4;
      }),
      runDir,
      events: { log: () => {} },
    });
    const log = readLog(runDir);
    for (const e of log) assert.ok(Math.abs(e.train.loss - (e.train.ce + 1 - e.train.dice)) < 1e-5, 'CE + (1 - Dice)');
    assert.ok(log.at(-1)!.train.loss < log[0].train.loss, 'the 3-class loss falls');

    assert.equal(loadSafetensors(runPath(runDir, 'best')).metadata.dias_labels, 'av');
    const loaded = loadRunModel(runDir, 'best');
    assert.equal(loaded.labels, 'av');
    assert.equal(loaded.config.data.labels, 'av');

    const ds = openDiasDataset(join(dir, 'data'));
    const ref = ds.splits.validation[0];
    const seq = ds.load(ref, { frames: 'native', labels: 'av' });
    const predictor = new Predictor(loaded.model, loaded.spec, {
      labels: 'av',
      frames: loaded.frames,
      patchSize: 32,
      stride: 16,
    });
    const classes = predictor.predictClasses(seq);
    const HW = seq.H * seq.W;
    assert.equal(classes.probabilities.length, 3 * HW);
    for (let i = 0; i < HW; i += 97) {
      const p = [0, 1, 2].map((c) => classes.probabilities[c * HW + i]);
      assert.ok(Math.abs(p[0] + p[1] + p[2] - 1) < 1e-5, 'the classes of a pixel sum to 1');
      assert.equal(classes.classMap[i], p.indexOf(Math.max(...p)), 'the class map is the argmax');
    }
    // predict() of an artery/vein model is its vessel probability, 1 - p(background).
    const vessel = predictor.predict(seq);
    for (let i = 0; i < HW; i += 97) assert.ok(Math.abs(vessel[i] - (1 - classes.probabilities[i])) < 1e-6);

    const perClass = evaluateClasses(
      classes.probabilities,
      classes.classMap,
      seq.label!,
      seq.W,
      seq.H,
      AV_VESSEL_CLASSES,
    );
    const confusion = arteryVeinConfusion(classes.classMap, seq.label!);
    assert.ok(perClass.artery.metrics.AUC > 0.9, `arteries found: AUC ${perClass.artery.metrics.AUC}`);
    assert.ok(perClass.vein.metrics.AUC > 0.9, `veins found: AUC ${perClass.vein.metrics.AUC}`);
    assert.ok(confusion.veinAsArtery < 0.5 && confusion.arteryAsVein < 0.5, `told apart: ${JSON.stringify(confusion)}`);
    assert.throws(
      () => new Predictor(loaded.model, loaded.spec, { frames: loaded.frames }).predictClasses(seq),
      /class maps need a model trained on the artery\/vein labels/,
    );
    loaded.model.dispose();
  } finally {
    cleanup();
  }
});
