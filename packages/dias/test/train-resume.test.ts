// Resuming: a run stopped after an epoch and resumed ends with exactly the weights, optimizer state and log of a
// run that went through; a log line past the checkpoint (killed while saving) is trained again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainRun } from '../src/train/index.js';
import { readLog, readRunConfig, runPath, type EpochLog } from '../src/train/run-folder.js';
import { tempDir } from './data-fixture.js';
import { tinyConfig, writeLineDataset } from './train-fixture.js';

const quiet = { events: { log: () => {} } };
/** A log entry without its timings (which differ from run to run). */
function untimed(e: EpochLog): Partial<EpochLog> {
  const rest: Partial<EpochLog> = { ...e };
  delete rest.seconds;
  delete rest.train_seconds;
  delete rest.val_seconds;
  return rest;
}

test('1 epoch + resume 1 epoch equals 2 epochs, bit for bit', async () => {
  const { dir, cleanup } = tempDir('dias-train-resume-');
  try {
    writeLineDataset(join(dir, 'data'), { training: 2, validation: 1, size: 32 });
    // A worker thread makes the patches: the batch stream must not depend on where it is made either.
    const config = tinyConfig(join(dir, 'data'), (c) => (c.data.workers = 1));
    const [a, b, other] = ['a', 'b', 'other'].map((n) => join(dir, n));
    await trainRun({ config, runDir: a, ...quiet });

    const first = await trainRun({ config, runDir: b, stopAfterEpochs: 1, ...quiet });
    assert.equal(first.finished, false);
    assert.equal(first.epochs, 1);
    // Simulate a kill while saving epoch 2: its log line written, its checkpoint not.
    appendFileSync(runPath(b, 'log'), `${JSON.stringify({ epoch: 2, train_loss: 99 })}\n`);
    const second = await trainRun({ config: readRunConfig(b), runDir: b, resume: true, ...quiet });
    assert.equal(second.finished, true);
    assert.equal(second.epochs, 2);

    for (const f of ['final', 'latest', 'best', 'latestState'] as const) {
      assert.ok(readFileSync(runPath(a, f)).equals(readFileSync(runPath(b, f))), `${f} identical`);
    }
    assert.deepEqual(readLog(b).map(untimed), readLog(a).map(untimed));

    // Not trivially equal: another seed trains to other weights.
    await trainRun({ config: tinyConfig(join(dir, 'data'), (c) => (c.train.seed = 4)), runDir: other, ...quiet });
    assert.ok(!readFileSync(runPath(a, 'final')).equals(readFileSync(runPath(other, 'final'))));

    // Resuming a finished run changes nothing.
    const again = await trainRun({ config: readRunConfig(a), runDir: a, resume: true, ...quiet });
    assert.equal(again.finished, true);
    assert.equal(readLog(a).length, 2);
  } finally {
    cleanup();
  }
});

test('a run killed with SIGKILL mid-epoch resumes to the same final weights', async () => {
  const { dir, cleanup } = tempDir('dias-train-kill-');
  try {
    writeLineDataset(join(dir, 'data'), { training: 2, validation: 1, size: 32 });
    const config = tinyConfig(join(dir, 'data'), (c) => (c.train.epochs = 3));
    const [whole, killed] = [join(dir, 'whole'), join(dir, 'killed')];
    await trainRun({ config, runDir: whole, ...quiet });

    // The same settings through the command line, killed as soon as epoch 1 is on disk.
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(config));
    const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
    const child = spawn(
      process.execPath,
      [
        '--conditions=dias-source',
        '--import',
        'tsx',
        main,
        'train',
        '--config',
        file,
        '--out',
        killed,
        '--no-progress',
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const latest = runPath(killed, 'latestJson');
    const started = Date.now();
    while (!existsSync(latest) && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await exited;
    const record = JSON.parse(readFileSync(latest, 'utf8'));
    assert.ok(record.epoch >= 1 && record.epoch < 3, `killed after epoch ${record.epoch}, before the end`);

    const resumed = await trainRun({ config: readRunConfig(killed), runDir: killed, resume: true, ...quiet });
    assert.equal(resumed.finished, true);
    assert.ok(
      readFileSync(runPath(whole, 'final')).equals(readFileSync(runPath(killed, 'final'))),
      'same final weights',
    );
    assert.deepEqual(readLog(killed).map(untimed), readLog(whole).map(untimed));
  } finally {
    cleanup();
  }
});
