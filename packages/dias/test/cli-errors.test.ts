// Command-line inputs that used to pass silently or fail obscurely: each must stop with a clear message that
// names the file or flag, the exit code of the convention (2 for usage errors, 1 for failures), and nothing
// half-written.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { cuda, getNumThreads, loadSafetensors, saveSafetensors, setNumThreads, type Tensor } from '@dias-ts/torch';
import { applyThreadsFlag } from '../src/cli/inference-flags.js';
import { modelCommand } from '../src/cli/models.js';
import { benchCommand } from '../src/cli/bench.js';
import { helpText } from '../src/cli/command.js';
import { checkDataset } from '../src/data/readers/dataset-check.js';
import { writeDiasSequences } from './data-fixture.js';
import { metricsCommand } from '../src/cli/metrics.js';
import { dataCommand } from '../src/cli/data.js';
import { segmentCommand } from '../src/cli/segment.js';
import { synthCommand } from '../src/cli/synth.js';
import { encodeNpy } from '../src/data/readers/npy-array.js';
import { UsageError } from '../src/cli/command.js';
import { tempDir, writePng } from './data-fixture.js';
import { frameGrey, writeTinyRun } from './eval-fixture.js';
import { sharedPath, SKIP_WITHOUT_SHARED } from '../../../test-support/shared-data.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const REFERENCE = sharedPath('reference/models');

/** The real CLI in a child process: exit codes as the shell sees them. */
function dias(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--conditions=dias-source', '--import', 'tsx', MAIN, ...args], {
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A command in this process, its stdout captured; rejects as the command does. */
async function quiet(run: () => Promise<number>): Promise<{ code: number; stdout: string }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...parts: unknown[]) => void lines.push(parts.join(' '));
  try {
    return { code: await run(), stdout: lines.join('\n') };
  } finally {
    console.log = log;
  }
}

describe('dias model verify', () => {
  test('a folder without references is an error, not "0/0 equivalent"', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, 'notes.txt'), 'no references here');
      await assert.rejects(
        modelCommand.run(['verify', '--reference', dir]),
        (e: Error) =>
          e instanceof UsageError &&
          e.message.includes(dir) &&
          /no references \(<Name>\.json with <Name>\.output\.npy\)/.test(e.message),
      );
      await assert.rejects(
        modelCommand.run(['verify', '--reference', join(dir, 'nope')]),
        (e: Error) => e instanceof UsageError && /nope: no such folder/.test(e.message),
      );
    } finally {
      cleanup();
    }
  });

  test(
    'an unknown constructor key fails the model instead of being ignored',
    { skip: SKIP_WITHOUT_SHARED },
    async () => {
      const { dir, cleanup } = tempDir();
      try {
        const json = JSON.parse(readFileSync(join(REFERENCE, 'CSNet.json'), 'utf8'));
        json.constructor.num_chanels = 4;
        writeFileSync(join(dir, 'CSNet.json'), JSON.stringify(json));
        copyFileSync(join(REFERENCE, 'CSNet.output.npy'), join(dir, 'CSNet.output.npy'));
        const r = await quiet(() => modelCommand.run(['verify', '--reference', dir]));
        assert.equal(r.code, 1);
        assert.match(
          r.stdout,
          /CSNet .*FAIL .*constructor key num_chanels is not an option of CSNet \(its options: .*num_channels/,
        );
        assert.match(r.stdout, /0\/1 equivalent/);
      } finally {
        cleanup();
      }
    },
  );
});

describe('dias model verify: a broken reference fails its model with the file and the reason', () => {
  test(
    'not JSON, a missing field, an impossible input shape, no golden output',
    { skip: SKIP_WITHOUT_SHARED },
    async () => {
      const { dir, cleanup } = tempDir();
      try {
        const json = JSON.parse(readFileSync(join(REFERENCE, 'CSNet.json'), 'utf8'));
        writeFileSync(join(dir, 'Broken.json'), '{"model": "CSNet", ');
        writeFileSync(join(dir, 'NoShape.json'), JSON.stringify({ ...json, input_shape: undefined }));
        writeFileSync(join(dir, 'Huge.json'), JSON.stringify({ ...json, input_shape: [1, 8, 100000, 100000] }));
        writeFileSync(join(dir, 'NoOutput.json'), JSON.stringify(json));
        const r = await quiet(() => modelCommand.run(['verify', '--reference', dir]));
        assert.equal(r.code, 1);
        const line = (name: string) => r.stdout.split('\n').find((l) => l.startsWith(name)) ?? '';
        assert.match(line('Broken'), /FAIL .*Broken\.json: not valid JSON \(/);
        assert.match(line('NoShape'), /FAIL .*NoShape\.json: input_shape must be a list of positive integers/);
        assert.match(
          line('Huge'),
          /FAIL .*Huge\.json: input_shape \[1, 8, 100000, 100000\] is 80000000000 pixels, more than the limit/,
        );
        assert.match(
          line('NoOutput'),
          /FAIL .*NoOutput\.output\.npy: no such file \(the golden output beside NoOutput\.json\)/,
        );
        assert.doesNotMatch(r.stdout, /Invalid typed array length/);
        assert.match(r.stdout, /0\/4 equivalent/);
      } finally {
        cleanup();
      }
    },
  );
});

describe('dias metrics', () => {
  test('probabilities outside [0, 1] and --threshold outside [0, 1] are refused, as test and segment do', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const gt = join(dir, 'gt.npy');
      writeFileSync(gt, encodeNpy([2, 2], Uint8Array.from([0, 1, 1, 0])));
      const logits = join(dir, 'logits.npy');
      writeFileSync(logits, encodeNpy([2, 2], Float32Array.from([0.2, 3.5, 0.9, -1])));
      await assert.rejects(
        quiet(() => metricsCommand.run(['--prob', logits, '--gt', gt])),
        (e: Error) =>
          e.message.startsWith(logits) &&
          /probability 3\.5 at pixel 1 \(row 0, column 1\) is outside \[0, 1\]/.test(e.message),
      );
      const prob = join(dir, 'prob.npy');
      writeFileSync(prob, encodeNpy([2, 2], Float32Array.from([0.2, 1, 0.9, 0])));
      for (const t of ['2', '-0.5']) {
        await assert.rejects(
          quiet(() => metricsCommand.run(['--prob', prob, '--gt', gt, `--threshold=${t}`])),
          (e: Error) => e instanceof UsageError && e.message === `--threshold must be a number in [0, 1], got '${t}'`,
        );
      }
      assert.equal((await quiet(() => metricsCommand.run(['--prob', prob, '--gt', gt, '--threshold', '1']))).code, 0);
    } finally {
      cleanup();
    }
  });
});

describe('outputs are not overwritten or misnamed', () => {
  test('segment refuses an --out that holds its outputs already, unless --overwrite', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const run = join(dir, 'run');
      writeTinyRun(run, { frames: 4 });
      const frames = join(dir, 'cine');
      for (let k = 0; k < 4; k++) writePng(join(frames, `frame_${k}.png`), 64, 64, frameGrey(1, k, 4));
      const out = join(dir, 'out');
      const args = ['--run', run, frames, '--out', out, '--fast', '--no-progress'];
      assert.equal((await quiet(() => segmentCommand.run(args))).code, 0);
      const mask = join(out, 'cine_mask.png');
      const before = statSync(mask).mtimeMs;
      writeFileSync(join(out, 'cine_prob.png'), 'mine');
      await assert.rejects(
        quiet(() => segmentCommand.run(args)),
        (e: Error) =>
          e instanceof UsageError &&
          /--out .*out already holds cine_mask\.png, cine_overlay\.png, cine_prob\.npy, cine_prob\.png; give --overwrite to replace them/.test(
            e.message,
          ),
      );
      assert.equal(readFileSync(join(out, 'cine_prob.png'), 'utf8'), 'mine');
      assert.equal(statSync(mask).mtimeMs, before);
      assert.equal((await quiet(() => segmentCommand.run([...args, '--overwrite']))).code, 0);
      assert.notEqual(readFileSync(join(out, 'cine_prob.png'), 'latin1').slice(1, 4), 'ine');
    } finally {
      cleanup();
    }
  });

  test('data show writes PNG only, and says so for another extension', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writePng(join(dir, 'x.png'), 8, 8, () => 100);
      for (const name of ['sheet.jpg', 'sheet']) {
        await assert.rejects(
          quiet(() => dataCommand.run(['show', join(dir, 'x.png'), '--out', join(dir, name)])),
          (e: Error) =>
            e instanceof UsageError && e.message.includes(name) && /writes a PNG; name it \.png/.test(e.message),
        );
      }
      assert.deepEqual(readdirSync(dir), ['x.png']);
      assert.equal(
        (await quiet(() => dataCommand.run(['show', join(dir, 'x.png'), '--out', join(dir, 'sheet.PNG')]))).code,
        0,
      );
      assert.ok(existsSync(join(dir, 'sheet.PNG')));
    } finally {
      cleanup();
    }
  });
});

describe('dias synth', () => {
  test("--frames outside the DIAS layout's 4 to 9 is refused (data check would reject the dataset); nothing is written", async () => {
    const { dir, cleanup } = tempDir();
    try {
      for (const frames of ['1', '20', '3-9', '4-10']) {
        const out = join(dir, `f${frames}`);
        await assert.rejects(
          synthCommand.run(['--out', out, '--preset', 'small', '--frames', frames, '--no-progress']),
          (e: Error) =>
            e instanceof UsageError &&
            /frames [\d-]+: raw frames per sequence must lie in 4\.\.9, as in the DIAS layout \(dias data check flags other counts[;)]/.test(
              e.message,
            ),
          frames,
        );
        assert.ok(!existsSync(out), frames);
      }
    } finally {
      cleanup();
    }
  });
});

describe('--threads', () => {
  test('more threads than cores are capped at the cores, with a message', (t) => {
    const before = getNumThreads();
    const err = t.mock.method(console, 'error', () => {});
    try {
      const cores = availableParallelism();
      applyThreadsFlag('1000');
      assert.equal(getNumThreads(), cores);
      assert.deepEqual(
        err.mock.calls.map((c) => c.arguments.join(' ')),
        [`note: --threads 1000 is more than the ${cores} cores here; using ${cores}`],
      );
      applyThreadsFlag(String(cores));
      assert.equal(err.mock.calls.length, 1, 'no message when the request fits');
      assert.throws(
        () => applyThreadsFlag('0'),
        (e: Error) => e instanceof UsageError && /--threads must be a positive integer/.test(e.message),
      );
    } finally {
      setNumThreads(before);
    }
  });
});

describe('bench report and bench ssl read --threads and --device as every command', () => {
  test('more threads than cores are capped with the note; --device cuda without CUDA is a usage error', async (t) => {
    const before = getNumThreads();
    const err = t.mock.method(console, 'error', () => {});
    const { dir, cleanup } = tempDir();
    try {
      const cores = availableParallelism();
      // A broken training frame: each report stops at its first read, after the flags are applied.
      writeDiasSequences(dir, [
        { split: 'training', id: 1, frames: 4, label: true },
        { split: 'validation', id: 2, frames: 4, label: true },
      ]);
      writeFileSync(join(dir, 'training', 'images', 'image_s1_i0.png'), 'not a png');
      for (const args of [
        ['report', '--models', 'unet'],
        ['ssl', '--model', 'unet'],
      ]) {
        setNumThreads(1);
        const out = join(dir, `${args[0]}.md`);
        await assert.rejects(
          quiet(() => benchCommand.run([...args, '--data', dir, '--threads', '1000', '--out', out, '--no-progress'])),
          /image_s1_i0\.png: not a readable PNG|no unlabelled sequences/,
        );
        assert.equal(getNumThreads(), cores, args[0]);
        assert.ok(
          err.mock.calls.some(
            (c) =>
              c.arguments.join(' ') === `note: --threads 1000 is more than the ${cores} cores here; using ${cores}`,
          ),
          args[0],
        );
        await assert.rejects(
          quiet(() => benchCommand.run([...args, '--data', dir, '--threads', '0'])),
          (e: Error) => e instanceof UsageError && /--threads must be a positive integer/.test(e.message),
        );
        if (!cuda.isAvailable()) {
          await assert.rejects(
            quiet(() => benchCommand.run([...args, '--data', dir, '--device', 'cuda', '--out', out])),
            (e: Error) => e instanceof UsageError && /--device cuda: CUDA is not available/.test(e.message),
          );
        }
      }
    } finally {
      setNumThreads(before);
      cleanup();
    }
  });
});

describe('--max-pixels', () => {
  test('an image over the limit stops with the file named and exit 1; --max-pixels and DIAS_MAX_PIXELS raise the limit', () => {
    const { dir, cleanup } = tempDir();
    try {
      const png = join(dir, 'x.png');
      writePng(png, 40, 40, () => 100);
      const sheet = join(dir, 'sheet.png');
      const env = { ...process.env, DIAS_MAX_PIXELS: '1000' };
      const run = (args: string[], extra: NodeJS.ProcessEnv = env) =>
        spawnSync(process.execPath, ['--conditions=dias-source', '--import', 'tsx', MAIN, ...args], {
          encoding: 'utf8',
          env: extra,
        });
      const refused = run(['data', 'show', png, '--out', sheet]);
      assert.equal(refused.status, 1, refused.stderr);
      assert.match(
        refused.stderr,
        /x\.png: 40x40 is 1600 pixels, more than the limit of 1000; --max-pixels N \(or DIAS_MAX_PIXELS=N\) raises it/,
      );
      assert.ok(!existsSync(sheet));
      const raised = run(['data', 'show', png, '--out', sheet, '--max-pixels', '2000']);
      assert.equal(raised.status, 0, raised.stderr);
      assert.ok(existsSync(sheet));
      const bad = run(['--max-pixels=many', 'data', 'show', png, '--out', sheet]);
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /--max-pixels must be a positive integer, got 'many'/);
      const badEnv = run(['data', 'show', png, '--out', sheet], { ...process.env, DIAS_MAX_PIXELS: 'lots' });
      assert.equal(badEnv.status, 2);
      assert.match(badEnv.stderr, /DIAS_MAX_PIXELS must be a positive integer, got 'lots'/);
    } finally {
      cleanup();
    }
  });
});

describe('exit codes: 2 when the command line is wrong, 1 when the work fails', () => {
  test('every malformed command line exits 2, whatever parseArgs or the command found wrong', () => {
    const { dir, cleanup } = tempDir();
    try {
      const png = join(dir, 'x.png');
      writePng(png, 4, 4, () => 9);
      const badYaml = join(dir, 'bad.yaml');
      writeFileSync(badYaml, 'train: [unclosed\n');
      const usage: [string[], RegExp][] = [
        [['models', 'extra'], /Unexpected argument 'extra'/],
        [['metrics', '--prob'], /--prob <value>' argument missing/],
        [['metrics', '--json=1', '--prob', png, '--gt', png], /'--json' does not take an argument/],
        [
          ['data', 'show', join(dir, 'missing.png'), '--out', join(dir, 's.png')],
          /missing\.png: no such file or folder/,
        ],
        [['nonsense'], /unknown command 'nonsense'/],
        [['data', 'check', png], /x\.png: not a folder/],
        [['train', '--data', dir, '--out', join(dir, 'run'), '--config', badYaml], /bad\.yaml: not valid YAML/],
        [
          ['synth', '--out', join(dir, 'synth'), '--scribble-erosion', '4'],
          /--scribble-erosion needs A,B \(two numbers >= 0\), not '4'/,
        ],
        [
          ['train', '--data', dir, '--out', join(dir, 'run'), '--epochs', '1'],
          /scheduler\.warmupEpochs: \(10\) must not exceed train\.epochs \(1\); for a short run lower it/,
        ],
      ];
      if (!cuda.isAvailable()) {
        usage.push([
          ['bench', 'train', '--model', 'unet', '--device', 'cuda', '--steps', '1', '--no-progress'],
          /--device cuda: CUDA is not available/,
        ]);
        usage.push([
          ['train', '--data', dir, '--out', join(dir, 'run'), '--device', 'cuda'],
          /--device cuda: CUDA is not available/,
        ]);
      }
      for (const [args, message] of usage) {
        const r = dias(...args);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, message, args.join(' '));
        assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      }
      // A file that cannot be read is a failure of the work: 1.
      writeFileSync(join(dir, 'bad.png'), 'not a png');
      const failed = dias('data', 'show', join(dir, 'bad.png'), '--out', join(dir, 's.png'));
      assert.equal(failed.code, 1, failed.stderr);
      assert.match(failed.stderr, /bad\.png: not a readable PNG/);
    } finally {
      cleanup();
    }
  });
});

describe('--out mistakes are usage errors that say what is wrong, not ENOTDIR or EISDIR', () => {
  test('a folder where a file goes, a file where a folder goes, a file on the way', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const png = join(dir, 'x.png');
      writePng(png, 4, 4, () => 9);
      mkdirSync(join(dir, 'folder.png'));
      const weights = join(dir, 'w.safetensors');
      writeFileSync(weights, 'x');
      const synth = [
        '--preset',
        'small',
        '--size',
        '48',
        '--training',
        '1',
        '--validation',
        '0',
        '--test',
        '0',
        '--unlabeled',
        '0',
        '--workers',
        '1',
        '--no-progress',
      ];
      const cases: [() => Promise<number>, RegExp][] = [
        [
          () => dataCommand.run(['show', png, '--out', join(dir, 'folder.png')]),
          /--out .*folder\.png: a folder; give a file name/,
        ],
        [
          () => dataCommand.run(['show', png, '--out', join(png, 's.png')]),
          /--out .*x\.png\/s\.png: .*x\.png is a file, not a folder/,
        ],
        [() => synthCommand.run(['--out', png, ...synth]), /--out .*x\.png: exists and is not a folder/],
        [
          () => synthCommand.run(['--out', join(png, 'sub'), ...synth]),
          /--out .*x\.png\/sub: .*x\.png is a file, not a folder/,
        ],
        [
          () => segmentCommand.run(['--weights', weights, png, '--out', join(png, 'sub')]),
          /--out .*x\.png\/sub: .*x\.png is a file, not a folder/,
        ],
        [
          () => segmentCommand.run(['--weights', join(dir, 'folder.png'), png, '--out', join(dir, 'o')]),
          /--weights .*folder\.png: a folder, not a file/,
        ],
        [
          () => metricsCommand.run(['--prob', join(dir, 'folder.png'), '--gt', png]),
          /--prob .*folder\.png: a folder, not a file/,
        ],
      ];
      for (const [run, message] of cases) {
        await assert.rejects(
          quiet(run),
          (e: Error) => e instanceof UsageError && message.test(e.message) && !/ENOTDIR|EISDIR/.test(e.message),
          String(message),
        );
      }
      assert.deepEqual(readdirSync(dir).sort(), ['folder.png', 'w.safetensors', 'x.png']);
    } finally {
      cleanup();
    }
  });
});

describe('segment --weights: a file that is not usable weights says why', () => {
  /** Rewrites the run's best weights as `path`: tensors renamed by `rename`, one turned to NaN if asked. */
  function rewrite(
    run: string,
    path: string,
    o: { rename?: (k: string) => string; nan?: boolean; metadata?: Record<string, string> },
  ): void {
    const { tensors, metadata } = loadSafetensors(join(run, 'checkpoint_best.safetensors'));
    const out = new Map<string, Tensor>();
    let first = true;
    for (const [k, t] of tensors) {
      let v = t;
      if (o.nan && first && t.dtype === 'float32') {
        v = t.mul(Number.NaN);
        first = false;
      }
      out.set(o.rename ? o.rename(k) : k, v);
    }
    saveSafetensors(path, out, { ...metadata, ...o.metadata });
    for (const t of [...tensors.values(), ...out.values()]) t.dispose();
  }

  test('a resume state is not weights; NaN weights are refused before anything is written', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const run = join(dir, 'run');
      writeTinyRun(run, { frames: 4 });
      const frames = join(dir, 'cine');
      for (let k = 0; k < 4; k++) writePng(join(frames, `frame_${k}.png`), 64, 64, frameGrey(1, k, 4));
      const state = join(dir, 'checkpoint_latest.state.safetensors');
      rewrite(run, state, { rename: (k) => `model/model.${k}`, metadata: { dias_checkpoint: '{"epoch": 3}' } });
      const out = join(dir, 'out');
      await assert.rejects(
        quiet(() => segmentCommand.run(['--weights', state, frames, '--out', out, '--no-progress'])),
        (e: Error) =>
          e instanceof UsageError &&
          e.message.length < 400 &&
          /state\.safetensors: a resume state of dias train, not weights; give checkpoint_best, _final or _latest\.safetensors/.test(
            e.message,
          ),
      );
      const nan = join(dir, 'nan.safetensors');
      rewrite(run, nan, { nan: true });
      await assert.rejects(
        quiet(() => segmentCommand.run(['--weights', nan, frames, '--out', out, '--fast', '--no-progress'])),
        (e: Error) =>
          e.message.startsWith(nan) &&
          /1 of \d+ weight tensors hold NaN or infinite values \(.+\); the training diverged: use an earlier checkpoint/.test(
            e.message,
          ),
      );
      assert.ok(!existsSync(out), 'no output folder');
    } finally {
      cleanup();
    }
  });
});

describe('help texts', () => {
  test('each bench subcommand has its own help, and every option of bench train and bench data is described', () => {
    const report = helpText(benchCommand, ['report', '--help']);
    assert.match(report, /^Usage: dias bench report/);
    assert.doesNotMatch(report, /dias bench (train|ssl|data)/);
    const train = helpText(benchCommand, ['train', '--help']);
    assert.match(train, /^Usage: dias bench train/);
    assert.doesNotMatch(train, /dias bench report/);
    for (const flag of [
      '--model',
      '--batch',
      '--patch',
      '--frames',
      '--steps',
      '--threads',
      '--device',
      '--json',
      '--no-progress',
    ]) {
      assert.match(train, new RegExp(`\\n  ${flag} `), `bench train ${flag}`);
    }
    const data = helpText(benchCommand, ['data', '-h']);
    assert.match(data, /^Usage: dias bench data/);
    for (const flag of [
      '--batch',
      '--patch',
      '--frames',
      '--batches',
      '--workers',
      '--augment',
      '--consumer-ms',
      '--sequences',
      '--json',
    ]) {
      assert.match(data, new RegExp(`\\n  ${flag}[ ,]`), `bench data ${flag}`);
    }
    // Without a subcommand: the overview of all four.
    assert.match(
      helpText(benchCommand, ['--help']),
      /dias bench train[\s\S]*dias bench report[\s\S]*dias bench ssl[\s\S]*dias bench data/,
    );
  });

  test('data check names a scribble set once: "scribble set \'scribbles\'", not "scribbles scribbles"', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeDiasSequences(dir, [
        { split: 'training', id: 1, frames: 4, label: true, scribbleSet: 'scribbles' },
        { split: 'training', id: 2, frames: 4, label: true, scribbleSet: 'scribbles' },
      ]);
      const r = await quiet(() => dataCommand.run(['check', dir]));
      assert.equal(r.code, 0);
      assert.match(r.stdout, /scribble set 'scribbles': 2 files, values 0, 1, 255/);
      assert.doesNotMatch(r.stdout, /scribbles scribbles/);
      assert.equal(checkDataset(dir).ok, true);
    } finally {
      cleanup();
    }
  });
});

describe('one spelling of the unlabelled split in what the commands print', () => {
  test('synth says "unlabelled", as data check does; --unlabeled is still accepted', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const out = join(dir, 'synth');
      const r = await quiet(() =>
        synthCommand.run([
          '--out',
          out,
          '--preset',
          'small',
          '--size',
          '48',
          '--frames',
          '4',
          '--training',
          '1',
          '--validation',
          '0',
          '--test',
          '0',
          '--unlabeled',
          '1',
          '--workers',
          '1',
          '--no-progress',
        ]),
      );
      assert.equal(r.code, 0);
      assert.match(r.stdout, /unlabelled 1\)/);
      assert.doesNotMatch(r.stdout, /unlabeled/);
      assert.match(synthCommand.usage, /--unlabelled/);
      const check = await quiet(() => dataCommand.run(['check', out]));
      assert.match(check.stdout, /unlabelled: 1 sequences/);
    } finally {
      cleanup();
    }
  });
});
