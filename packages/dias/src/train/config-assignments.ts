// Settings typed as text, `KEY=VALUE`: `dias train --set` (and --model-option and the flags that set one key) and
// the `set` lines of `dias serve`'s POST /api/train read them here, so a value typed on the page means what it
// means on the command line ('1e-3' a number, 'null' null, '[0, 7]' a list).
import { parse as parseYaml } from 'yaml';
import { setConfigValue, type TrainConfig } from './config.js';

/**
 * A command line value as YAML reads a scalar or flow list ('5e-4' -> 0.0005, 'true', 'null', '[0, 7]'). An empty
 * value stays the empty string (YAML reads it as null), so that `--scribbles ""` is reported as given.
 */
export function parseValue(text: string): unknown {
  if (text.trim() === '') return text;
  try {
    const v = parseYaml(text);
    return v === undefined ? text : v;
  } catch {
    return text;
  }
}

/**
 * `KEY=VALUE` split at the first '=' (the key trimmed, the value as given); without a key it is a usage error
 * (exit code 2, cli/command.ts) naming `flag`.
 */
export function splitAssignment(flag: string, text: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) throw Object.assign(new Error(`${flag} ${text}: expected KEY=VALUE`), { exitCode: 2 });
  return [text.slice(0, at).trim(), text.slice(at + 1)];
}

/** `KEY=VALUE` as `dias train --set` reads it: the key and the value parsed by parseValue. */
export function parseAssignment(flag: string, text: string): [string, unknown] {
  const [key, value] = splitAssignment(flag, text);
  return [key, parseValue(value)];
}

/**
 * Sets one dotted key as `--set` and the server's `set` lines do: model.options.K goes into the options mapping
 * (any option name; the model's constructor checks them), every other key through setConfigValue.
 */
export function applyAssignment(config: TrainConfig, key: string, value: unknown, source: string): void {
  if (key.startsWith('model.options.')) {
    const name = key.slice('model.options.'.length);
    if (!name) throw Object.assign(new Error(`${source}: empty option name`), { exitCode: 2 });
    setConfigValue(config, 'model.options', { ...config.model.options, [name]: value }, source);
  } else setConfigValue(config, key, value, source);
}
