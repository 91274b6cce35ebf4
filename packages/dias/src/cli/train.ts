// `dias train`: fully supervised training of a zoo model on a DIAS-layout dataset, into a run folder.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  ConfigError,
  DEFAULT_TRAIN_CONFIG,
  SETTING_MAXIMA,
  applyConfigFile,
  defaultTrainConfig,
  finalizeTrainConfig,
  resumeConflicts,
  setConfigValue,
  settingOrigin,
  settingOrigins,
  stepsPerEpoch,
  type TrainConfig,
} from '../train/config.js';
import { AUGMENT_MAXIMA } from '../data/pipeline/augmentation.js';
import { isDir } from '../data/readers/dias-layout.js';
import { applyAssignment, parseValue, splitAssignment } from '../train/config-assignments.js';
import { readRunConfig } from '../train/run-folder.js';
import { trainRun } from '../train/index.js';
import { checkDataParallel } from '../train/data-parallel-check.js';
import { launchWorkers, withoutFlags } from '../train/launch.js';
import { defaultThreadCount } from '@dias-ts/torch';
import { allRecipes, findRecipe, recipesReading } from '../train/recipes/index.js';
import { progressEvents } from './train-progress.js';
import { UsageError, type Command } from './command.js';
import { availableDevice, inputFile, positiveIntFlag } from './flags.js';

/** Flags that set one config key each. */
const FLAG_KEYS: Record<string, string> = {
  data: 'data.dir',
  model: 'model.name',
  epochs: 'train.epochs',
  'patches-per-epoch': 'train.patchesPerEpoch',
  batch: 'train.batchSize',
  accumulate: 'train.accumulate',
  lr: 'optimizer.lr',
  seed: 'train.seed',
  threads: 'train.threads',
  device: 'train.device',
  select: 'validation.select',
  'patch-size': 'data.patchSize',
  frames: 'data.frames',
  'warmup-epochs': 'scheduler.warmupEpochs',
  workers: 'data.workers',
  recipe: 'train.recipe',
  scribbles: 'data.scribbles',
  classes: 'data.labels',
  labelled: 'data.labelled',
  'labelled-ids': 'data.labelledIds',
  iterations: 'rpst.iterations',
};

const USAGE = `Usage: dias train --data DIR --out RUN [--recipe NAME] [--model NAME] [--config FILE] [options]
       dias train --out RUN --resume [--threads K] [--device cpu|cuda] [--no-progress]

Trains a segmentation model by one of the DIAS benchmark's training recipes (--recipe, default fsl):
${recipeTable()}

Full supervision (fsl) is the DIAS benchmark's fsl_train.py: random labelled patches
(all T frames) with flips and 90-degree rotations, loss CE + (1 - soft Dice of the vessels), AdamW, cosine
learning rate per iteration with a linear warm-up, validation on the whole validation sequences (tiles with
stride 32) after every epoch. Every sequence is resampled to T frames and z-scored over all its frames and pixels.

Defaults are the official recipe: 100 epochs of 20000 patches 64x64 in batches of 64 (312 steps), AdamW lr 5e-4,
betas (0.9, 0.999), eps 1e-8, weight decay 0.01 (not on biases and 1-D parameters), warm-up 10 epochs from 5e-7,
minimum lr 5e-6, seed 1234, no gradient clipping. Our defaults differ in: the model (VSS_Net on all frames; the
official default is FR_UNet), mixed precision (CUDA only) and the checkpoint choice (image-level validation DSC;
--select patch-auc is the official patch-level AUC from epoch 10).

  --data DIR            DIAS-layout dataset: training/ and validation/ with images/ and labels/ (the weak recipes
                        need a scribble set under training/ and labels for validation only)
  --recipe NAME         train.recipe: fsl (default), sscr, or a weak-supervision baseline (above)
  --classes artery|av   data.labels for fsl: artery (labels/, the benchmark's; default) or av (labels_av/: 0
                        background, 1 artery, 2 vein, from dias synth --classes av; a 3-class network, num_classes 3)
  --scribbles SET       data.scribbles for the weak recipes: auto (training/scribbles, made from the dense label;
                        default), annotator (training/scribbles_annotator) or any set folder below training/
  --labelled N          data.labelled, semi-supervised recipes: the first N training sequences (in id order) are
                        the labelled subset (--labelled-ids [0,4,7] names them instead); default all
  --iterations K        rpst.iterations: RPST students after the teacher (3)
  --as-released         sscr: the released wsl_train_sscr.py (self pseudo-labels, a consistency term without
                        gradient, the final epoch exported; docs/weak-supervision.md); rpst: the released
                        ssl_train.py (one student, no strong augmentation, final weights; docs/semi-supervision.md);
                        over --config, under the flags and --set given with it
  --out RUN             run folder to create (refused if it exists and is not empty, unless --resume or --force)
  --model NAME          zoo model by official name or alias (see dias models); default VSS_Net
  --model-option K=V    a constructor option, official snake_case name (repeatable), e.g. feature_scale=8,
                        input_reduce=[0,7]; values are read as YAML (numbers, true/false, null, [lists])
  --config FILE         YAML or JSON file with any of the settings below; flags override it
  --epochs E            train.epochs (100)
  --patches-per-epoch N train.patchesPerEpoch (20000); steps per epoch = floor(N / batch)
  --batch B             train.batchSize (64)
  --accumulate K        train.accumulate (1): train each batch as K equal micro-batches (one backward each, one
                        optimizer step); the same split as K processes, with a K times smaller activation memory
  --lr X                optimizer.lr, the peak learning rate (5e-4)
  --warmup-epochs W     scheduler.warmupEpochs (10)
  --patch-size P        data.patchSize, training patch and validation tile side (64)
  --frames T            data.frames, frames every sequence is resampled to (8)
  --seed S              train.seed (1234)
  --select M            validation.select: dsc (image-level DSC, default) or patch-auc (official)
  --set KEY=VALUE       any setting by its dotted key (repeatable), e.g. --set scheduler.minLr=1e-5
  --threads K           libtorch threads (default: the free cores)
  --workers N           patch-making worker threads (default min(4, cores - 1); 0 = none)
  --device cpu|cuda     where to train (default cpu)
  --resume              continue the run in RUN from its latest checkpoint (RUN/config.json is used; only
                        --threads, --workers, --device and --data may change)
  --force               start over in an existing RUN (its run files are deleted)
  --stop-after N        train at most N more epochs, then stop (resume later with --resume)
  --no-progress         no progress bar (one line per epoch only; for logs)

Data-parallel training (docs/distributed.md): the batch stays the global one, each process trains its contiguous
share of it and the gradients are averaged (libtorch c10d, Gloo); rank 0 validates, logs and writes RUN.
  --nproc N             processes on this machine (like torchrun --nproc_per_node); the threads are split between them
  --nnodes M            machines (1); start one dias train on each with the same flags and its own --node-rank
  --node-rank R         this machine's index, 0..M-1 (0)
  --master-addr A       address of machine 0, which hosts the rendezvous (127.0.0.1; required when M > 1)
  --master-port P       its port (29500); libtorch 1.13 listens on it on every interface of machine 0. On one
                        machine (M = 1) the processes meet through a file in a private folder instead: no port
  --dist-timeout S      seconds a process waits for the others before the run stops with an error (1800)

Settings (config file keys, nested by section; --set SECTION.KEY=VALUE) and their defaults:
${settingsTable()}
  model.options          constructor options by official name; our defaults fill the rest (dias models lists each model's options)
  data.augment           preset none | fsl (official: flips, rot90) | wsl-plc | ssl-strong, or per-family changes
  train.amp              auto (on for CUDA) | true | false;  train.clipGradNorm: null (official) or a max norm
  scheduler.stepIndex    official: t = epoch * steps + idx with epochs from 1, as trainer.py (the first update uses
                         warmupLr, the schedule then runs one epoch ahead and the last epoch sits at minLr);
                         updates: t = updates done (the schedule spans the run exactly; better for short runs)
  validation.select      dsc | patch-auc;  validation.selectFromEpoch: null = 1 (dsc) or 10 (patch-auc)
  validation.earlyStopping  validations without improvement before stopping (null: never)
${maximaTable()}

Writes RUN/config.json (the resolved settings), checkpoint_best/final/latest.safetensors (weights with PyTorch
names), checkpoint_latest.state.safetensors and .json (resume record), log.jsonl (one line per epoch) and
progress.png (loss, validation and learning-rate curves). Exit 0 when the run finished or stopped as asked.`;

/** One line per recipe: its name and what it does. */
function recipeTable(): string {
  return allRecipes()
    .map((r) => `  ${r.name.padEnd(12)} ${r.summary}`)
    .join('\n');
}

/** One line per section: its keys with their default values. */
function settingsTable(): string {
  const d = DEFAULT_TRAIN_CONFIG as unknown as Record<string, unknown>;
  const show = (v: unknown): string =>
    typeof v === 'string'
      ? v || "''"
      : typeof v === 'number' && v !== 0 && Math.abs(v) < 1e-3
        ? v.toExponential()
        : Array.isArray(v)
          ? `[${v.map(show).join(',')}]`
          : JSON.stringify(v);
  return Object.entries(d)
    .map(([section, v]) => {
      const body =
        typeof v === 'object' && v !== null
          ? Object.entries(v)
              .map(([k, x]) => `${k}=${show(x)}`)
              .join(' ')
          : show(v);
      return `  ${section.padEnd(14)} ${body}`;
    })
    .join('\n');
}

/** The upper bounds of the size-like settings, wrapped. */
function maximaTable(): string {
  const items = Object.entries(SETTING_MAXIMA).map(([k, v]) => `${k} ${v}`);
  const lines = ['  Upper bounds (a larger value is an error):'];
  for (const item of items) {
    if (lines[lines.length - 1].length + item.length + 2 > 116) {
      lines[lines.length - 1] += ',';
      lines.push(`    ${item}`);
    } else lines[lines.length - 1] += lines.length === 1 && lines[0].endsWith(':') ? ` ${item}` : `, ${item}`;
  }
  const augment = Object.entries(AUGMENT_MAXIMA).map(([k, v]) => `${k} ${v}`);
  return [...lines, `    data.augment: ${augment.join(', ')}`].join('\n');
}

/** The settings from the command line, as [flag, key, value] in the order they apply. */
function commandLineSettings(values: Record<string, unknown>): [string, string, unknown][] {
  const out: [string, string, unknown][] = [];
  for (const [flag, key] of Object.entries(FLAG_KEYS)) {
    const v = values[flag] as string | undefined;
    if (v === undefined) continue;
    out.push([`--${flag}`, key, key === 'data.dir' || key === 'model.name' ? v : parseValue(v)]);
  }
  for (const text of (values['model-option'] as string[] | undefined) ?? []) {
    const [k, v] = splitAssignment('--model-option', text);
    out.push(['--model-option', `model.options.${k}`, parseValue(v)]);
  }
  for (const text of (values.set as string[] | undefined) ?? []) {
    const [k, v] = splitAssignment('--set', text);
    out.push(['--set', k, parseValue(v)]);
  }
  return out;
}

/**
 * Settings the chosen recipe does not read (--iterations with fsl, --scribbles with a recipe that learns from
 * dense labels) would pass silently: from a flag they are a usage error; from a config file, which may hold the
 * sections of several recipes (bench report and bench ssl share one), a warning.
 */
function checkRecipeSettings(config: TrainConfig): void {
  const recipe = config.train.recipe;
  for (const [key, origin] of settingOrigins(config)) {
    const readers = recipesReading(key);
    if (!readers || readers.includes(recipe)) continue;
    const why = `${key} does not apply to recipe ${recipe} (only ${readers.join(', ')} read${readers.length === 1 ? 's' : ''} it)`;
    if (origin.startsWith('--')) throw new UsageError(`${origin}: ${why}`);
    console.error(`warning: ${origin}: ${why}; it is ignored`);
  }
}

/**
 * The folders the settings name must exist before anything starts: a missing one is the command line's (or the
 * config file's) mistake, exit code 2, named with the flag or file that gave it. A resumed run reads only its data.
 */
function checkSettingFolders(config: TrainConfig, fresh: boolean): void {
  const check = (key: string, path: string | null, what: string) => {
    if (path === null || isDir(path)) return;
    const why = existsSync(path) ? 'not a folder' : `no such ${what}`;
    const origin = settingOrigin(config, key);
    if (origin && FLAG_KEYS[origin.slice(2)] === key) throw new UsageError(`${origin} ${path}: ${why}`);
    const hint = key === 'data.dir' && !fresh ? ' (give --data DIR where the dataset is now)' : '';
    throw new UsageError(`${origin ? `${origin}: ` : ''}${key}: ${path}: ${why}${hint}`);
  };
  check('data.dir', config.data.dir, 'folder');
  if (!fresh) return;
  check('train.init.from', config.train.init.from, 'run folder');
  check('data.pseudo', config.data.pseudo, 'folder');
}

/** The launcher's flags: workers are started without them. */
const LAUNCH_FLAGS = ['nproc', 'nnodes', 'node-rank', 'master-addr', 'master-port'];

/** --nproc and friends, or null when this process trains alone (or is itself a worker, started without them). */
function launchFlags(values: Record<string, unknown>) {
  const text = (k: string) => values[k] as string | undefined;
  if (LAUNCH_FLAGS.every((k) => text(k) === undefined)) return null;
  const nproc = positiveIntFlag('nproc', text('nproc'), 1);
  const nnodes = positiveIntFlag('nnodes', text('nnodes'), 1);
  const nodeRankText = text('node-rank') ?? '0';
  const nodeRank = Number(nodeRankText);
  if (!Number.isInteger(nodeRank) || nodeRank < 0 || nodeRank >= nnodes)
    throw new UsageError(`--node-rank must be an integer in 0..${nnodes - 1}, got '${nodeRankText}'`);
  const masterAddr = text('master-addr');
  if (nnodes > 1 && masterAddr === undefined)
    throw new UsageError('--nnodes > 1 needs --master-addr: the address of machine 0, reachable from every machine');
  const masterPort = positiveIntFlag('master-port', text('master-port'), 29500);
  if (masterPort > 65535) throw new UsageError(`--master-port must be at most 65535, got ${masterPort}`);
  if (process.env.WORLD_SIZE !== undefined)
    throw new UsageError(
      '--nproc/--nnodes: this process is already one of a group (WORLD_SIZE is set); start it without the launcher flags',
    );
  return { nproc, nnodes, nodeRank, masterAddr: masterAddr ?? '127.0.0.1', masterPort };
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a model with full supervision into a run folder (checkpoints, log, curves; resumable)',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...Object.fromEntries(Object.keys(FLAG_KEYS).map((f) => [f, { type: 'string' as const }])),
        out: { type: 'string' },
        config: { type: 'string' },
        'model-option': { type: 'string', multiple: true },
        set: { type: 'string', multiple: true },
        resume: { type: 'boolean' },
        'as-released': { type: 'boolean' },
        force: { type: 'boolean' },
        'stop-after': { type: 'string' },
        'no-progress': { type: 'boolean' },
        nproc: { type: 'string' },
        nnodes: { type: 'string' },
        'node-rank': { type: 'string' },
        'master-addr': { type: 'string' },
        'master-port': { type: 'string' },
        'dist-timeout': { type: 'string' },
      },
    });
    if (positionals.length)
      throw new UsageError(`dias train: unexpected argument '${positionals[0]}' (see dias train --help)`);
    const deviceFlagValue = (values as Record<string, unknown>).device as string | undefined;
    if (deviceFlagValue !== undefined) availableDevice(deviceFlagValue);
    if (!values.out) throw new UsageError('dias train: --out RUN is required (see dias train --help)');
    const runDir = resolve(values.out);
    const stopAfter = positiveIntFlag('stop-after', values['stop-after']);
    const launch = launchFlags(values);
    const distTimeout = positiveIntFlag('dist-timeout', values['dist-timeout']);
    const settings = commandLineSettings(values);
    let config: TrainConfig;
    try {
      if (values.resume) {
        if (values['as-released'])
          throw new UsageError(
            '--as-released cannot be combined with --resume: the run continues with its own RUN/config.json',
          );
        if (values.config)
          throw new UsageError(
            '--config cannot be combined with --resume: the run continues with its own RUN/config.json',
          );
        if (values.force) throw new UsageError('--resume and --force exclude each other');
        config = readRunConfig(runDir);
        const saved = finalizeTrainConfig(config, join(runDir, 'config.json'));
        for (const [flag, key, value] of settings) {
          applyAssignment(config, key, value, flag);
          if (resumeConflicts(saved, finalizeTrainConfig(config)).length) {
            throw new UsageError(
              `${flag}: ${key} cannot change when resuming a run (see ${join(runDir, 'config.json')}); start a new run instead`,
            );
          }
        }
        checkSettingFolders(config, false);
      } else {
        config = defaultTrainConfig();
        if (values.config) applyConfigFile(config, inputFile('--config', values.config));
        for (const [flag, key, value] of settings) applyAssignment(config, key, value, flag);
        if (values['as-released']) {
          const changes = findRecipe(config.train.recipe).asReleased;
          if (!changes)
            throw new UsageError(
              `--as-released: only for recipes ${allRecipes()
                .filter((r) => r.asReleased)
                .map((r) => r.name)
                .join(', ')} (train.recipe is ${config.train.recipe})`,
            );
          for (const [key, value] of changes) setConfigValue(config, key, value, '--as-released');
          // The preset replaces our defaults and the config file, not what the command line itself asks for:
          // `--as-released --set sscr.pseudoLabels=cross` is the released script with cross pseudo-labels.
          for (const [flag, key, value] of settings) applyAssignment(config, key, value, flag);
        }
        checkRecipeSettings(config);
        config = finalizeTrainConfig(config);
        checkSettingFolders(config, true);
      }
      if (launch) {
        // The check every worker repeats (train/index.ts), made once here before any of them starts.
        const why = checkDataParallel(config, launch.nproc * launch.nnodes);
        if (why) throw new UsageError(`--nproc/--nnodes: ${why}`);
        const script = process.argv[1];
        return await launchWorkers({
          ...launch,
          threads: config.train.threads ?? defaultThreadCount(),
          command: [process.execPath, ...process.execArgv, script, 'train', ...withoutFlags(argv, LAUNCH_FLAGS)],
        });
      }
      const isMain = (process.env.RANK ?? '0') === '0';
      const result = await trainRun({
        config,
        runDir,
        resume: values.resume,
        force: values.force,
        stopAfterEpochs: stopAfter,
        events: progressEvents(!values['no-progress']),
        ...(distTimeout !== undefined ? { dataParallel: { timeoutMs: distTimeout * 1000 } } : {}),
      });
      if (!isMain) return 0;
      const best =
        result.best.epoch !== null
          ? `; best epoch ${result.best.epoch}${result.best.value !== null ? ` (${result.best.metric} ${result.best.value.toFixed(4)})` : ''}`
          : '';
      console.log(
        result.finished
          ? `done: ${result.epochs} epochs of ${stepsPerEpoch(result.config)} steps in ${runDir}${best}`
          : `stopped after epoch ${result.epochs}/${result.config.train.epochs} (resume with: dias train --out ${runDir} --resume)${best}`,
      );
      return 0;
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(e.message);
      throw e;
    }
  },
};
