// Semi-supervision: the random patch mix of the sampler (its ratio; strong augmentation on the second pool only),
// pseudo-labels equal to the predictor's thresholded output, and RPST end to end -- a teacher and two students,
// their pseudo-label folders, a resume in the middle of an iteration ending bit for bit as a straight run, and
// `--iteration` picking a stage, and rpst.schedule continue stepping one schedule across the stages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadSafetensors, manualSeed } from '@dias-ts/torch';
import { PatchSampler } from '../src/data/pipeline/patch-sampler.js';
import type { DsaSequence } from '../src/data/sequence.js';
import { openDiasDataset } from '../src/data/readers/dias-layout.js';
import { readGrayPng } from '../src/image/png.js';
import { createModel, findModel } from '../src/models/registry.js';
import { Predictor } from '../src/predict/predictor.js';
import { finalizeTrainConfig, type TrainConfig } from '../src/train/config.js';
import { trainRun } from '../src/train/index.js';
import { pseudoLabelOf, writePseudoLabels } from '../src/train/pseudo-labels.js';
import { emaUpdate } from '../src/train/recipes/mean-teacher.js';
import { loadRunModel, readLog, readRunConfig, runPath, stagePath } from '../src/train/run-folder.js';
import { tempDir } from './data-fixture.js';
import { tinyConfig, writeLineDataset } from './train-fixture.js';

const quiet = { events: { log: () => {} } };

function constantSequence(id: string, value: number, size = 16, T = 2): DsaSequence {
  const frames = new Float32Array(T * size * size).fill(value);
  return { id, source: id, frames, T, H: size, W: size, label: new Uint8Array(size * size), meta: {} };
}

test('the patch mix: the second pool drawn with its probability, and only its patches strongly augmented', () => {
  // Labelled sequences are 1 everywhere, pool sequences 2; the first pool is only cropped, the second gets noise.
  const sequences = [
    constantSequence('a', 1),
    constantSequence('b', 1),
    constantSequence('p', 2),
    constantSequence('q', 2),
    constantSequence('r', 2),
  ];
  const sampler = new PatchSampler(sequences, {
    patchSize: 8,
    batchSize: 50,
    seed: 5,
    augment: 'none',
    targets: 'label',
    pool: { from: 2, probability: 0.3, augment: { preset: 'none', noise: { probability: 1, std: [0.5, 0.5] } } },
  });
  let pooled = 0,
    total = 0;
  for (let i = 0; i < 40; i++) {
    const batch = sampler.next();
    for (let b = 0; b < batch.B; b++) {
      const fromPool = batch.fromPool![b] === 1;
      assert.equal(fromPool, batch.sequenceIndex[b] >= 2, 'the flag names the pool the patch was cut from');
      const patch = batch.images.subarray(b * 2 * 64, (b + 1) * 2 * 64);
      if (fromPool)
        assert.ok(
          patch.some((v) => Math.abs(v - 2) > 1e-3),
          'pool patches are augmented',
        );
      else
        assert.ok(
          patch.every((v) => v === 1),
          'labelled patches are only cropped',
        );
      pooled += fromPool ? 1 : 0;
      total++;
    }
  }
  const ratio = pooled / total;
  // 2000 patches: the binomial standard deviation is about 0.01.
  assert.ok(Math.abs(ratio - 0.3) < 0.04, `pool fraction ${ratio}`);
  assert.throws(
    () => new PatchSampler(sequences, { pool: { from: 5, probability: 0.5 } }),
    /pool\.from must be an index in \[1, 4\]/,
  );
});

test("pseudo-labels are the predictor's output thresholded at 0.5; the band marks uncertain pixels 255", () => {
  const { dir, cleanup } = tempDir('dias-pseudo-');
  try {
    const data = join(dir, 'data');
    writeLineDataset(data, { training: 1, validation: 1, unlabelled: 2, size: 32 });
    manualSeed(1);
    const model = createModel('FR_UNet', { num_channels: 4, feature_scale: 16 });
    const spec = findModel('FR_UNet');
    const out = join(dir, 'pseudo');
    const options = { frames: 4, patchSize: 32, stride: 16, tta: false };
    const s = writePseudoLabels(model, spec, data, out, { ...options, confidenceBand: 0.1 });
    assert.equal(s.sequences, 2);
    const ds = openDiasDataset(data);
    const predictor = new Predictor(model, spec, options);
    for (const ref of ds.splits.unlabelled) {
      const p = predictor.predict(ds.load(ref, { frames: 'native', scribble: false }));
      const written = readGrayPng(join(out, 'training', 'labels', `label_s${ref.id}.png`)).data;
      assert.deepEqual(
        [...written],
        [...p].map((v) => (v >= 0.5 ? 255 : 0)),
        `s${ref.id}: label = prediction >= 0.5`,
      );
      const confident = readGrayPng(join(out, 'training', 'confident', `label_s${ref.id}.png`)).data;
      assert.deepEqual(
        [...confident],
        [...p].map((v) => (Math.abs(v - 0.5) < 0.1 ? 255 : v >= 0.5 ? 1 : 0)),
      );
      assert.equal(
        readdirSync(join(out, 'training', 'images')).filter((f) => f.startsWith(`image_s${ref.id}_`)).length,
        4,
        'the frames are linked',
      );
    }
    const pseudoSet = openDiasDataset(out);
    assert.equal(pseudoSet.splits.training.length, 2, 'the folder reads as a DIAS dataset');
    assert.deepEqual(pseudoSet.scribbleSets, ['confident']);
    assert.deepEqual(
      [...pseudoLabelOf(Float32Array.from([0.1, 0.45, 0.55, 0.9]), 0.5, 0.1).confident!],
      [0, 255, 255, 1],
    );
    model.dispose();
  } finally {
    cleanup();
  }
});

test('rpst: a teacher and two students; a resume inside an iteration ends bit for bit; --iteration picks a stage', async () => {
  const { dir, cleanup } = tempDir('dias-rpst-');
  try {
    const data = join(dir, 'data');
    writeLineDataset(data, { training: 3, validation: 1, unlabelled: 2, size: 32 });
    const config = tinyConfig(data, (c) => {
      c.train.recipe = 'rpst';
      c.rpst.iterations = 2;
      c.data.labelled = 1;
      c.train.patchesPerEpoch = 16;
      c.rpst.confidenceBand = 0.1;
    });
    const [whole, split] = ['whole', 'split'].map((n) => join(dir, n));
    const lines: string[] = [];
    const r = await trainRun({ config, runDir: whole, events: { log: (l: string) => lines.push(l) } });
    assert.equal(r.finished, true);
    assert.equal(r.epochs, 6, 'three stages of two epochs');
    for (const k of [0, 1, 2]) assert.ok(existsSync(runPath(stagePath(whole, k), 'final')), `iteration ${k} trained`);
    for (const k of [1, 2])
      assert.ok(existsSync(join(whole, 'pseudo', `iter${k}`, 'training', 'labels')), `pseudo-labels of iteration ${k}`);
    assert.equal(readRunConfig(stagePath(whole, 0)).data.pseudo, null, 'the teacher sees labelled patches only');
    assert.equal(
      readRunConfig(stagePath(whole, 1)).train.init.from,
      stagePath(whole, 0),
      'student 1 continues from the teacher',
    );
    assert.ok(
      lines.some((l) =>
        /patch mix: 2 pseudo-labelled sequences drawn with probability 0\.5, 1 labelled otherwise/.test(l),
      ),
    );
    const iterations = JSON.parse(readFileSync(join(whole, 'iterations.json'), 'utf8')) as {
      iteration: number;
      val: { DSC: number };
    }[];
    assert.deepEqual(
      iterations.map((i) => i.iteration),
      [0, 1, 2],
    );
    for (const i of iterations) assert.equal(typeof i.val.DSC, 'number');

    // Stopped in the middle of student 1 (after 3 epochs: the teacher's two and one of the student's), then resumed.
    const first = await trainRun({ config, runDir: split, stopAfterEpochs: 3, ...quiet });
    assert.equal(first.finished, false);
    assert.equal(readLog(stagePath(split, 1)).length, 1);
    await trainRun({ config: readRunConfig(split), runDir: split, resume: true, ...quiet });
    for (const k of [0, 1, 2]) {
      for (const f of ['final', 'latestState'] as const) {
        assert.ok(
          readFileSync(runPath(stagePath(whole, k), f)).equals(readFileSync(runPath(stagePath(split, k), f))),
          `iteration ${k}: ${f} identical`,
        );
      }
    }

    const teacher = loadRunModel(whole, 'best', 0);
    assert.equal(teacher.epoch, readLog(stagePath(whole, 0)).find((e) => e.best && e.epoch === teacher.epoch)?.epoch);
    teacher.model.dispose();
    assert.throws(() => loadRunModel(whole, 'best', 3), /--iteration must be 0 \(the teacher\) to 2, got 3/);
    const noPool = join(dir, 'nopool');
    writeLineDataset(noPool, { training: 2, validation: 1, size: 32 });
    await assert.rejects(
      trainRun({
        config: { ...config, data: { ...config.data, dir: noPool } },
        runDir: join(dir, 'r-nopool'),
        ...quiet,
      }),
      /nopool: no unlabelled sequences/,
    );
    assert.ok(!existsSync(join(dir, 'r-nopool')), 'nothing written');
  } finally {
    cleanup();
  }
});

test("rpst.schedule continue: the stages' learning rates are one run's over all their epochs", async () => {
  const { dir, cleanup } = tempDir('dias-rpst-schedule-');
  try {
    const data = join(dir, 'data');
    writeLineDataset(data, { training: 2, validation: 1, unlabelled: 1, size: 32 });
    const settings = (c: TrainConfig) => {
      c.data.labelled = 1;
      c.train.patchesPerEpoch = 8;
      c.scheduler = { ...c.scheduler, warmupEpochs: 1, warmupLr: 1e-4, minLr: 1e-5 };
    };
    const config = tinyConfig(data, (c) => {
      settings(c);
      c.train.recipe = 'rpst';
      c.rpst.iterations = 1;
      c.rpst.schedule = 'continue';
    });
    const run = join(dir, 'rpst');
    await trainRun({ config, runDir: run, ...quiet });
    const student = readRunConfig(stagePath(run, 1)).scheduler;
    assert.deepEqual([student.startEpoch, student.totalEpochs], [2, 4]);
    // One fsl run of both stages' epochs steps through the same learning rates.
    const single = join(dir, 'fsl');
    await trainRun({ config: tinyConfig(data, (c) => (settings(c), (c.train.epochs = 4))), runDir: single, ...quiet });
    const staged = [0, 1].flatMap((k) => readLog(stagePath(run, k)).map((e) => e.lr));
    assert.deepEqual(
      staged,
      readLog(single).map((e) => e.lr),
    );
    assert.ok(staged[2] < staged[1], 'the student carries on down the cosine instead of warming up again');

    const set = tinyConfig(data, (c) => {
      c.train.recipe = 'rpst';
      c.rpst.schedule = 'continue';
      Object.assign(c.scheduler, { startEpoch: 3, totalEpochs: 10 });
    });
    assert.throws(() => finalizeTrainConfig(set), /rpst\.schedule: continue sets each stage's scheduler\.startEpoch/);
  } finally {
    cleanup();
  }
});

test('the EMA update moves each teacher parameter to alpha * teacher + (1 - alpha) * student', () => {
  manualSeed(2);
  const teacher = createModel('UNet', { num_channels: 2, num_classes: 2 });
  const student = createModel('UNet', { num_channels: 2, num_classes: 2 });
  const before = teacher.parameters().map((p) => Float64Array.from(p.toTypedArray() as Float32Array));
  const s = student.parameters().map((p) => Float64Array.from(p.toTypedArray() as Float32Array));
  emaUpdate(teacher, student, 0.9);
  teacher.parameters().forEach((p, i) => {
    const after = p.toTypedArray() as Float32Array;
    for (let k = 0; k < after.length; k += 97)
      assert.ok(Math.abs(after[k] - (0.9 * before[i][k] + 0.1 * s[i][k])) < 1e-6);
  });
  emaUpdate(teacher, student, 0);
  teacher.parameters().forEach((p, i) => assert.ok(p.equal(student.parameters()[i]), 'alpha 0 copies the student'));
  teacher.dispose();
  student.dispose();
});

test('mean-teacher and cps train on labelled and unlabelled patches and export their network', async () => {
  const { dir, cleanup } = tempDir('dias-ssl-baselines-');
  try {
    const data = join(dir, 'data');
    writeLineDataset(data, { training: 2, validation: 1, unlabelled: 2, size: 32 });
    for (const [recipe, losses, exported] of [
      ['mean-teacher', ['loss', 'supervised', 'consistency'], 'teacher'],
      ['cps', ['loss', 'supervised', 'cps'], 'A'],
    ] as const) {
      const lines: string[] = [];
      const runDir = join(dir, recipe);
      const config = tinyConfig(data, (c) => {
        c.train.recipe = recipe;
        c.data.labelled = 1;
        c.train.patchesPerEpoch = 16;
      });
      const r = await trainRun({ config, runDir, events: { log: (l: string) => lines.push(l) } });
      assert.equal(r.finished, true);
      assert.ok(
        lines.some((l) =>
          /patch mix: 2 unlabelled sequences drawn with probability 0\.5, 1 labelled otherwise/.test(l),
        ),
        recipe,
      );
      assert.deepEqual(Object.keys(readLog(runDir)[0].train), [...losses]);
      const state = loadSafetensors(runPath(runDir, 'latestState')).tensors;
      const key = [...loadSafetensors(runPath(runDir, 'final')).tensors.keys()][0];
      assert.ok(
        loadSafetensors(runPath(runDir, 'final'))
          .tensors.get(key)!
          .equal(state.get(`${exported}/model.${key}`)!),
        `${recipe} exports ${exported}`,
      );
    }
  } finally {
    cleanup();
  }
});
