// Every command that reads a kind of file, run on every bad file of that kind in the corpus (fixtures/bad/, made
// by fixtures/make-bad-corpus.ts): it must stop with exit code 1 (2 for a bad setting), name the bad file, print
// no stack trace, and leave nothing behind in its --out. The commands run in this process, as main.ts runs them
// (the error's message printed, exitCodeOf giving the code); one case runs the real CLI in a child process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitCodeOf, type Command } from '../src/cli/command.js';
import { benchCommand } from '../src/cli/bench.js';
import { dataCommand } from '../src/cli/data.js';
import { metricsCommand } from '../src/cli/metrics.js';
import { modelCommand } from '../src/cli/models.js';
import { segmentCommand } from '../src/cli/segment.js';
import { testCommand } from '../src/cli/test.js';
import { trainCommand } from '../src/cli/train.js';
import { encodeNpy } from '../src/data/readers/npy-array.js';
import { BAD_CORPUS_DIR, badCorpus } from './fixtures/make-bad-corpus.js';
import { tempDir, writeDiasSequences, writePng } from './data-fixture.js';
import { writeTinyRun } from './eval-fixture.js';

const COMMANDS: Record<string, Command> = {
  data: dataCommand,
  segment: segmentCommand,
  metrics: metricsCommand,
  model: modelCommand,
  train: trainCommand,
  test: testCommand,
  bench: benchCommand,
};

interface Ran {
  code: number;
  /** Everything the command printed, and the error line main.ts prints. */
  output: string;
}

/** `dias ARGV...` in this process: what main.ts does with the command's result or error. */
async function dias(argv: string[]): Promise<Ran> {
  const printed: string[] = [];
  const [log, error, warn] = [console.log, console.error, console.warn];
  const keep = (...parts: unknown[]) =>
    void printed.push(parts.map((p) => (p instanceof Error ? p.stack : String(p))).join(' '));
  console.log = console.error = console.warn = keep;
  try {
    const code = await COMMANDS[argv[0]].run(argv.slice(1));
    return { code, output: printed.join('\n') };
  } catch (e) {
    const message = e instanceof Error ? e.message : `a thrown ${typeof e}: ${String(e)}`;
    return { code: exitCodeOf(e), output: [...printed, `dias: ${message}`].join('\n') };
  } finally {
    [console.log, console.error, console.warn] = [log, error, warn];
  }
}

let tmp: { dir: string; cleanup: () => void };
/** A run folder with a tiny FR_UNet on 4 frames, a good dataset, a good image and a good map pair. */
let run: string, data: string, goodPng: string, goodNpy: string, goodFrames: string;
let outs = 0;
/** A fresh output path in a folder of its own under the temporary folder (the path itself is not created). */
function freshOut(name: string): string {
  const dir = join(tmp.dir, 'out', `${outs++}`);
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

before(() => {
  tmp = tempDir('dias-bad-');
  data = join(tmp.dir, 'data');
  writeDiasSequences(data, [
    { split: 'training', id: 1, frames: 4, label: true, size: [16, 16] },
    { split: 'validation', id: 2, frames: 4, label: true, size: [16, 16] },
  ]);
  run = join(tmp.dir, 'run');
  writeTinyRun(run, { frames: 4, dataDir: data });
  goodPng = join(tmp.dir, 'good.png');
  writePng(goodPng, 5, 6, (x) => (x === 2 ? 255 : 0));
  goodNpy = join(tmp.dir, 'good.npy');
  writeFileSync(
    goodNpy,
    encodeNpy(
      [6, 5],
      Uint8Array.from({ length: 30 }, (_, i) => (i % 5 === 2 ? 1 : 0)),
    ),
  );
  goodFrames = join(tmp.dir, 'frames');
  for (let k = 0; k < 4; k++) writePng(join(goodFrames, `frame_${k}.png`), 16, 16, (x) => (x === 3 ? 10 : 100 + k));
});
after(() => tmp.cleanup());

const corpus = (path: string) => join(BAD_CORPUS_DIR, path);
const corpusFiles = (folder: string) =>
  readdirSync(corpus(folder))
    .sort()
    .map((f) => `${folder}/${f}`);

interface Case {
  argv: string[];
  /** What the output must contain: the bad file's name. */
  names: string;
  /** Paths that must not exist afterwards: the command's outputs. */
  outputs: string[];
  /** The exit code by the convention (cli/command.ts): 1, a file that cannot be read or breaks a rule, unless given (2: a bad setting). */
  code?: number;
}

/** Longer lines are not read: a message that quotes a whole binary file or lists every missing key. */
const LINE_LIMIT = 400;

/** Runs every case; returns one line per broken promise (an empty list when all held). */
async function check(cases: Case[]): Promise<string[]> {
  const failures: string[] = [];
  for (const c of cases) {
    const { code, output } = await dias(c.argv);
    const shown = `dias ${c.argv.map((a) => (a.startsWith(tmp.dir) ? `TMP/${relative(tmp.dir, a)}` : a.startsWith(BAD_CORPUS_DIR) ? `BAD/${relative(BAD_CORPUS_DIR, a)}` : a)).join(' ')}`;
    const problems: string[] = [];
    if (code !== (c.code ?? 1)) problems.push(`exit code ${code}, not ${c.code ?? 1}`);
    const long = output.split('\n').find((line) => line.length > LINE_LIMIT);
    if (long) problems.push(`a line of ${long.length} characters`);
    if (!output.includes(c.names)) problems.push(`does not name ${c.names}`);
    if (/^\s+at /m.test(output)) problems.push('prints a stack trace');
    if (/\[object Object\]|Invalid typed array length|failed \(\d+\)|: undefined\b/.test(output))
      problems.push('unclear message');
    const left = c.outputs.filter((p) => existsSync(p));
    if (left.length) problems.push(`left ${left.map((p) => basename(p)).join(', ')} behind`);
    if (problems.length)
      failures.push(
        `${shown}: ${problems.join('; ')}\n      said: ${output.split('\n').slice(-3).join(' | ').slice(0, 400)}`,
      );
  }
  return failures;
}

/**
 * The cases of every command that reads one image or sequence file: data show and segment (unless `show` is
 * false), metrics with the file as --prob and as --gt (when `prob`, `gt`), the other map a good one.
 */
function sequenceFileCases(file: string, o: { show?: boolean; prob?: boolean; gt?: boolean } = {}): Case[] {
  const path = corpus(file);
  const name = basename(file);
  const sheet = freshOut('sheet.png');
  const seg = freshOut('seg');
  const good = file.endsWith('.npy') ? goodNpy : goodPng;
  const cases: Case[] = [];
  if (o.show ?? true) {
    cases.push({ argv: ['data', 'show', path, '--out', sheet], names: name, outputs: [sheet] });
    cases.push({
      argv: ['segment', '--run', run, path, '--out', seg, '--fast', '--no-progress'],
      names: name,
      outputs: [seg],
    });
  }
  if (o.prob) cases.push({ argv: ['metrics', '--prob', path, '--gt', good], names: name, outputs: [] });
  if (o.gt) cases.push({ argv: ['metrics', '--prob', good, '--gt', path], names: name, outputs: [] });
  return cases;
}

test('the committed corpus is what make-bad-corpus.ts makes, and small', () => {
  const expected = badCorpus();
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else found.push(relative(BAD_CORPUS_DIR, join(dir, e.name)));
    }
  };
  walk(BAD_CORPUS_DIR);
  assert.deepEqual(
    found.sort(),
    [...expected.keys()].sort(),
    'run test/fixtures/make-bad-corpus.ts and commit fixtures/bad/',
  );
  let bytes = 0;
  for (const [path, content] of expected) {
    assert.ok(Buffer.from(content).equals(readFileSync(corpus(path))), `${path} differs from what the script makes`);
    bytes += statSync(corpus(path)).size;
  }
  assert.ok(bytes < 300_000, `the corpus is ${bytes} bytes`);
});

test('PNG: data show, segment and metrics refuse every bad PNG', async () => {
  const cases = corpusFiles('png').flatMap((f) => sequenceFileCases(f, { prob: true, gt: true }));
  assert.deepEqual(await check(cases), []);
});

test('wrong types: data show and segment refuse a file whose bytes are not of its extension, or of no image kind', async () => {
  assert.deepEqual(await check(corpusFiles('wrong-type').flatMap((f) => sequenceFileCases(f))), []);
});

test('TIFF: data show and segment refuse every bad TIFF', async () => {
  assert.deepEqual(await check(corpusFiles('tiff').flatMap((f) => sequenceFileCases(f))), []);
});

test('NPY: data show, segment and metrics refuse every bad .npy', async () => {
  // The two 2D maps are good sequences and bad maps, each in its own role only.
  const roles: Record<string, { show?: boolean; prob?: boolean; gt?: boolean }> = {
    'npy/prob-logits.npy': { show: false, prob: true },
    'npy/gt-values.npy': { show: false, gt: true },
  };
  const cases = corpusFiles('npy').flatMap((f) => sequenceFileCases(f, roles[f] ?? { prob: true, gt: true }));
  assert.deepEqual(await check(cases), []);
});

test('DICOM: data show and segment refuse every bad DICOM', async () => {
  assert.deepEqual(await check(corpusFiles('dicom').flatMap((f) => sequenceFileCases(f))), []);
});

test('folders of frames: data show and segment name the broken frame of a frame folder and of a DICOM series', async () => {
  const cases = [
    ...sequenceFileCases('frame-folder').map((c) => ({ ...c, names: 'frame_2.png' })),
    ...sequenceFileCases('dicom-series').map((c) => ({ ...c, names: 'frame_1.dcm' })),
    ...sequenceFileCases('frame-list').map((c) => ({ ...c, names: 'f7.png' })),
  ];
  assert.deepEqual(await check(cases), []);
});

test('safetensors: segment --weights and test --run refuse every bad weights file', async () => {
  const cases: Case[] = [];
  // Each must be named, and for one the metadata key that is wrong in it.
  const key: Record<string, string> = { 'options-not-object.safetensors': 'dias_model_options must be a JSON object' };
  for (const file of corpusFiles('safetensors')) {
    const seg = freshOut('seg');
    cases.push({
      argv: ['segment', '--weights', corpus(file), goodFrames, '--out', seg, '--no-progress'],
      names: key[basename(file)] ?? basename(file),
      outputs: [seg],
    });
    // A run folder whose best checkpoint is the bad file.
    const badRun = freshOut('run');
    mkdirSync(badRun, { recursive: true });
    copyFileSync(join(run, 'config.json'), join(badRun, 'config.json'));
    copyFileSync(corpus(file), join(badRun, 'checkpoint_best.safetensors'));
    cases.push({
      argv: ['test', '--run', badRun, '--data', data, '--split', 'validation', '--no-progress'],
      names: key[basename(file)] ?? 'checkpoint_best.safetensors',
      outputs: [join(badRun, 'test_validation')],
    });
  }
  assert.deepEqual(await check(cases), []);
});

test('configs: train --config and bench report --config refuse every bad YAML/JSON file, train a file as init.from', async () => {
  const cases = corpusFiles('config').flatMap((file): Case[] => {
    const runDir = freshOut('run');
    const report = freshOut('report.md');
    return [
      {
        argv: ['train', '--data', data, '--out', runDir, '--config', corpus(file), '--no-progress'],
        names: basename(file),
        outputs: [runDir],
        code: 2,
      },
      {
        argv: [
          'bench',
          'report',
          '--data',
          data,
          '--models',
          'unet',
          '--config',
          corpus(file),
          '--out',
          report,
          '--no-progress',
        ],
        names: basename(file),
        outputs: [report, report.replace(/\.md$/, '-runs')],
        code: 2,
      },
    ];
  });
  // A weights file where the run folder to start from goes.
  const runDir = freshOut('run');
  const weights = corpus('safetensors/truncated.safetensors');
  cases.push({
    argv: ['train', '--data', data, '--out', runDir, '--set', `train.init.from=${weights}`, '--no-progress'],
    names: `${weights} is a file`,
    outputs: [runDir],
    code: 2,
  });
  assert.deepEqual(await check(cases), []);
});

test('run folders: segment, test and train --resume refuse a broken config.json with exit 2 and change nothing', async () => {
  const cases = readdirSync(corpus('run-config'))
    .sort()
    .flatMap((folder): Case[] => {
      const badRun = freshOut('run');
      mkdirSync(badRun);
      for (const f of readdirSync(run)) copyFileSync(join(run, f), join(badRun, f));
      copyFileSync(corpus(`run-config/${folder}/config.json`), join(badRun, 'config.json'));
      const seg = freshOut('seg');
      const names = join(badRun, 'config.json');
      const runFiles = ['log.jsonl', 'checkpoint_latest.state.safetensors', 'test_validation'].map((f) =>
        join(badRun, f),
      );
      return [
        {
          argv: ['segment', '--run', badRun, goodFrames, '--out', seg, '--fast', '--no-progress'],
          names,
          outputs: [seg],
          code: 2,
        },
        {
          argv: ['test', '--run', badRun, '--data', data, '--split', 'validation', '--no-progress'],
          names,
          outputs: runFiles,
          code: 2,
        },
        { argv: ['train', '--out', badRun, '--resume', '--no-progress'], names, outputs: runFiles, code: 2 },
      ];
    });
  assert.deepEqual(await check(cases), []);
});

test('a run whose log.jsonl is broken: test --report and train --resume name its line before any work', async () => {
  const cases = readdirSync(corpus('run-log'))
    .sort()
    .flatMap((folder): Case[] => {
      const badRun = freshOut('run');
      mkdirSync(badRun);
      for (const f of readdirSync(run)) copyFileSync(join(run, f), join(badRun, f));
      copyFileSync(corpus(`run-log/${folder}/log.jsonl`), join(badRun, 'log.jsonl'));
      const report = freshOut('report.md');
      return [
        {
          argv: ['test', '--run', badRun, '--data', data, '--split', 'validation', '--report', report, '--no-progress'],
          names: 'log.jsonl:2',
          outputs: [report, join(badRun, 'test_validation')],
        },
        {
          argv: ['train', '--out', badRun, '--resume', '--no-progress'],
          names: 'log.jsonl:2',
          outputs: [join(badRun, 'checkpoint_latest.state.safetensors')],
        },
      ];
    });
  assert.deepEqual(await check(cases), []);
});

test('nnU-Net folders with a broken dataset.json or case: data check and data show name the file', async () => {
  const broken: Record<string, string> = {
    'bad-json': 'bad-json/dataset.json',
    'null-json': 'null-json/dataset.json',
    'wrong-types': 'wrong-types/dataset.json',
    'channels-mismatch': 'case1_0000.png',
  };
  assert.deepEqual(readdirSync(corpus('nnunet')).sort(), Object.keys(broken).sort());
  const cases = Object.entries(broken).flatMap(([folder, name]): Case[] => {
    const sheet = freshOut('sheet.png');
    return [
      { argv: ['data', 'check', corpus(`nnunet/${folder}`)], names: name, outputs: [] },
      {
        argv: ['data', 'show', corpus(`nnunet/${folder}`), '--id', 'case1', '--out', sheet],
        names: name,
        outputs: [sheet],
      },
    ];
  });
  assert.deepEqual(await check(cases), []);
});

test('model references: model verify fails every broken reference, naming its file', async () => {
  const cases = readdirSync(corpus('reference'))
    .sort()
    .map((folder): Case => ({
      argv: ['model', 'verify', '--reference', corpus(`reference/${folder}`)],
      names: `${folder}/UNet`,
      outputs: [],
    }));
  assert.deepEqual(await check(cases), []);
});

test('DIAS datasets with one broken piece: data check, data show, train, test and bench report each name it', async () => {
  const broken: Record<string, string> = {
    'corrupt-frame': 'image_s1_i2.png',
    'frame-size': 'image_s1_i3.png',
    'label-not-png': 'label_s1.png',
    'label-size': 'label_s1.png',
    'label-values': 'label_s1.png',
    'mixed-depth': 'image_s1_i1.png',
    'scribble-values': 'scribbles/label_s1.png',
  };
  assert.deepEqual(readdirSync(corpus('dataset')).sort(), Object.keys(broken).sort());
  const cases = Object.entries(broken).flatMap(([folder, name]): Case[] => {
    const dir = corpus(`dataset/${folder}`);
    const sheet = freshOut('sheet.png');
    const runDir = freshOut('run');
    const testRun = freshOut('test-run');
    const report = freshOut('report.md');
    mkdirSync(testRun, { recursive: true });
    for (const f of readdirSync(run)) copyFileSync(join(run, f), join(testRun, f));
    // Scribbles are read by the scribble recipes (and data check and show) only; test and bench report (full
    // supervision) rightly use such a dataset.
    const scribbles = folder === 'scribble-values';
    const recipe = scribbles ? ['--recipe', 'pce', '--scribbles', 'scribbles'] : [];
    const tiny = [
      '--model',
      'FR_UNet',
      '--model-option',
      'feature_scale=16',
      '--frames',
      '4',
      '--patch-size',
      '16',
      '--epochs',
      '1',
      '--warmup-epochs',
      '0',
      '--patches-per-epoch',
      '4',
      '--batch',
      '2',
      '--workers',
      '0',
      '--set',
      'validation.stride=16',
      '--no-progress',
    ];
    return [
      { argv: ['data', 'check', dir], names: name, outputs: [] },
      { argv: ['data', 'show', dir, '--id', '1', '--out', sheet], names: name, outputs: [sheet] },
      { argv: ['train', '--data', dir, '--out', runDir, ...recipe, ...tiny], names: name, outputs: [runDir] },
      ...(scribbles
        ? []
        : [
            {
              argv: ['test', '--run', testRun, '--data', dir, '--split', 'training', '--no-progress'],
              names: name,
              outputs: [join(testRun, 'test_training')],
            },
            {
              argv: ['bench', 'report', '--data', dir, '--models', 'FR_UNet', '--out', report, '--no-progress'],
              names: name,
              outputs: [report, report.replace(/\.md$/, '-runs')],
            },
          ]),
    ];
  });
  assert.deepEqual(await check(cases), []);
});

test('a broken frame in the unlabelled pool: data check and show name it, rpst stops before training the teacher', async () => {
  const dir = corpus('unlabelled-frame');
  const sheet = freshOut('sheet.png');
  const runDir = freshOut('run');
  const tiny = [
    '--model',
    'FR_UNet',
    '--model-option',
    'feature_scale=16',
    '--frames',
    '4',
    '--patch-size',
    '16',
    '--epochs',
    '1',
    '--warmup-epochs',
    '0',
    '--patches-per-epoch',
    '4',
    '--batch',
    '2',
    '--workers',
    '0',
    '--set',
    'validation.stride=16',
    '--no-progress',
  ];
  const cases: Case[] = [
    { argv: ['data', 'check', dir], names: 'image_s3_i1.png', outputs: [] },
    { argv: ['data', 'show', dir, '--id', '3', '--out', sheet], names: 'image_s3_i1.png', outputs: [sheet] },
    {
      argv: ['train', '--data', dir, '--out', runDir, '--recipe', 'rpst', '--iterations', '1', ...tiny],
      names: 'image_s3_i1.png',
      outputs: [runDir],
    },
  ];
  assert.deepEqual(await check(cases), []);
});

test('the real CLI: a bad file gives exit 1, the file named and no stack trace', () => {
  const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
  const sheet = freshOut('sheet.png');
  const r = spawnSync(
    process.execPath,
    ['--conditions=dias-source', '--import', 'tsx', main, 'data', 'show', corpus('tiff/ifd-loop.tif'), '--out', sheet],
    { encoding: 'utf8', timeout: 30_000 },
  );
  assert.equal(r.status, 1, r.stderr);
  assert.match(
    r.stderr,
    /^dias: .*ifd-loop\.tif: not a readable TIFF \(IFD 1 at byte \d+ is reached twice: the file's structure loops\)\n$/,
  );
  assert.ok(!existsSync(sheet));
});
