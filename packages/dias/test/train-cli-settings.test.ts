// `dias train` settings from the command line that used to pass silently or be reported as something else than
// what was given: each stops before anything is written, exit 2, naming the flag (or the file) and the reason.
// The command runs in this process, as main.ts runs it (exitCodeOf gives the code).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { exitCodeOf } from '../src/cli/command.js';
import { trainCommand } from '../src/cli/train.js';
import { tempDir } from './data-fixture.js';
import { writeTinyCliRun } from './train-fixture.js';

let tmp: { dir: string; cleanup: () => void };
let data: string, config: string;
let runs = 0;
before(() => {
  tmp = tempDir('dias-train-settings-');
  config = writeTinyCliRun(tmp.dir);
  data = join(tmp.dir, 'data');
});
after(() => tmp.cleanup());

/** `dias train ARGS... --out RUN` in this process: the exit code, the error message, and whether RUN exists. */
async function train(...args: string[]): Promise<{ code: number; message: string; wrote: boolean }> {
  const run = join(tmp.dir, `run${runs++}`);
  const log = console.log;
  console.log = () => {};
  try {
    const code = await trainCommand.run([...args, '--out', run, '--no-progress']);
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
  assert.equal(r.message, "--scribbles: data.scribbles: must be a non-empty string, got ''");
  assert.equal(r.wrote, false);
});
