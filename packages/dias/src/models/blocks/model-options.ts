// Reading the official (snake_case) constructor options with errors that name the model and the option, so that a
// missing or mistyped value fails at construction rather than deep inside a layer.
import { showValue } from '../../show-value.js';
import type { ModelOptions } from '../model-spec.js';

function present(options: ModelOptions, key: string, model: string): unknown {
  const value = options[key];
  if (value === undefined || value === null) throw new Error(`${model}: option '${key}' is required`);
  return value;
}

/** A positive integer option (channel counts, class counts, scale factors). */
export function positiveIntOption(options: ModelOptions, key: string, model: string): number {
  const value = present(options, key, model);
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new Error(`${model}: option '${key}' must be a positive integer, got ${showValue(value)}`);
  }
  return value;
}

/** A probability option (dropout rates). */
export function probabilityOption(options: ModelOptions, key: string, model: string): number {
  const value = present(options, key, model);
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new Error(`${model}: option '${key}' must be a number in [0, 1], got ${showValue(value)}`);
  }
  return value;
}

export function boolOption(options: ModelOptions, key: string, model: string): boolean {
  const value = present(options, key, model);
  if (typeof value !== 'boolean')
    throw new Error(`${model}: option '${key}' must be true or false, got ${showValue(value)}`);
  return value;
}

/** A positive number option (feature scales that divide channel counts). */
export function positiveNumberOption(options: ModelOptions, key: string, model: string): number {
  const value = present(options, key, model);
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new Error(`${model}: option '${key}' must be a positive number, got ${showValue(value)}`);
  }
  return value;
}
