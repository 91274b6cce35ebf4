// Every architecture by official name and by friendly alias. Each model file exports its spec; the list is here.
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

/** The constructor options a model knows: ours and the official code's (an option outside them is a typo). */
export function modelOptionKeys(spec: ModelSpec): string[] {
  return [...new Set([...Object.keys(spec.defaults), ...Object.keys(spec.officialDefaults)])];
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

/** The input check every model's forward starts with (kept in blocks/ so model files need no registry import). */
export { checkInput as checkModelInput } from './blocks/check-input.js';
