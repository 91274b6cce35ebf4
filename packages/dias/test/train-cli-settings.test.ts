// `dias train` settings from the command line that used to pass silently or be reported as something else than
// what was given: each stops before anything is written, exit 2, naming the flag (or the file) and the reason.
// The command runs in this process, as main.ts runs it (exitCodeOf gives the code).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exitCodeOf } from '../src/cli/command.js';
import { trainCommand } from '../src/cli/train.js';
import { tempDir } from './data-fixture.js';
import { writeLineDataset, writeTinyCliRun } from './train-fixture.js';

let tmp: { dir: string; cleanup: () => void };
let data: string, config: string;
let runs = 0;
before(() => {
  tmp = tempDir('dias-train-settings-');
  config = writeTinyCliRun(tmp.dir);
  data = join(tmp.dir, 'data');
});
after(() => tmp.cleanup());

/** A run of seconds, should a mistake not be refused. */
const TINY = ['--model', 'FR_UNet', '--model-option', 'feature_scale=16', '--epochs', '1', '--patches-per-epoch', '4'];
TINY.push('--batch', '4', '--threads', '1', '--no-progress');

/** `dias train ARGS...` in this process (a fresh --out RUN unless given): the exit code, the error message, whether RUN exists. */
async function train(...args: string[]): Promise<{ code: number; message: string; wrote: boolean }> {
  const at = args.indexOf('--out');
  const run = at >= 0 ? args[at + 1] : join(tmp.dir, `run${runs++}`);
  const log = console.log;
  console.log = () => {};
  try {
    const code = await trainCommand.run([...TINY, ...args, ...(at >= 0 ? [] : ['--out', run])]);
    return { code, message: '', wrote: existsSync(run) };
  } catch (e) {
    return { code: exitCodeOf(e), message: (e as Error).message, wrote: existsSync(run) };
  } finally {
    console.log = log;
  }
}

test('an empty --scribbles is reported as the empty string it is, not as null', async () => {
  const r = await train('--data', data, '--config', config, '--recipe', 'pce', '--scribbles', '');
  assert.equal(r.code, 2);
  assert.equal(
    r.message,
    "--scribbles: data.scribbles: must name a scribble set: 'auto', 'annotator' or a folder below training/",
  );
  assert.equal(r.wrote, false);
});

test('a flag the chosen recipe does not read is an error naming the flag and the recipe', async () => {
  const cases: [string[], string][] = [
    [['--iterations', '2'], '--iterations: rpst.iterations does not apply to recipe fsl (only rpst reads it)'],
    [
      ['--scribbles', 'X'],
      '--scribbles: data.scribbles does not apply to recipe fsl (only sscr, pce, pce-dice, entropy-min, gated-crf, dmpls read it)',
    ],
    [['--set', 'gatedCrf.radius=3'], '--set: gatedCrf.radius does not apply to recipe fsl (only gated-crf reads it)'],
    [
      ['--recipe', 'pce', '--set', 'sscr.pseudoWeight=2'],
      '--set: sscr.pseudoWeight does not apply to recipe pce (only sscr reads it)',
    ],
    [
      ['--recipe', 'mean-teacher', '--iterations', '2'],
      '--iterations: rpst.iterations does not apply to recipe mean-teacher (only rpst reads it)',
    ],
  ];
  for (const [flags, message] of cases) {
    const r = await train('--data', data, '--config', config, ...flags);
    assert.deepEqual([r.code, r.message, r.wrote], [2, message, false], flags.join(' '));
  }
});

test('a config file may hold the sections of other recipes: a warning names the file, the key and the recipe', async () => {
  const file = join(tmp.dir, 'shared.yaml');
  writeFileSync(file, `${readFileSync(config, 'utf8')}\ngatedCrf:\n  radius: 3\n`);
  const warnings: string[] = [];
  const error = console.error;
  console.error = (line: string) => void warnings.push(line);
  try {
    // The run fails later (no such model), after the settings were checked.
    const r = await train('--data', data, '--config', file, '--model', 'NoSuchNet');
    assert.match(r.message, /model\.name: unknown model 'NoSuchNet'/);
  } finally {
    console.error = error;
  }
  assert.deepEqual(warnings, [
    `warning: ${file}: gatedCrf.radius does not apply to recipe fsl (only gated-crf reads it); it is ignored`,
  ]);
});

test('rpst with more labelled sequences than there are leaves nothing behind; the corrected command then runs', async () => {
  const pooled = join(tmp.dir, 'pooled');
  writeLineDataset(pooled, { training: 2, validation: 1, unlabelled: 1, size: 32 });
  const run = join(tmp.dir, 'rpst');
  const rpst = ['--data', pooled, '--config', config, '--recipe', 'rpst', '--iterations', '1', '--out', run];
  const r = await train(...rpst, '--labelled', '999');
  assert.equal(r.code, 1);
  assert.match(r.message, /data\.labelled is 999, but there are only 2 training sequences/);
  assert.equal(existsSync(run), false, `left ${existsSync(run) ? readdirSync(run).join(', ') : ''}`);
  // A teacher that fails to start for another reason (no validation split) takes RUN/config.json back too.
  const noValidation = join(tmp.dir, 'no-validation');
  writeLineDataset(noValidation, { training: 2, validation: 0, unlabelled: 1, size: 32 });
  const failed = await train(...rpst.map((a) => (a === pooled ? noValidation : a)));
  assert.equal(failed.code, 1);
  assert.match(failed.message, /validation/);
  assert.equal(existsSync(run), false, `left ${existsSync(run) ? readdirSync(run).join(', ') : ''}`);
  const retry = await train(...rpst, '--labelled', '1', '--stop-after', '1');
  assert.equal(retry.message, '');
  assert.equal(retry.code, 0);
});
