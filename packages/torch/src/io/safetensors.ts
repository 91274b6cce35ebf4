// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian u64 N, N bytes of
// UTF-8 JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}, then the raw
// little-endian tensor bytes; offsets count from the start of that data section.
//
// Writing follows the reference implementation's layout: `__metadata__` first, the header padded with spaces to a
// multiple of 8 bytes, tensors packed back to back with every tensor aligned to its element size. The header lists
// the tensors in the order given; the data keeps that order among tensors of one element size and puts larger
// element sizes first (a stable sort, as the reference's by dtype): packed in the given order, an int64 after an
// odd number of float32s would sit 4 bytes off, and readers that view the file's bytes in place as the element
// type can refuse such a tensor (torch: "storage_offset() must be divisible by 8"). With one dtype throughout, the
// data order is the given order.
//
// Reading accepts any conforming file: header keys in any order, any or no padding, data stored in an order
// different from the header's, zero-size tensors, misaligned data; and rejects, naming the file and the problem,
// everything the reference reader rejects.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { writeFileAtomic } from './atomic-write.js';
import { Tensor } from '../tensor.js';
import { fromBytes } from '../creation.js';
import type { DType } from '../dtype.js';

/** The file's dtype names and ours, with the element size in bytes. */
const FORMAT_DTYPES: Readonly<Record<string, { dtype: DType; size: number }>> = {
  F64: { dtype: 'float64', size: 8 },
  F32: { dtype: 'float32', size: 4 },
  F16: { dtype: 'float16', size: 2 },
  BF16: { dtype: 'bfloat16', size: 2 },
  I64: { dtype: 'int64', size: 8 },
  I32: { dtype: 'int32', size: 4 },
  I16: { dtype: 'int16', size: 2 },
  I8: { dtype: 'int8', size: 1 },
  U8: { dtype: 'uint8', size: 1 },
  BOOL: { dtype: 'bool', size: 1 },
};

const TO_FORMAT: Readonly<Record<DType, string>> = {
  float64: 'F64',
  float32: 'F32',
  float16: 'F16',
  bfloat16: 'BF16',
  int64: 'I64',
  int32: 'I32',
  int16: 'I16',
  int8: 'I8',
  uint8: 'U8',
  bool: 'BOOL',
};

/** Dtypes of the format that this library cannot hold (named in the error, so that it says why). */
const KNOWN_UNSUPPORTED = new Set([
  'U16',
  'U32',
  'U64',
  'F8_E4M3',
  'F8_E5M2',
  'C64',
  'F4',
  'F6_E2M3',
  'F6_E3M2',
  'F8_E8M0',
  'E8M0',
]);

const METADATA_KEY = '__metadata__';
/** The reference implementation refuses headers above 100 MB; so does this one (it guards against garbage N). */
const MAX_HEADER_BYTES = 100_000_000;

export type TensorCollection = Map<string, Tensor> | Record<string, Tensor>;

export interface SafetensorsContents {
  /**
   * In the header's order (for files written here: the order they were saved in; JavaScript objects list names
   * that are array indices, such as "0" or "12", first and in numeric order).
   */
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

class SafetensorsError extends Error {
  constructor(source: string, problem: string) {
    super(`safetensors: ${source}: ${problem}`);
    this.name = 'SafetensorsError';
  }
}

// ------------------------------------------------------------------------------------------------ writing

interface Planned {
  header: Uint8Array;
  entries: { name: string; tensor: Tensor; bytes: number }[];
  dataBytes: number;
}

function entriesOf(tensors: TensorCollection): [string, Tensor][] {
  return tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
}

/** Checks everything and builds the header before a single byte is written. */
function plan(tensors: TensorCollection, metadata: Record<string, string> | undefined, target: string): Planned {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object')
      throw new SafetensorsError(target, 'metadata must be an object of strings');
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string')
        throw new SafetensorsError(target, `metadata value for '${key}' must be a string, got ${typeof value}`);
    }
    // defineProperty: a key named __proto__ is data, not the prototype.
    Object.defineProperty(header, METADATA_KEY, {
      value: { ...metadata },
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  const given: {
    name: string;
    tensor: Tensor;
    format: string;
    shape: number[];
    size: number;
    offsets: [number, number];
  }[] = [];
  for (const [name, tensor] of entriesOf(tensors)) {
    if (name === METADATA_KEY)
      throw new SafetensorsError(target, `'${METADATA_KEY}' is reserved and cannot name a tensor`);
    if (!(tensor instanceof Tensor)) throw new SafetensorsError(target, `'${name}' is not a Tensor`);
    if (tensor.isDisposed) throw new SafetensorsError(target, `tensor '${name}' was disposed`);
    const dtype = tensor.dtype;
    const format = TO_FORMAT[dtype];
    if (format === undefined)
      throw new SafetensorsError(target, `tensor '${name}' has dtype ${dtype}, which safetensors cannot store here`);
    given.push({ name, tensor, format, shape: tensor.shape, size: FORMAT_DTYPES[format].size, offsets: [0, 0] });
  }
  // Data layout: larger elements first, the given order otherwise (Array.prototype.sort is stable). Every size
  // divides the ones before it, so each tensor starts aligned to its element size.
  const entries: Planned['entries'] = [];
  let offset = 0;
  for (const g of [...given].sort((a, b) => b.size - a.size)) {
    const bytes = g.shape.reduce((a, b) => a * b, 1) * g.size;
    g.offsets = [offset, offset + bytes];
    entries.push({ name: g.name, tensor: g.tensor, bytes });
    offset += bytes;
  }
  for (const g of given) {
    Object.defineProperty(header, g.name, {
      value: { dtype: g.format, shape: g.shape, data_offsets: g.offsets },
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  // Spaces up to a multiple of 8, so that the data section starts 8-byte aligned (as the reference writes it).
  const padded = Buffer.alloc(Math.ceil(json.length / 8) * 8, 0x20);
  json.copy(padded);
  return { header: padded, entries, dataBytes: offset };
}

function lengthPrefix(n: number): Uint8Array {
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(n));
  return prefix;
}

/** Each piece of the file in turn: the length, the header, then every tensor's bytes. */
function* pieces(p: Planned, target: string): Generator<Uint8Array> {
  yield lengthPrefix(p.header.length);
  yield p.header;
  for (const { name, tensor, bytes } of p.entries) {
    const data = tensor.rawBytes();
    if (data.length !== bytes)
      throw new SafetensorsError(target, `tensor '${name}' gave ${data.length} bytes, expected ${bytes}`);
    yield data;
  }
}

/** The bytes of a safetensors file holding the tensors (and the string metadata, when given). */
export function serializeSafetensors(tensors: TensorCollection, metadata?: Record<string, string>): Uint8Array {
  const p = plan(tensors, metadata, '<serialize>');
  const out = new Uint8Array(8 + p.header.length + p.dataBytes);
  let at = 0;
  for (const piece of pieces(p, '<serialize>')) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

/**
 * Writes the tensors to path as safetensors. The file appears whole or not at all: it is written to a temporary
 * file in the same folder, flushed, and renamed over path; on any error the temporary file is removed and an
 * existing file at path is left as it was.
 */
export function saveSafetensors(path: string, tensors: TensorCollection, metadata?: Record<string, string>): void {
  writeFileAtomic(path, pieces(plan(tensors, metadata, path), path));
}

// ------------------------------------------------------------------------------------------------ reading

interface Entry {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
  order: number;
}

interface ParsedHeader {
  /** In header order. */
  entries: Entry[];
  metadata: Record<string, string>;
  /** Where the data section starts in the file. */
  dataStart: number;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Reads N from the first 8 bytes and checks it against the file's size. */
function headerLength(prefix: Uint8Array, fileBytes: number, source: string): number {
  if (fileBytes < 8)
    throw new SafetensorsError(
      source,
      `file too short (${fileBytes} bytes): a safetensors file starts with an 8-byte header length`,
    );
  const n = Buffer.from(prefix.buffer, prefix.byteOffset, 8).readBigUInt64LE(0);
  if (n > BigInt(fileBytes - 8)) {
    throw new SafetensorsError(
      source,
      `header length ${n} goes beyond the end of the file (${fileBytes - 8} bytes follow the length)`,
    );
  }
  if (n > BigInt(MAX_HEADER_BYTES))
    throw new SafetensorsError(source, `header length ${n} is larger than the ${MAX_HEADER_BYTES}-byte limit`);
  if (n < 2n) throw new SafetensorsError(source, `header length ${n} is too small to hold a JSON object`);
  return Number(n);
}

/** Parses and validates the JSON header against a data section of dataBytes bytes. */
function parseHeader(headerBytes: Uint8Array, headerLen: number, dataBytes: number, source: string): ParsedHeader {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsError(source, 'the header is not valid UTF-8');
  }
  // Some writers pad with NUL bytes instead of spaces; JSON only allows whitespace.
  text = text.replace(/\0+$/, '');
  if (!text.trimStart().startsWith('{'))
    throw new SafetensorsError(source, 'the header is not a JSON object (it must start with "{")');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(source, `the header is not valid JSON: ${(e as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new SafetensorsError(source, 'the header is not a JSON object');

  const metadataEntries: [string, string][] = [];
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (info === null) continue;
      if (typeof info !== 'object' || Array.isArray(info))
        throw new SafetensorsError(source, `'${METADATA_KEY}' must be an object of strings`);
      for (const [key, value] of Object.entries(info as Record<string, unknown>)) {
        if (typeof value !== 'string')
          throw new SafetensorsError(source, `metadata value for '${key}' must be a string, got ${describe(value)}`);
        metadataEntries.push([key, value]);
      }
      continue;
    }
    if (info === null || typeof info !== 'object' || Array.isArray(info))
      throw new SafetensorsError(source, `tensor '${name}': the entry must be an object`);
    const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
    if (typeof dtype !== 'string') throw new SafetensorsError(source, `tensor '${name}': missing or non-string dtype`);
    const known = FORMAT_DTYPES[dtype];
    if (known === undefined || !Object.hasOwn(FORMAT_DTYPES, dtype)) {
      const why = KNOWN_UNSUPPORTED.has(dtype) ? 'unsupported' : 'unknown';
      throw new SafetensorsError(
        source,
        `tensor '${name}': ${why} dtype '${dtype}' (supported: ${Object.keys(FORMAT_DTYPES).join(', ')})`,
      );
    }
    if (!Array.isArray(shape) || !shape.every(isCount)) {
      throw new SafetensorsError(
        source,
        `tensor '${name}': shape must be a list of non-negative integers, got ${describe(shape)}`,
      );
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
      throw new SafetensorsError(
        source,
        `tensor '${name}': data_offsets must be [begin, end] with non-negative integers, got ${describe(offsets)}`,
      );
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin)
      throw new SafetensorsError(source, `tensor '${name}': data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataBytes) {
      throw new SafetensorsError(
        source,
        `tensor '${name}': data_offsets [${begin}, ${end}] go beyond the data section (${dataBytes} bytes)`,
      );
    }
    let numel = 1;
    for (const d of shape) {
      numel *= d;
      if (!Number.isSafeInteger(numel * known.size))
        throw new SafetensorsError(source, `tensor '${name}': shape [${shape.join(', ')}] is too large`);
    }
    if (numel * known.size !== end - begin) {
      throw new SafetensorsError(
        source,
        `tensor '${name}': data_offsets [${begin}, ${end}] hold ${end - begin} bytes but shape [${shape.join(', ')}] of ${dtype} needs ${numel * known.size}`,
      );
    }
    entries.push({ name, dtype: known.dtype, shape, begin, end, order: entries.length });
  }

  // The tensors must tile the data section exactly: sorted by offset, each begins where the one before ends.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end || a.order - b.order);
  let covered = 0;
  let previous: Entry | undefined;
  for (const e of entries) {
    if (e.begin < covered) {
      throw new SafetensorsError(
        source,
        `tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] overlap tensor '${previous!.name}' [${previous!.begin}, ${previous!.end}]`,
      );
    }
    if (e.begin > covered) {
      throw new SafetensorsError(
        source,
        `the data section is not covered contiguously: bytes ${covered} to ${e.begin} belong to no tensor (before '${e.name}')`,
      );
    }
    covered = e.end;
    previous = e;
  }
  if (covered !== dataBytes) {
    throw new SafetensorsError(
      source,
      `the data section has ${dataBytes} bytes but the tensors cover ${covered}: bytes ${covered} to ${dataBytes} belong to no tensor`,
    );
  }
  entries.sort((a, b) => a.order - b.order);
  return { entries, metadata: Object.fromEntries(metadataEntries), dataStart: 8 + headerLen };
}

/** Builds one tensor per entry; frees those already made when one fails. */
function build(entries: Entry[], read: (e: Entry) => Tensor): Map<string, Tensor> {
  const tensors = new Map<string, Tensor>();
  try {
    for (const e of entries) tensors.set(e.name, read(e));
  } catch (error) {
    for (const t of tensors.values()) t.dispose();
    throw error;
  }
  return tensors;
}

/** Tensors and metadata from the bytes of a safetensors file (copied: the bytes may be reused afterwards). */
export function deserializeSafetensors(bytes: Uint8Array, source = '<bytes>'): SafetensorsContents {
  if (!(bytes instanceof Uint8Array)) throw new SafetensorsError(source, 'expected a Uint8Array');
  const n = headerLength(bytes.subarray(0, 8), bytes.length, source);
  const header = parseHeader(bytes.subarray(8, 8 + n), n, bytes.length - 8 - n, source);
  const tensors = build(header.entries, (e) => fromBytes(bytes, header.dataStart + e.begin, e.shape, e.dtype));
  return { tensors, metadata: header.metadata };
}

function readExactly(fd: number, length: number, position: number, path: string): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const got = readSync(fd, buffer, done, length - done, position + done);
    if (got === 0) throw new SafetensorsError(path, `unexpected end of file at byte ${position + done}`);
    done += got;
  }
  return buffer;
}

/**
 * Reads a safetensors file: every tensor (on the CPU, in its stored dtype) and the metadata. The file is read
 * one tensor at a time, so memory holds at most one tensor's bytes besides the tensors themselves.
 */
export function loadSafetensors(path: string): SafetensorsContents {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const n = headerLength(size >= 8 ? readExactly(fd, 8, 0, path) : new Uint8Array(8), size, path);
    const header = parseHeader(readExactly(fd, n, 8, path), n, size - 8 - n, path);
    const tensors = build(header.entries, (e) =>
      fromBytes(readExactly(fd, e.end - e.begin, header.dataStart + e.begin, path), 0, e.shape, e.dtype),
    );
    return { tensors, metadata: header.metadata };
  } finally {
    closeSync(fd);
  }
}

/**
 * The metadata of a safetensors file, read from its header alone (no tensor is loaded): what a reader checks
 * first to tell what kind of file it was given.
 */
export function readSafetensorsMetadata(path: string): Record<string, string> {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const n = headerLength(size >= 8 ? readExactly(fd, 8, 0, path) : new Uint8Array(8), size, path);
    return parseHeader(readExactly(fd, n, 8, path), n, size - 8 - n, path).metadata;
  } finally {
    closeSync(fd);
  }
}
