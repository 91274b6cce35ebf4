// The worker of decoders-fuzz.test.ts: decodes the generated cases of one decoder (workerData { kind, seed,
// count }) one by one, and posts 'start' before each and 'done' (with the problem, if any) after it, so that the
// test can tell a case that hangs from one that is slow, and a crash of the thread from a rejection.
import { parentPort, workerData } from 'node:worker_threads';
import { deserializeNpy, deserializeSafetensors } from '@dias-ts/torch';
import { parseNpy } from '../src/data/readers/npy-array.js';
import { decodeDicom } from '../src/data/readers/dicom.js';
import { decodeGrayPng } from '../src/image/png.js';
import { decodeTiff } from '../src/image/tiff.js';
import { applyConfigPatch, defaultTrainConfig, finalizeTrainConfig, parseConfigText } from '../src/train/config.js';
import { fuzzCases, type DecoderKind } from './decoders-fuzz-cases.js';

const { kind, seed, count } = workerData as { kind: DecoderKind; seed: number; count: number };

const isCount = (n: number) => Number.isSafeInteger(n) && n >= 0;
const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The problem with a decoder's result, or undefined when its shape agrees with itself and its values are sane. */
function checkValues(
  what: string,
  data: ArrayLike<number>,
  expected: number,
  range?: [number, number],
): string | undefined {
  if (data.length !== expected) return `${what}: ${data.length} values where the shape says ${expected}`;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) return `${what}: value ${v} at ${i}`;
    if (range && (v < range[0] || v > range[1]))
      return `${what}: value ${v} at ${i} outside [${range[0]}, ${range[1]}]`;
  }
  return undefined;
}

/** Decodes one case; returns what is wrong with the result (a thrown error is judged by the caller). */
async function decode(bytes: Uint8Array, name: string): Promise<string | undefined> {
  switch (kind) {
    case 'png': {
      const img = decodeGrayPng(bytes, name);
      if (!isCount(img.width) || !isCount(img.height) || img.width * img.height === 0)
        return `PNG of ${img.width}x${img.height}`;
      return checkValues('PNG', img.data, img.width * img.height, [0, img.bitDepth === 16 ? 65535 : 255]);
    }
    case 'tiff': {
      const tiff = decodeTiff(bytes, name);
      if (!isCount(tiff.width) || !isCount(tiff.height) || tiff.width * tiff.height === 0 || tiff.frames.length === 0) {
        return `TIFF of ${tiff.width}x${tiff.height} with ${tiff.frames.length} frames`;
      }
      for (const [k, frame] of tiff.frames.entries()) {
        const problem = checkValues(`TIFF page ${k}`, frame, tiff.width * tiff.height);
        if (problem) return problem;
      }
      return undefined;
    }
    case 'npy': {
      // Both readers: the data tools' plain arrays and the engine's tensors. Random float bytes may be NaN.
      const array = parseNpy(bytes, name);
      if (!array.shape.every(isCount)) return `npy shape (${array.shape.join(', ')})`;
      if (array.data.length !== product(array.shape))
        return `npy: ${array.data.length} values for shape (${array.shape.join(', ')})`;
      const tensor = deserializeNpy(bytes, name);
      try {
        if (tensor.shape.join() !== array.shape.join())
          return `npy tensor of shape [${tensor.shape}], parseNpy gave (${array.shape})`;
      } finally {
        tensor.dispose();
      }
      return undefined;
    }
    case 'dicom': {
      const seq = await decodeDicom(bytes, name);
      if (![seq.T, seq.H, seq.W].every((n) => isCount(n) && n > 0)) return `DICOM of ${seq.T}x${seq.H}x${seq.W}`;
      return checkValues('DICOM frames', seq.frames, seq.T * seq.H * seq.W);
    }
    case 'safetensors': {
      const { tensors, metadata } = deserializeSafetensors(bytes, name);
      try {
        if (Object.values(metadata).some((v) => typeof v !== 'string'))
          return 'safetensors metadata that is not strings';
        for (const [key, t] of tensors)
          if (t.numel !== product(t.shape)) return `safetensors '${key}': ${t.numel} elements for shape [${t.shape}]`;
      } finally {
        for (const t of tensors.values()) t.dispose();
      }
      return undefined;
    }
    case 'yaml': {
      const patch = parseConfigText(new TextDecoder().decode(bytes), name);
      const config = applyConfigPatch(defaultTrainConfig(), patch ?? {}, name);
      config.data.dir = '/data';
      const final = finalizeTrainConfig(config, name);
      if (!Number.isSafeInteger(final.train.epochs) || !(final.optimizer.lr > 0))
        return `config with epochs ${final.train.epochs}, lr ${final.optimizer.lr}`;
      return undefined;
    }
  }
}

const EXT: Record<DecoderKind, string> = {
  png: 'png',
  tiff: 'tif',
  npy: 'npy',
  dicom: 'dcm',
  safetensors: 'safetensors',
  yaml: 'yaml',
};

for (const [i, c] of fuzzCases(kind, seed, count).entries()) {
  parentPort!.postMessage({ type: 'start', i, label: c.label });
  const name = `/fuzz/${kind}-case-${i}.${EXT[kind]}`;
  let problem: string | undefined;
  try {
    problem = await decode(c.bytes, name);
  } catch (e) {
    if (!(e instanceof Error)) problem = `threw a ${typeof e}, not an Error: ${String(e)}`;
    else if (!e.message.includes(name)) problem = `error without the file name: ${e.name}: ${e.message}`;
    else if (e.message.includes('[object Object]')) problem = `unclear error: ${e.message}`;
  }
  parentPort!.postMessage({ type: 'done', i, label: c.label, problem });
}
parentPort!.postMessage({ type: 'end' });
