// The training configuration: every setting of a fully supervised run, with the official recipe as defaults
// (full_supervised_segmentation/configs/config.py, trainer.py, optimizer.py, lr_scheduler.py):
//   AdamW lr 5e-4, betas (0.9, 0.999), eps 1e-8, weight decay 0.01 except biases and 1-D parameters; cosine
//   schedule per iteration over all epochs with a 10-epoch linear warm-up from 5e-7 down to 5e-6; 100 epochs of
//   20,000 random 64x64 patches in batches of 64 (drop_last: 312 steps); seed 1234; validation every epoch on the
//   validation split tiled with stride 32; no gradient clipping (DO_BACKPROP False).
// Where we differ by default: the model (official FR_UNet; ours VSS_Net on all frames), mixed precision (official
// on; ours only on CUDA) and the checkpoint choice (official: patch-level validation AUC from epoch 10; ours:
// image-level validation DSC from epoch 1; `validation.select: patch-auc` restores the official one).
//
// The core sections are config-core.ts's; each recipe's own section (sscr, rpst, ...) is in its file in recipes/,
// and recipes/index.ts assembles the whole configuration that this file reads, merges and checks.
//
// Settings come from the defaults, then a config file (YAML or JSON, any subset of the keys below), then command
// line flags. Every key is checked: an unknown key or a wrong value fails with the key's full name and the reason.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { resolveAugmentOptions } from '../data/pipeline/augmentation.js';
import { showValue } from '../show-value.js';
import { resolveModelSetup } from './model-setup.js';
import { labelSetClasses } from '../data/label-set.js';
import { ConfigError, isPlain, type CoreTrainConfig, type Leaf, type Schema } from './config-core.js';
import { DEFAULT_TRAIN_CONFIG, findRecipe, RECIPE_SECTIONS, TRAIN_SCHEMA, type TrainConfig } from './recipes/index.js';

export { ConfigError, type CoreTrainConfig, type SelectMetric, type StepIndex } from './config-core.js';
export { DEFAULT_TRAIN_CONFIG, SETTING_MAXIMA, type TrainConfig } from './recipes/index.js';
export type { SscrConsistency, SscrPseudoLabels } from './recipes/sscr.js';

const SCHEMA = TRAIN_SCHEMA;
const show = (v: unknown) => showValue(v);

function leafAt(key: string): Leaf | Schema | undefined {
  let node: Leaf | Schema | undefined = SCHEMA;
  for (const part of key.split('.')) {
    if (typeof node !== 'object' || !Object.hasOwn(node, part)) return undefined;
    node = node[part];
  }
  return node;
}

/** Every settable key, dotted (for messages and --help). */
export function configKeys(node: Schema = SCHEMA, prefix = ''): string[] {
  return Object.entries(node).flatMap(([k, v]) =>
    typeof v === 'function' ? [prefix + k] : configKeys(v, `${prefix}${k}.`),
  );
}

function known(node: Schema): string {
  return Object.keys(node).join(', ');
}

/**
 * Where each setting of a configuration came from (a file or a flag), by dotted key: the cross-checks of
 * finalizeTrainConfig run after every source has been merged, and their errors still name the file or flag that
 * set the key (`tiny.yaml: data.augment: ...`, `--scribbles: data.scribbles: ...`).
 */
const ORIGINS = new WeakMap<TrainConfig, Map<string, string>>();

function originsOf(config: TrainConfig): Map<string, string> {
  let origins = ORIGINS.get(config);
  if (!origins) ORIGINS.set(config, (origins = new Map()));
  return origins;
}

/** Every key set from a file or flag so far, with the last file or flag that set it. */
export function settingOrigins(config: TrainConfig): ReadonlyMap<string, string> {
  return new Map(ORIGINS.get(config));
}

/** The file or flag that set `key` (or the section or key above it), if one did. */
export function settingOrigin(config: TrainConfig, key: string): string | undefined {
  const origins = ORIGINS.get(config);
  for (let k = key; origins && k; k = k.slice(0, Math.max(0, k.lastIndexOf('.')))) {
    const origin = origins.get(k);
    if (origin !== undefined) return origin;
  }
  return undefined;
}

/** Merges `patch` (parsed from `source`) into `base` in place, checking every key and value against the schema. */
function mergeInto(
  base: Record<string, unknown>,
  patch: unknown,
  node: Schema,
  prefix: string,
  source: string,
  origins: Map<string, string>,
): void {
  if (!isPlain(patch))
    throw new ConfigError(
      prefix.slice(0, -1) || '(top level)',
      `must be a mapping of keys to values, got ${show(patch)}`,
      source,
    );
  for (const [k, v] of Object.entries(patch)) {
    const key = prefix + k;
    if (!Object.hasOwn(node, k)) {
      throw new ConfigError(
        key,
        `unknown key (known${prefix ? ` in ${prefix.slice(0, -1)}` : ''}: ${known(node)})`,
        source,
      );
    }
    const child = node[k];
    if (typeof child === 'function') {
      const r = child(v);
      if ('reason' in r) throw new ConfigError(key, r.reason, source);
      base[k] = r.ok;
      origins.set(key, source);
    } else {
      mergeInto(base[k] as Record<string, unknown>, v, child, `${key}.`, source, origins);
    }
  }
}

/** The defaults, fresh (callers may change them). */
export function defaultTrainConfig(): TrainConfig {
  return structuredClone(DEFAULT_TRAIN_CONFIG);
}

/** Applies a partial configuration (as read from a file) to `config`, in place; `source` names it in errors. */
export function applyConfigPatch(config: TrainConfig, patch: unknown, source: string): TrainConfig {
  mergeInto(config as unknown as Record<string, unknown>, patch, SCHEMA, '', source, originsOf(config));
  return config;
}

/** Sets one dotted key (a command line flag); `source` names the flag in errors. */
export function setConfigValue(config: TrainConfig, key: string, value: unknown, source: string): TrainConfig {
  const node = leafAt(key);
  if (node === undefined) throw new ConfigError(key, `unknown key (known: ${configKeys().join(', ')})`, source);
  if (typeof node !== 'function')
    throw new ConfigError(key, `is a section; set one of its keys (${known(node)})`, source);
  let patch: unknown = value;
  for (const part of key.split('.').reverse()) patch = { [part]: patch };
  return applyConfigPatch(config, patch, source);
}

/** Parses `text` of a config file: JSON for .json, YAML otherwise (YAML also reads JSON). */
export function parseConfigText(text: string, path: string): unknown {
  try {
    return /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    // A usage error (exit 2), as an unknown key in a file that parses.
    throw Object.assign(
      new Error(
        `${path}: not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0]}`,
      ),
      { exitCode: 2 },
    );
  }
}

/** Reads a config file and applies it to `config`. An empty file changes nothing. */
export function applyConfigFile(config: TrainConfig, path: string): TrainConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(
      `${path}: cannot read the config file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  const parsed = parseConfigText(text, path);
  if (parsed === null || parsed === undefined) return config;
  return applyConfigPatch(config, parsed, path);
}

/** The validation checkpoint choice starts here (1-based epochs). */
export function selectFromEpoch(config: TrainConfig): number {
  return config.validation.selectFromEpoch ?? (config.validation.select === 'patch-auc' ? 10 : 1);
}

/** Steps per epoch: whole batches only (the official loader drops the last partial batch). */
export function stepsPerEpoch(config: TrainConfig): number {
  return Math.floor(config.train.patchesPerEpoch / config.train.batchSize);
}

/**
 * Checks the settings against each other and completes them: the model name becomes its official name and its
 * options every constructor option (so the run rebuilds the same network), the data folder an absolute path.
 * Returns a new, complete configuration; the input is left as it was.
 */
export function finalizeTrainConfig(input: TrainConfig, source?: string): TrainConfig {
  const c = structuredClone(input);
  ORIGINS.set(c, new Map(ORIGINS.get(input)));
  // `source` names what the whole configuration is (a run's config.json, a benchmark's run); the key's own
  // origin (the file or flag that set it) follows it.
  const fail = (key: string, reason: string): never => {
    const origin = settingOrigin(input, key);
    throw new ConfigError(key, reason, [source, origin !== source ? origin : undefined].filter(Boolean).join(': '));
  };
  if (!c.data.dir) fail('data.dir', 'is required (--data DIR, or data.dir in the config file)');
  c.data.dir = resolve(c.data.dir);
  if (c.train.patchesPerEpoch < c.train.batchSize) {
    fail(
      'train.patchesPerEpoch',
      `(${c.train.patchesPerEpoch}) must be at least train.batchSize (${c.train.batchSize}): epochs are whole batches`,
    );
  }
  if (c.train.batchSize % c.train.accumulate !== 0) {
    fail(
      'train.accumulate',
      `(${c.train.accumulate}) must divide train.batchSize (${c.train.batchSize}): the batch is split into equal micro-batches`,
    );
  }
  const { startEpoch, totalEpochs } = c.scheduler;
  // Without a length, a run starting inside its schedule would lie past its end and train at minLr throughout.
  if (startEpoch > 0 && totalEpochs === null)
    fail(
      'scheduler.startEpoch',
      `(${startEpoch}) needs scheduler.totalEpochs, the length of the schedule it continues`,
    );
  if (totalEpochs !== null && startEpoch + c.train.epochs > totalEpochs) {
    fail(
      'scheduler.totalEpochs',
      `(${totalEpochs}) must be at least scheduler.startEpoch + train.epochs (${startEpoch} + ${c.train.epochs}): the run would outlast its schedule`,
    );
  }
  if (c.scheduler.warmupEpochs > (totalEpochs ?? c.train.epochs)) {
    fail(
      'scheduler.warmupEpochs',
      totalEpochs === null
        ? `(${c.scheduler.warmupEpochs}) must not exceed train.epochs (${c.train.epochs}); for a short run lower it (--warmup-epochs W, or 0)`
        : `(${c.scheduler.warmupEpochs}) must not exceed scheduler.totalEpochs (${totalEpochs})`,
    );
  }
  if (c.scheduler.minLr > c.optimizer.lr)
    fail('scheduler.minLr', `(${c.scheduler.minLr}) must not exceed optimizer.lr (${c.optimizer.lr})`);
  if (c.validation.stride > c.data.patchSize)
    fail(
      'validation.stride',
      `(${c.validation.stride}) must not exceed data.patchSize (${c.data.patchSize}), or pixels are never predicted`,
    );
  if (c.train.amp === true && c.train.device !== 'cuda')
    fail('train.amp', 'mixed precision is for CUDA only (set train.device to cuda, or amp to auto/false)');
  const recipe = findRecipe(c.train.recipe);
  if (c.data.labelled !== null && c.data.labelledIds !== null)
    fail('data.labelledIds', 'and data.labelled exclude each other (the first N sequences, or these ids)');
  if (c.train.init.from !== null) {
    c.train.init.from = resolve(c.train.init.from);
    // A weights file given for the run it came from: said here, not as a path below the file that does not exist.
    if (existsSync(c.train.init.from) && !statSync(c.train.init.from).isDirectory()) {
      fail(
        'train.init.from',
        `${c.train.init.from} is a file; give the run folder it belongs to (its checkpoint_${c.train.init.checkpoint}.safetensors is read)`,
      );
    }
  }
  if (c.data.pseudo !== null) c.data.pseudo = resolve(c.data.pseudo);
  // Each recipe section's own checks (rpst.strongAugment), whichever recipe runs: the file may hold them all.
  for (const section of RECIPE_SECTIONS)
    section.check?.(c as unknown as CoreTrainConfig & Record<string, unknown>, fail);
  if (!c.data.scribbles.trim())
    fail('data.scribbles', "must name a scribble set: 'auto', 'annotator' or a folder below training/");
  try {
    c.data.augment = structuredClone(c.data.augment ?? recipe.augment);
    resolveAugmentOptions(c.data.augment, c.data.patchSize);
  } catch (e) {
    fail('data.augment', (e as Error).message.replace(/^augmentation options: /, ''));
  }
  if (c.data.labels === 'av') {
    // Only fsl's step learns from the dense label as classes; the others read scribbles or pseudo-labels (0/1/255).
    if (recipe.name !== 'fsl')
      fail('data.labels', `av (artery/vein) is trained by the fsl recipe only, not by train.recipe ${recipe.name}`);
    if (c.data.pseudo !== null)
      fail('data.labels', 'av (artery/vein) cannot train on pseudo-labels (data.pseudo holds vessel labels 0/1/255)');
  }
  const given = {
    ...recipe.modelDefaults,
    // The label set's classes unless the options name them (then they are checked below).
    ...(c.data.labels === 'av' ? { num_classes: labelSetClasses('av') } : {}),
    ...c.model.options,
  };
  const setup = resolveModelSetup(c.model.name, given, c.data.frames, (key, reason) => fail(key, reason));
  if (c.data.labels === 'av' && setup.options.num_classes !== labelSetClasses('av')) {
    fail(
      'model.options.num_classes',
      `is ${String(setup.options.num_classes)}, but data.labels av needs ${labelSetClasses('av')} (background, artery, vein)`,
    );
  }
  try {
    recipe.checkModel?.(setup.spec);
  } catch (e) {
    fail('model.name', `${(e as Error).message} (train.recipe ${recipe.name})`);
  }
  c.model.name = setup.spec.name;
  c.model.options = setup.options;
  if (c.data.patchSize % setup.spec.sizeMultiple !== 0) {
    fail(
      'data.patchSize',
      `(${c.data.patchSize}) must be a multiple of ${setup.spec.sizeMultiple} for ${setup.spec.name}`,
    );
  }
  return c;
}

/** What may differ when a run is resumed: where and how fast it runs, not what it computes. */
export const RESUME_OVERRIDABLE: readonly string[] = ['train.threads', 'train.device', 'data.workers', 'data.dir'];

/** The dotted keys whose values differ between two finalized configurations, leaving out RESUME_OVERRIDABLE. */
export function resumeConflicts(saved: TrainConfig, given: TrainConfig): string[] {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, key: string) => {
    if (RESUME_OVERRIDABLE.includes(key)) return;
    if (isPlain(a) && isPlain(b) && key !== 'model.options' && key !== 'data.augment') {
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[k], b[k], key ? `${key}.${k}` : k);
    } else if (JSON.stringify(a) !== JSON.stringify(b)) out.push(key);
  };
  walk(saved, given, '');
  return out;
}
