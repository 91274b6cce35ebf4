// Equivalence with the official PyTorch models: rebuild each reference model from its official constructor
// arguments, fill weights and input by the reference recipe, and compare the forward output with the golden one.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadNpy, noGrad, scope, type Tensor } from '@dias-ts/torch';
import { findModel, createOfficialModel, modelOptionKeys } from './registry.js';
import { referenceInput, referenceTensor } from './reference-fill.js';
import { checkPixelCount } from '../image/pixel-limit.js';

export interface ReferenceEntry {
  name: string;
  dtype: string;
  shape: number[];
}

export interface ReferenceModel {
  model: string;
  kind: string;
  constructor: Record<string, unknown>;
  input_shape: number[];
  output_shape: number[];
  parameters: number;
  state_dict: ReferenceEntry[];
}

export interface VerifyResult {
  model: string;
  parameters: number;
  relativeError: number;
  passed: boolean;
  /** Why the model could not be compared (a key or shape mismatch, an unknown model), if so. */
  problem?: string;
  ms: number;
}

export const TOLERANCE = 1e-4;

/** The reference names in DIR (each `<Name>.json` with its `<Name>.output.npy`), sorted. */
export function referenceNames(dir: string): string[] {
  if (!existsSync(dir)) throw new Error(`${dir}: no such folder`);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** Compares state-dict keys, order and shapes with the reference list; returns a description of the first problems. */
function compareKeys(ours: Map<string, Tensor>, reference: ReferenceEntry[]): string | undefined {
  const names = [...ours.keys()];
  const problems: string[] = [];
  const refNames = reference.map((e) => e.name);
  const missing = refNames.filter((n) => !ours.has(n));
  const extra = names.filter((n) => !refNames.includes(n));
  if (missing.length) problems.push(`missing ${missing.length} key(s), e.g. ${missing.slice(0, 3).join(', ')}`);
  if (extra.length) problems.push(`unexpected ${extra.length} key(s), e.g. ${extra.slice(0, 3).join(', ')}`);
  if (!problems.length) {
    const firstOrder = refNames.findIndex((n, i) => names[i] !== n);
    if (firstOrder >= 0)
      problems.push(`order differs at #${firstOrder}: reference ${refNames[firstOrder]}, ours ${names[firstOrder]}`);
    for (const e of reference) {
      const shape = ours.get(e.name)!.shape;
      if (shape.join(',') !== e.shape.join(',')) {
        problems.push(`${e.name}: reference shape [${e.shape.join(', ')}], ours [${shape.join(', ')}]`);
        break;
      }
    }
  }
  return problems.length ? problems.join('; ') : undefined;
}

const isShape = (v: unknown, positive: boolean): v is number[] =>
  Array.isArray(v) && v.every((d) => Number.isSafeInteger(d) && (positive ? d > 0 : d >= 0));

/**
 * The reference file read and checked before anything is built or allocated: a syntax error, a missing field or
 * a shape that is not one (or too large to allocate) is a problem naming the file, not a JSON parser's message
 * without it or "Invalid typed array length".
 */
function readReference(jsonPath: string): ReferenceModel {
  let ref: ReferenceModel;
  try {
    ref = JSON.parse(readFileSync(jsonPath, 'utf8')) as ReferenceModel;
  } catch (e) {
    throw new Error(`${jsonPath}: not valid JSON (${(e as Error).message})`);
  }
  const fail = (what: string): never => {
    throw new Error(`${jsonPath}: ${what}`);
  };
  if (!ref || typeof ref !== 'object') fail('not a reference (expected an object)');
  if (typeof ref.model !== 'string') fail('model must be the name of a model');
  if (
    !Object.hasOwn(ref, 'constructor') ||
    typeof ref.constructor !== 'object' ||
    ref.constructor === null ||
    Array.isArray(ref.constructor)
  ) {
    fail('constructor must be an object of constructor arguments');
  }
  if (!isShape(ref.input_shape, true)) fail('input_shape must be a list of positive integers');
  const inputCount = ref.input_shape.reduce((a, b) => a * b, 1);
  checkPixelCount(jsonPath, `input_shape [${ref.input_shape.join(', ')}]`, inputCount);
  if (!Array.isArray(ref.state_dict)) fail('state_dict must be a list of {name, shape, dtype}');
  ref.state_dict.forEach((e, i) => {
    if (!e || typeof e.name !== 'string' || !isShape(e.shape, false))
      fail(`state_dict[${i}] must be {name, shape, dtype} with a shape of whole numbers`);
    checkPixelCount(
      jsonPath,
      `state_dict ${e.name} [${e.shape.join(', ')}]`,
      e.shape.reduce((a, b) => a * b, 1),
    );
  });
  return ref;
}

/** Verifies one reference model `<dir>/<name>.json`; a broken reference is a failed result with its problem. */
export function verifyReferenceModel(dir: string, name: string): VerifyResult {
  const start = performance.now();
  const jsonPath = join(dir, `${name}.json`);
  const outputPath = join(dir, `${name}.output.npy`);
  let ref: ReferenceModel;
  try {
    ref = readReference(jsonPath);
    if (!existsSync(outputPath)) throw new Error(`${outputPath}: no such file (the golden output beside ${name}.json)`);
  } catch (e) {
    return {
      model: name,
      parameters: NaN,
      relativeError: NaN,
      passed: false,
      problem: (e as Error).message,
      ms: performance.now() - start,
    };
  }
  return scope(() => {
    let spec;
    try {
      spec = findModel(ref.model);
    } catch (e) {
      return {
        model: name,
        parameters: ref.parameters,
        relativeError: NaN,
        passed: false,
        problem: (e as Error).message,
        ms: performance.now() - start,
      };
    }
    // An unknown key would be dropped by the constructor and the model built with a default in its place: the
    // comparison could then pass for a model the reference does not describe.
    const known = modelOptionKeys(spec);
    const unknown = Object.keys(ref.constructor ?? {}).filter((k) => !known.includes(k));
    if (unknown.length) {
      const problem = `constructor key${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} ${unknown.length > 1 ? 'are not options' : 'is not an option'} of ${spec.name} (its options: ${known.join(', ')})`;
      return {
        model: name,
        parameters: ref.parameters,
        relativeError: NaN,
        passed: false,
        problem,
        ms: performance.now() - start,
      };
    }
    const model = createOfficialModel(spec.name, ref.constructor);
    try {
      const state = model.stateDict();
      const problem = compareKeys(state, ref.state_dict);
      if (problem)
        return {
          model: name,
          parameters: model.parameterCount(),
          relativeError: NaN,
          passed: false,
          problem,
          ms: performance.now() - start,
        };
      const filled = new Map<string, Tensor>();
      ref.state_dict.forEach((e, j) =>
        filled.set(e.name, referenceTensor(e.name, e.shape, j, e.dtype === 'int64' ? 'int64' : 'float32')),
      );
      model.loadStateDict(filled, { strict: true });
      model.eval();
      const x = referenceInput(ref.input_shape);
      const y = noGrad(() => model.forward(x));
      const expected = loadNpy(outputPath);
      if (y.shape.join(',') !== expected.shape.join(',')) {
        return {
          model: name,
          parameters: model.parameterCount(),
          relativeError: NaN,
          passed: false,
          problem: `output shape [${y.shape.join(', ')}], reference [${expected.shape.join(', ')}]`,
          ms: performance.now() - start,
        };
      }
      const yd = y.double(),
        rd = expected.double();
      const relativeError = yd.sub(rd).norm().item() / rd.sub(rd.mean()).norm().item();
      return {
        model: name,
        parameters: model.parameterCount(),
        relativeError,
        passed: relativeError <= TOLERANCE,
        ms: performance.now() - start,
      };
    } finally {
      model.dispose();
    }
  });
}
