// The exit-code rule (cli/command.ts, README) over every command: 2 when the command line or a setting is wrong
// -- a missing path given on it, a bad option value, a name that matches nothing, an output that would be
// overwritten --, 1 when the command started and a file that exists turned out broken. One table, run in this
// process as main.ts runs a command (exitCodeOf gives the code of an error).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exitCodeOf, type Command } from '../src/cli/command.js';
import { benchCommand } from '../src/cli/bench.js';
import { dataCommand } from '../src/cli/data.js';
import { infoCommand } from '../src/cli/info.js';
import { metricsCommand } from '../src/cli/metrics.js';
import { modelCommand, modelsCommand } from '../src/cli/models.js';
import { segmentCommand } from '../src/cli/segment.js';
import { serveCommand } from '../src/cli/serve.js';
import { synthCommand } from '../src/cli/synth.js';
import { testCommand } from '../src/cli/test.js';
import { trainCommand } from '../src/cli/train.js';
import { tempDir, writeDiasSequences, writePng } from './data-fixture.js';
import { writeTinyRun } from './eval-fixture.js';

const COMMANDS: Record<string, Command> = {
  info: infoCommand,
  models: modelsCommand,
  model: modelCommand,
  bench: benchCommand,
  metrics: metricsCommand,
  data: dataCommand,
  train: trainCommand,
  test: testCommand,
  segment: segmentCommand,
  synth: synthCommand,
  serve: serveCommand,
};

/** `dias ARGV...` in this process: the exit code and the last thing it said. */
async function dias(argv: string[]): Promise<{ code: number; said: string }> {
  const printed: string[] = [];
  const [log, error, warn] = [console.log, console.error, console.warn];
  console.log = console.error = console.warn = (...parts: unknown[]) => void printed.push(parts.join(' '));
  try {
    const code = await COMMANDS[argv[0]].run(argv.slice(1));
    return { code, said: printed.slice(-2).join(' | ') };
  } catch (e) {
    return { code: exitCodeOf(e), said: (e as Error).message };
  } finally {
    [console.log, console.error, console.warn] = [log, error, warn];
  }
}

let tmp: { dir: string; cleanup: () => void };
let data: string, broken: string, run: string, png: string, badPng: string, full: string, refs: string;
before(() => {
  tmp = tempDir('dias-exit-');
  data = join(tmp.dir, 'data');
  const sequences = [
    { split: 'training', id: 1, frames: 4, label: true, size: [16, 16] as [number, number] },
    { split: 'validation', id: 2, frames: 4, label: true, size: [16, 16] as [number, number] },
  ];
  writeDiasSequences(data, sequences);
  broken = join(tmp.dir, 'broken');
  writeDiasSequences(broken, sequences);
  writeFileSync(join(broken, 'training', 'images', 'image_s1_i2.png'), 'not a png');
  run = join(tmp.dir, 'run');
  writeTinyRun(run, { frames: 4, dataDir: data });
  png = join(tmp.dir, 'good.png');
  writePng(png, 16, 16, (x) => (x === 2 ? 255 : 0));
  badPng = join(tmp.dir, 'bad.png');
  writeFileSync(badPng, 'not a png');
  full = join(tmp.dir, 'full');
  mkdirSync(full);
  writeFileSync(join(full, 'notes.txt'), 'mine');
  refs = join(tmp.dir, 'refs');
  mkdirSync(refs);
  writeFileSync(join(refs, 'Broken.json'), '{"model": ');
});
after(() => tmp.cleanup());

const MISSING = '/nonexistent/dias-exit';
let outs = 0;
/** A fresh output path in a folder of its own (the path itself is not created). */
function out(name: string): string {
  const dir = join(tmp.dir, 'out', `${outs++}`);
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
const TINY = ['--model', 'FR_UNet', '--model-option', 'feature_scale=16', '--frames', '4', '--patch-size', '16'];
TINY.push('--set', 'validation.stride=16', '--epochs', '1', '--warmup-epochs', '0', '--patches-per-epoch', '4');
TINY.push('--batch', '4', '--threads', '1', '--workers', '0', '--no-progress');

test('every command: a missing path or a bad value on the command line exits 2, a broken file that exists 1', async () => {
  const cases: [string[], number, RegExp][] = [
    [['info', '--bogus'], 2, /Unknown option '--bogus'/],
    [['models', 'extra'], 2, /Unexpected argument 'extra'/],
    [['model', 'verify', '--reference', MISSING], 2, /no such folder/],
    [['model', 'verify', '--reference', refs], 1, /0\/1 equivalent/],
    [['metrics', '--prob', MISSING, '--gt', png], 2, /--prob .*: no such file/],
    [['metrics', '--prob', png, '--gt', png, '--threshold', '2'], 2, /--threshold must be a number in \[0, 1\]/],
    [['metrics', '--prob', png, '--gt', badPng], 1, /bad\.png: not a readable PNG/],
    [['data', 'check', MISSING], 2, /no such folder/],
    [['data', 'show', MISSING, '--out', out('s.png')], 2, /no such file or folder/],
    [['data', 'show', data, '--id', '99', '--out', out('s.png')], 2, /no sequence s99/],
    [['data', 'show', badPng, '--out', out('s.png')], 1, /bad\.png: not a readable PNG/],
    [['data', 'check', broken], 1, /image_s1_i2\.png/],
    [['data', 'scribbles', MISSING, '--kind', 'auto'], 2, /no such file or folder/],
    [['data', 'scribbles', data, '--kind', 'thick'], 2, /--kind must be one of/],
    [['data', 'scribbles', data, '--kind', 'auto', '--set', 'images'], 2, /images: exists/],
    [['data', 'scribbles', broken, '--kind', 'auto', '--set', 'x'], 1, /image_s1_i2\.png/],
    [['segment', '--run', MISSING, png, '--out', out('seg')], 2, /--run .*: no such run folder/],
    [['segment', '--run', run, MISSING, '--out', out('seg')], 2, /no such file or folder/],
    [['segment', '--weights', MISSING, png, '--out', out('seg')], 2, /--weights .*: no such file/],
    [['segment', '--run', run, data, '--id', '99', '--out', out('seg')], 2, /no sequence s99/],
    [['segment', '--run', run, png, '--out', out('seg'), '--stride', 'x'], 2, /--stride/],
    [['segment', '--run', run, badPng, '--out', out('seg'), '--fast'], 1, /bad\.png: not a readable PNG/],
    [['test', '--run', MISSING], 2, /--run .*: no such run folder/],
    [['test', '--run', run, '--data', MISSING], 2, /--data .*: no such folder/],
    [['test', '--run', run, '--split', 'nope'], 2, /--split must be training, validation or test/],
    [['train', '--data', MISSING, '--out', out('run'), ...TINY], 2, /--data .*dias-exit: no such folder/],
    [['train', '--data', data, '--config', MISSING, '--out', out('run')], 2, /--config .*dias-exit: no such file/],
    [
      ['train', '--data', data, '--out', out('run'), '--set', `train.init.from=${MISSING}`, ...TINY],
      2,
      /--set: train\.init\.from: .*dias-exit: no such run folder/,
    ],
    [
      ['train', '--data', data, '--out', out('run'), '--set', `data.pseudo=${MISSING}`, ...TINY],
      2,
      /--set: data\.pseudo: .*dias-exit: no such folder/,
    ],
    [
      ['train', '--data', data, '--out', out('run'), ...TINY, '--model-option', 'feature_scale=-3'],
      2,
      /model\.options: FR_UNet: option 'feature_scale' must be a positive number, got -3/,
    ],
    [['train', '--data', data, '--out', full, ...TINY], 2, /the run folder exists and is not empty/],
    [['train', '--out', run, '--resume', '--data', MISSING], 2, /--data .*dias-exit: no such folder/],
    [['train', '--data', broken, '--out', out('run'), ...TINY], 1, /image_s1_i2\.png/],
    [['bench', 'train', '--model', 'NoSuchNet'], 2, /unknown model 'NoSuchNet'/],
    [['bench', 'data', '--augment', 'nope'], 2, /--augment: unknown preset 'nope'/],
    [['bench', 'report', '--data', MISSING, '--models', 'unet'], 2, /--data .*: no such folder/],
    [['bench', 'report', '--data', data, '--models', 'unet', '--config', MISSING], 2, /--config .*: no such file/],
    [['bench', 'ssl', '--data', MISSING, '--model', 'unet'], 2, /--data .*: no such folder/],
    [['bench', 'ssl', '--data', data, '--model', 'unet', '--budget', 'epochs=1,epochs=2'], 2, /given twice/],
    [
      ['synth', '--out', out('synth'), '--compare-only', '--compare-real', MISSING],
      2,
      /--compare-real .*: no such folder/,
    ],
    [['synth', '--out', full, '--preset', 'small'], 2, /is not empty \(use --force/],
    [['serve', '--data', MISSING], 2, /no such file or folder/],
    [['serve', '--data', data, '--runs', MISSING], 2, /--runs .*: no such folder/],
    [['serve', '--data', data, '--port', '70000'], 2, /--port must be a whole number 0\.\.65535/],
    [
      ['serve', '--data', data, '--port', '0', '--host', 'no-such-host.invalid', '--token', 'long-enough-token'],
      2,
      /--host no-such-host\.invalid: no such host/,
    ],
    [
      ['serve', '--data', data, '--port', '0', '--host', '192.0.2.1', '--token', 'long-enough-token'],
      2,
      /--host 192\.0\.2\.1: not an address of this machine/,
    ],
  ];
  const wrong: string[] = [];
  for (const [argv, code, said] of cases) {
    const r = await dias(argv);
    if (r.code !== code || !said.test(r.said))
      wrong.push(`dias ${argv.join(' ').replaceAll(tmp.dir, 'TMP')}: exit ${r.code} (want ${code}), said: ${r.said}`);
  }
  assert.deepEqual(wrong, []);
});
