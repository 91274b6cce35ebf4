// How a network is set up for a run: its complete constructor options (what the run folder stores, so that the
// same network can be rebuilt from a checkpoint alone), and the layout of its input, [B, T, H, W] for the 2d models
// (frames as channels) or [B, 1, T, H, W] for the sequence models.
import { fromTypedArray, type Device, type Tensor } from '@dias-ts/torch';
import { findModel, modelOptionKeys } from '../models/registry.js';
import type { ModelOptions, ModelSpec, SegmentationModel } from '../models/model-spec.js';

export interface ModelSetup {
  spec: ModelSpec;
  /** Every constructor option (our defaults, then the given ones). */
  options: ModelOptions;
}

/**
 * The spec and complete options of `name` fed `frames` frames. A 2d model that takes the frames as channels gets
 * num_channels = frames unless it was given. `fail(key, reason)` reports a bad setting (it must throw).
 */
export function resolveModelSetup(
  name: string,
  given: ModelOptions,
  frames: number,
  fail: (key: string, reason: string) => never,
): ModelSetup {
  let spec: ModelSpec;
  try {
    spec = findModel(name);
  } catch (e) {
    return fail('model.name', (e as Error).message);
  }
  const knownKeys = new Set(modelOptionKeys(spec));
  for (const key of Object.keys(given)) {
    if (!knownKeys.has(key))
      fail(`model.options.${key}`, `not an option of ${spec.name} (its options: ${[...knownKeys].join(', ')})`);
  }
  const options: ModelOptions = { ...spec.defaults, ...structuredClone(given) };
  const reduces = options.input_reduce !== undefined && options.input_reduce !== null;
  if (spec.kind === '2d' && !('num_channels' in given) && 'num_channels' in spec.defaults && !reduces)
    options.num_channels = frames;
  const wants = spec.frames(options);
  if (wants !== 'any' && wants !== frames) {
    if ('num_channels' in given && spec.kind === '2d')
      fail(
        'model.options.num_channels',
        `is ${String(given.num_channels)}, but the sequences have data.frames = ${frames} frames`,
      );
    fail('data.frames', `is ${frames}, but ${spec.name} takes ${wants} frames`);
  }
  return { spec, options };
}

/**
 * Builds the network; a constructor's complaint about an option is reported under model.options, as a bad setting
 * (exit code 2, as every other bad setting of a config or a flag).
 */
export function buildModel(setup: ModelSetup): SegmentationModel {
  try {
    return setup.spec.build(setup.options);
  } catch (e) {
    throw Object.assign(new Error(`model.options: ${(e as Error).message}`), { exitCode: 2 });
  }
}

/** The input tensor of B samples of T frames, H x W each ([B][T][H][W] row-major), on `device`. */
export function modelInput(
  spec: ModelSpec,
  images: Float32Array,
  B: number,
  T: number,
  H: number,
  W: number,
  device: Device = 'cpu',
): Tensor {
  const shape = spec.kind === '2d' ? [B, T, H, W] : [B, 1, T, H, W];
  const cpu = fromTypedArray(images, shape);
  if (device === 'cpu') return cpu;
  const moved = cpu.to(device);
  cpu.dispose();
  return moved;
}
