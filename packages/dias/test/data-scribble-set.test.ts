// dias data scribbles: a scribble set made from a dataset's dense labels. Made with dias synth's seed, the auto and
// annotator kinds give back the files dias synth wrote; centreline scribbles cover far more of the vessels; the set
// is read as one by the DIAS reader; an existing set, a bad name or a bad flag fails with nothing written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { getPreset } from '../src/data/synth/presets.js';
import { writeDataset } from '../src/data/synth/write-dataset.js';
import { writeScribbleSet } from '../src/data/scribble-set.js';
import { openDiasDataset } from '../src/data/readers/dias-layout.js';
import { SCRIBBLE_UNLABELLED } from '../src/data/sequence.js';
import { dataCommand } from '../src/cli/data.js';
import { tempDir } from './data-fixture.js';

test('scribble sets from labels: synth-identical auto and annotator sets, denser centrelines, atomic folders', async () => {
  const { dir, cleanup } = tempDir('dias-scribble-set-');
  try {
    const data = join(dir, 'data');
    const o = getPreset('small');
    Object.assign(o, {
      width: 256,
      height: 256,
      frames: [4, 5],
      counts: { training: 2, validation: 1, test: 0, unlabeled: 0 },
    });
    await writeDataset({ out: data, seed: 7, preset: 'small', options: o, workers: 1 });
    const training = join(data, 'training');
    const sameFiles = (a: string, b: string) => {
      const files = readdirSync(join(training, a)).sort();
      assert.deepEqual(readdirSync(join(training, b)).sort(), files);
      for (const f of files)
        assert.ok(readFileSync(join(training, a, f)).equals(readFileSync(join(training, b, f))), `${b}/${f}`);
    };
    writeScribbleSet(data, { kind: 'auto', name: 'auto7', seed: 7 });
    sameFiles('scribbles', 'auto7');
    writeScribbleSet(data, { kind: 'annotator', name: 'annotator7', seed: 7 });
    sameFiles('scribbles_annotator', 'annotator7');
    const other = writeScribbleSet(data, { kind: 'auto', name: 'auto8', seed: 8 });
    assert.ok(
      readdirSync(other.dir).some(
        (f) => !readFileSync(join(other.dir, f)).equals(readFileSync(join(training, 'scribbles', f))),
      ),
      'another seed draws other erosions',
    );
    const auto = writeScribbleSet(data, { kind: 'auto', name: 'auto-again', seed: 7 });
    const centre = writeScribbleSet(data, { kind: 'centreline', name: 'centre', seed: 7 });
    assert.equal(centre.sequences, 2);
    assert.ok(centre.vesselCoverage > 2 * auto.vesselCoverage, `${centre.vesselCoverage} vs ${auto.vesselCoverage}`);

    const dataset = openDiasDataset(data);
    assert.ok(dataset.scribbleSets.includes('centre'));
    const seq = dataset.load(dataset.splits.training[0], { frames: 'native', scribble: 'centre' });
    const values = new Set(seq.scribble);
    assert.ok(values.has(1) && values.has(0) && values.has(SCRIBBLE_UNLABELLED), [...values].join(','));
    // Every vessel scribble lies on the vessel, every background scribble off it.
    for (let i = 0; i < seq.label!.length; i++) {
      if (seq.scribble![i] === 1) assert.equal(seq.label![i], 1);
      if (seq.scribble![i] === 0) assert.equal(seq.label![i], 0);
    }

    // An existing set is kept unless --force; a bad name writes nothing; the CLI exits 2 on bad flags.
    const before = readFileSync(join(centre.dir, readdirSync(centre.dir)[0]));
    assert.throws(
      () => writeScribbleSet(data, { kind: 'auto', name: 'centre' }),
      /centre: exists .*--force replaces it/,
    );
    assert.ok(readFileSync(join(centre.dir, readdirSync(centre.dir)[0])).equals(before));
    writeScribbleSet(data, { kind: 'auto', name: 'centre', seed: 7, force: true });
    sameFiles('scribbles', 'centre');
    assert.throws(() => writeScribbleSet(data, { kind: 'auto', name: '../up' }), /scribble set name '\.\.\/up'/);
    assert.ok(!existsSync(join(data, 'up')));
    assert.deepEqual(
      readdirSync(training).filter((n) => n.startsWith('.')),
      [],
      'no staging folder left behind',
    );
    await assert.rejects(
      dataCommand.run(['scribbles', data, '--kind', 'dense']),
      /--kind must be one of auto, centreline, annotator/,
    );
    await assert.rejects(
      dataCommand.run(['scribbles', data, '--kind', 'centreline', '--erosion', '1,2']),
      /--erosion is for --kind auto/,
    );
    assert.equal(await dataCommand.run(['scribbles', data, '--kind', 'centreline']), 0);
    assert.ok(existsSync(join(training, 'scribbles_centreline', 'label_s0.png')));
  } finally {
    cleanup();
  }
});
