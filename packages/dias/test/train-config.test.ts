// Training configuration: official defaults, config files (YAML/JSON) checked key by key, flags overriding them,
// and the cross-checks that complete a configuration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConfigError,
  SETTING_MAXIMA,
  applyConfigFile,
  configKeys,
  defaultTrainConfig,
  finalizeTrainConfig,
  resumeConflicts,
  selectFromEpoch,
  setConfigValue,
  stepsPerEpoch,
} from '../src/train/config.js';
import { buildModel, resolveModelSetup } from '../src/train/model-setup.js';
import { tempDir } from './data-fixture.js';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${(e as Error).message}`);
    return e;
  }
  assert.fail('expected an error');
}

test('the defaults are the official recipe', () => {
  const c = defaultTrainConfig();
  assert.deepEqual(c.optimizer, { name: 'adamw', lr: 5e-4, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 });
  assert.deepEqual(c.scheduler, {
    name: 'cosine',
    warmupEpochs: 10,
    warmupLr: 5e-7,
    minLr: 5e-6,
    stepIndex: 'official',
    startEpoch: 0,
    totalEpochs: null,
  });
  assert.equal(c.train.epochs, 100);
  assert.equal(c.train.seed, 1234);
  assert.equal(c.train.clipGradNorm, null);
  // 20000 patches in batches of 64 with the last partial batch dropped.
  assert.equal(stepsPerEpoch(c), 312);
  assert.equal(selectFromEpoch(c), 1);
  c.validation.select = 'patch-auc';
  assert.equal(selectFromEpoch(c), 10);
});

test('a YAML file sets nested keys; an unknown key fails naming the file and the full key', () => {
  const { dir, cleanup } = tempDir('dias-config-');
  try {
    const good = join(dir, 'good.yaml');
    writeFileSync(
      good,
      'train:\n  epochs: 7\n  batchSize: 8\noptimizer:\n  lr: 1.0e-3\n  betas: [0.8, 0.99]\nmodel:\n  name: fr-unet\n  options: {feature_scale: 4}\n',
    );
    const c = applyConfigFile(defaultTrainConfig(), good);
    assert.equal(c.train.epochs, 7);
    assert.equal(c.train.batchSize, 8);
    assert.equal(c.optimizer.lr, 1e-3);
    assert.deepEqual(c.optimizer.betas, [0.8, 0.99]);
    assert.equal(c.train.patchesPerEpoch, 20000, 'keys not in the file keep their defaults');

    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'train:\n  epoch: 7\n');
    const e = configError(() => applyConfigFile(defaultTrainConfig(), bad));
    assert.equal(e.key, 'train.epoch');
    assert.match(
      e.message,
      new RegExp(
        `^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: train\\.epoch: unknown key \\(known in train: recipe, init, epochs, patchesPerEpoch`,
      ),
    );

    const top = join(dir, 'top.json');
    writeFileSync(top, JSON.stringify({ trainer: { epochs: 1 } }));
    assert.equal(configError(() => applyConfigFile(defaultTrainConfig(), top)).key, 'trainer');
  } finally {
    cleanup();
  }
});

test('wrong types and values name the key and say why', () => {
  const { dir, cleanup } = tempDir('dias-config-');
  try {
    const cases: [string, string, RegExp][] = [
      ['optimizer:\n  lr: fast\n', 'optimizer.lr', /must be a number > 0, got 'fast'/],
      ['train:\n  epochs: 2.5\n', 'train.epochs', /must be an integer >= 1, got 2\.5/],
      ['train:\n  device: gpu\n', 'train.device', /must be one of 'cpu', 'cuda', got 'gpu'/],
      ['optimizer:\n  betas: [0.9]\n', 'optimizer.betas', /\[beta1, beta2\]/],
      ['train: 5\n', 'train', /must be a mapping/],
      ['validation:\n  select: auc\n', 'validation.select', /'dsc', 'patch-auc'/],
    ];
    cases.forEach(([text, key, reason], i) => {
      const path = join(dir, `c${i}.yaml`);
      writeFileSync(path, text);
      const e = configError(() => applyConfigFile(defaultTrainConfig(), path));
      assert.equal(e.key, key);
      assert.match(e.message, reason);
    });
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"train": ');
    assert.throws(() => applyConfigFile(defaultTrainConfig(), broken), /broken\.json: not valid JSON/);
    assert.throws(
      () => applyConfigFile(defaultTrainConfig(), join(dir, 'missing.yaml')),
      /missing\.yaml: cannot read the config file \(ENOENT\)/,
    );
  } finally {
    cleanup();
  }
});

test('NaN and Infinity are shown as given, not as null (JSON.stringify writes them so)', () => {
  const { dir, cleanup } = tempDir('dias-config-');
  try {
    const cases: [string, RegExp][] = [
      ['optimizer:\n  lr: .nan\n', /optimizer\.lr: must be a number > 0, got NaN$/],
      ['optimizer:\n  lr: .inf\n', /optimizer\.lr: must be a number > 0, got Infinity$/],
      ['train:\n  epochs: -.inf\n', /train\.epochs: must be an integer >= 1, got -Infinity$/],
      ['optimizer:\n  betas: [.nan, 0.999]\n', /optimizer\.betas: must be \[beta1, beta2\] .*, got \[NaN,0\.999\]$/],
    ];
    cases.forEach(([text, message], i) => {
      const path = join(dir, `c${i}.yaml`);
      writeFileSync(path, text);
      assert.match(configError(() => applyConfigFile(defaultTrainConfig(), path)).message, message);
    });
    assert.match(
      configError(() => setConfigValue(defaultTrainConfig(), 'rpst.pseudoProbability', NaN, '--set')).message,
      /got NaN$/,
    );
    // A model option: checked when the network is built, with the same wording.
    assert.throws(() => buildModel(resolveModelSetup('UNet', { bilinear: NaN }, 8, assert.fail)), /got NaN$/);
  } finally {
    cleanup();
  }
});

test('every size-like setting has an upper bound; a larger value names the key and the file', () => {
  const { dir, cleanup } = tempDir('dias-config-');
  try {
    const yamlOf = (key: string, value: number) => {
      const [section, name] = key.split('.');
      return `${section}:\n  ${name}: ${value}\n`;
    };
    for (const [key, max] of Object.entries(SETTING_MAXIMA)) {
      const path = join(dir, `${key}.yaml`);
      writeFileSync(path, yamlOf(key, max + 1));
      const e = configError(() => applyConfigFile(defaultTrainConfig(), path));
      assert.equal(e.message, `${path}: ${key}: must be at most ${max}, got ${max + 1}`);
      writeFileSync(path, yamlOf(key, max));
      applyConfigFile(defaultTrainConfig(), path);
    }
    const radius = join(dir, 'radius.yaml');
    writeFileSync(radius, 'gatedCrf:\n  radius: 1000\n');
    assert.match(
      configError(() => applyConfigFile(defaultTrainConfig(), radius)).message,
      /radius\.yaml: gatedCrf\.radius: must be at most 18, got 1000$/,
    );
    // Every numeric setting is bounded or is not a size (a learning rate, a weight, a seed, a probability).
    const notSizes = ['train.seed', 'train.clipGradNorm', 'optimizer.lr', 'optimizer.eps', 'optimizer.weightDecay'];
    notSizes.push('scheduler.warmupLr', 'scheduler.minLr', 'validation.threshold', 'rpst.pseudoProbability');
    notSizes.push('rpst.confidenceBand', 'meanTeacher.emaDecay');
    const unbounded = configKeys().filter((key) => {
      if (notSizes.includes(key) || /[wW]eight$/.test(key)) return false;
      const c = defaultTrainConfig();
      const [section, name] = key.split('.');
      const value = (c as unknown as Record<string, Record<string, unknown>>)[section]?.[name];
      if (typeof value !== 'number' && !(value === null && key !== 'data.pseudo' && !/init|Ids/.test(key)))
        return false;
      try {
        setConfigValue(c, key, 1e9, '--set');
        return true;
      } catch {
        return false;
      }
    });
    assert.deepEqual(unbounded, []);
    // The augmentation's kernel sizes and hole count.
    const c = defaultTrainConfig();
    c.data.dir = 'some/data';
    for (const [field, value, max] of [
      ['elastic', { sigma: 1e4 }, 256],
      ['blur', { sigma: [0.1, 500] }, 32],
      ['blur', { truncate: 100 }, 8],
      ['cutout', { holes: 1e6 }, 64],
    ] as const) {
      c.data.augment = { [field]: value };
      assert.match(
        configError(() => finalizeTrainConfig(c)).message,
        new RegExp(`data\\.augment: ${field}\\.\\w+ must be at most ${max}, got `),
      );
    }
  } finally {
    cleanup();
  }
});

test('a cross-check that fails after merging names the file or flag that set the key', () => {
  const { dir, cleanup } = tempDir('dias-config-');
  try {
    const file = join(dir, 'aug.yaml');
    writeFileSync(file, 'data:\n  augment:\n    flip: 7\nrpst:\n  strongAugment: nopreset\n');
    const c = applyConfigFile(defaultTrainConfig(), file);
    setConfigValue(c, 'data.dir', 'some/data', '--data');
    assert.equal(
      configError(() => finalizeTrainConfig(c)).message,
      `${file}: rpst.strongAugment: unknown preset 'nopreset' (known: none, fsl, wsl-plc, ssl-strong)`,
    );
    setConfigValue(c, 'rpst.strongAugment', 'ssl-strong', '--set');
    assert.match(
      configError(() => finalizeTrainConfig(c)).message,
      /^\/.*aug\.yaml: data\.augment: unknown family 'flip'/,
    );
    // The flag that set a key last is named; a whole-config source comes first.
    setConfigValue(c, 'data.augment', { blurr: true }, '--set');
    assert.match(
      configError(() => finalizeTrainConfig(c, 'model UNet')).message,
      /^model UNet: --set: data\.augment: /,
    );
    setConfigValue(c, 'data.augment', null, '--set');
    setConfigValue(c, 'model.options', { feature_scal: 2 }, '--model-option');
    assert.match(
      configError(() => finalizeTrainConfig(c)).message,
      /^--model-option: model\.options\.feature_scal: not an option/,
    );
    // An empty scribble set is refused by the flag that gave it.
    setConfigValue(c, 'model.options', {}, '--set');
    setConfigValue(c, 'data.scribbles', '', '--scribbles');
    assert.equal(
      configError(() => finalizeTrainConfig(c)).message,
      "--scribbles: data.scribbles: must name a scribble set: 'auto', 'annotator' or a folder below training/",
    );
  } finally {
    cleanup();
  }
});

test('flags override the file; setting an unknown key or a whole section fails', () => {
  const c = defaultTrainConfig();
  setConfigValue(c, 'train.epochs', 3, '--epochs');
  setConfigValue(c, 'scheduler.minLr', 1e-5, '--set');
  assert.equal(c.train.epochs, 3);
  assert.equal(c.scheduler.minLr, 1e-5);
  assert.match(
    configError(() => setConfigValue(c, 'train.epochs', 'ten', '--epochs')).message,
    /^--epochs: train\.epochs: must be an integer >= 1, got 'ten'/,
  );
  assert.equal(configError(() => setConfigValue(c, 'train.speed', 1, '--set')).key, 'train.speed');
  assert.match(configError(() => setConfigValue(c, 'train', 1, '--set')).message, /is a section/);
});

test('finalizing resolves the model and checks settings against each other', () => {
  const base = () => {
    const c = defaultTrainConfig();
    c.data.dir = 'some/data';
    return c;
  };
  // Aliases become official names; a 2d model takes the frames as channels.
  const fr = base();
  fr.model = { name: 'fr-unet', options: { feature_scale: 4 } };
  fr.data.frames = 6;
  const done = finalizeTrainConfig(fr);
  assert.equal(done.model.name, 'FR_UNet');
  assert.equal(done.model.options.num_channels, 6);
  assert.equal(done.model.options.feature_scale, 4);
  assert.equal(done.model.options.dropout, 0.1, 'every constructor option is stored');
  assert.ok(done.data.dir.startsWith('/'), 'the data folder becomes absolute');
  assert.equal(fr.model.name, 'fr-unet', 'the input is not changed');
  assert.deepEqual(finalizeTrainConfig(done), done, 'finalizing is idempotent');

  const checks: [(c: ReturnType<typeof base>) => void, string, RegExp][] = [
    [(c) => (c.data.dir = ''), 'data.dir', /required/],
    [(c) => (c.model.name = 'NoSuchNet'), 'model.name', /unknown model 'NoSuchNet'/],
    [(c) => (c.model.options = { feature_scal: 4 }), 'model.options.feature_scal', /not an option of VSS_Net/],
    [
      (c) => {
        c.model = { name: 'UNet', options: { num_channels: 3 } };
      },
      'model.options.num_channels',
      /is 3, but the sequences have data\.frames = 8/,
    ],
    [
      (c) => {
        c.model = { name: 'PSC', options: {} };
        c.data.frames = 6;
      },
      'data.frames',
      /PSC takes 8 frames/,
    ],
    [(c) => (c.data.patchSize = 60), 'data.patchSize', /multiple of 8 for VSS_Net/],
    [(c) => (c.train.patchesPerEpoch = 10), 'train.patchesPerEpoch', /at least train\.batchSize/],
    [(c) => (c.validation.stride = 65), 'validation.stride', /must not exceed data\.patchSize/],
    [(c) => (c.train.amp = true), 'train.amp', /CUDA only/],
    [(c) => (c.data.augment = { blurr: true } as never), 'data.augment', /unknown family 'blurr'/],
    [(c) => (c.scheduler.warmupEpochs = 200), 'scheduler.warmupEpochs', /must not exceed train\.epochs/],
    [(c) => (c.scheduler.startEpoch = 4), 'scheduler.startEpoch', /needs scheduler\.totalEpochs/],
    [
      (c) => Object.assign(c.scheduler, { startEpoch: 4, totalEpochs: 5 }),
      'scheduler.totalEpochs',
      /the run would outlast its schedule/,
    ],
  ];
  for (const [change, key, reason] of checks) {
    const c = base();
    change(c);
    const e = configError(() => finalizeTrainConfig(c));
    assert.equal(e.key, key);
    assert.match(e.message, reason);
  }
});

test('resuming may change threads, device, workers and the data folder, nothing else', () => {
  const saved = defaultTrainConfig();
  saved.data.dir = '/data/a';
  const given = structuredClone(saved);
  given.train.threads = 7;
  given.data.workers = 0;
  given.data.dir = '/data/b';
  assert.deepEqual(resumeConflicts(finalizeTrainConfig(saved), finalizeTrainConfig(given)), []);
  given.train.epochs = 50;
  given.optimizer.lr = 1e-3;
  given.model.options = { feature_scale: 4 };
  assert.deepEqual(resumeConflicts(finalizeTrainConfig(saved), finalizeTrainConfig(given)), [
    'model.options',
    'train.epochs',
    'optimizer.lr',
  ]);
});
