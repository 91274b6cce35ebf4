// Every architecture by official name and by friendly alias. Each model file exports its spec; the list is here.
import type { Tensor } from '@dias-ts/torch';
import type { ModelOptions, ModelSpec, SegmentationModel } from './model-spec.js';
import { MODELS_SEQUENCE } from './zoo-sequence.js';
import { MODELS_2D } from './zoo-2d.js';
import { MODELS_3D } from './zoo-3d.js';
import { MODELS_3D_TO_2D } from './zoo-3d-to-2d.js';

const specs: ModelSpec[] = [...MODELS_SEQUENCE, ...MODELS_2D, ...MODELS_3D, ...MODELS_3D_TO_2D];

export function allModels(): readonly ModelSpec[] {
  return specs;
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/[-_\s]/g, '');
}

/** Finds a model by official name or alias, ignoring case, '-' and '_'. */
export function findModel(name: string): ModelSpec {
  const key = normalise(name);
  const spec = specs.find((s) => normalise(s.name) === key || s.aliases.some((a) => normalise(a) === key));
  if (!spec) throw new Error(`unknown model '${name}'; known: ${specs.map((s) => s.name).join(', ')}`);
  return spec;
}

/** Builds a model with our defaults, overridden by options. */
export function createModel(name: string, options: ModelOptions = {}): SegmentationModel {
  const spec = findModel(name);
  return spec.build({ ...spec.defaults, ...options });
}

/** Builds a model as the official code would from these constructor arguments. */
export function createOfficialModel(name: string, options: ModelOptions = {}): SegmentationModel {
  const spec = findModel(name);
  return spec.build({ ...spec.officialDefaults, ...options });
}

/** Checks an input against what the model takes, with an error naming the model, the size and the rule. */
export function checkModelInput(spec: ModelSpec, options: ModelOptions, x: Tensor): void {
  const shape = x.shape;
  const want = spec.kind === '2d' ? 4 : 5;
  const layout = spec.kind === '2d' ? '[batch, frames, height, width]' : '[batch, channels, frames, height, width]';
  if (shape.length !== want) throw new Error(`${spec.name} takes a ${want}-D input ${layout}, got [${shape.join(', ')}]`);
  const frames = spec.kind === '2d' ? shape[1] : shape[2];
  const wantFrames = spec.frames(options);
  if (wantFrames !== 'any' && frames !== wantFrames) {
    throw new Error(`${spec.name} is built for ${wantFrames} frames, got ${frames}`);
  }
  const [h, w] = shape.slice(-2);
  if (h % spec.sizeMultiple !== 0 || w % spec.sizeMultiple !== 0) {
    throw new Error(`${spec.name} needs height and width that are multiples of ${spec.sizeMultiple}, got ${h}x${w}`);
  }
}
