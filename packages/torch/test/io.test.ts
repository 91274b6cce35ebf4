// safetensors: round trips, files in other writers' conventions, corrupt files, atomic writes.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Tensor,
  tensor,
  zeros,
  arange,
  randn,
  manualSeed,
  saveSafetensors,
  loadSafetensors,
  serializeSafetensors,
  deserializeSafetensors,
  scope,
  type DType,
} from '../src/index.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dias-io-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A tensor of every dtype with values that exercise its range (negative, large, fractional). */
function everyDtype(): Record<string, Tensor> {
  manualSeed(7);
  return {
    f32: randn([3, 4]),
    f64: tensor(
      [
        [Math.PI, -1e300],
        [5e-324, 0],
      ],
      { dtype: 'float64' },
    ),
    f16: tensor([1, -2.5, 65504, 6.1e-5, 0.1], { dtype: 'float16' }),
    bf16: tensor([1, -3, 1e38, 0.1], { dtype: 'bfloat16' }),
    i64: tensor(new BigInt64Array([2n ** 53n + 1n, -(2n ** 62n), 0n, 7n]), { shape: [2, 2] }),
    i32: tensor([2 ** 31 - 1, -(2 ** 31), 5], { dtype: 'int32' }),
    i16: tensor([32767, -32768, -1], { dtype: 'int16' }),
    i8: tensor([127, -128, 3, -3], { dtype: 'int8' }),
    u8: tensor([0, 1, 128, 255], { dtype: 'uint8' }),
    bool: tensor([[true, false, true]]),
    scalar: tensor(42.5, { dtype: 'float32' }),
    empty: zeros([0, 3], { dtype: 'int16' }),
  };
}

function assertSameTensor(actual: Tensor | undefined, expected: Tensor, name: string): void {
  assert.ok(actual, `missing tensor '${name}'`);
  assert.equal(actual.dtype, expected.dtype, `dtype of '${name}'`);
  assert.deepEqual(actual.shape, expected.shape, `shape of '${name}'`);
  assert.deepEqual(Buffer.from(actual.rawBytes()), Buffer.from(expected.rawBytes()), `bytes of '${name}'`);
}

function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

/** A file from a header object (or raw header text) and a data section, without padding. */
function assemble(header: unknown, data: Uint8Array = new Uint8Array(0)): Buffer {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  return Buffer.concat([u64(json.length), json, data]);
}

describe('safetensors round trip', () => {
  test('every dtype, 0-d and zero-size tensors, and metadata survive save/load', () => {
    scope(() => {
      const tensors = everyDtype();
      const metadata = Object.fromEntries([
        ['format', 'pt'],
        ['note', 'unicode ✓ ünïcödé "quoted"'],
        ['__proto__', 'just a key'],
        ['empty', ''],
      ]);
      const path = join(dir, 'all.safetensors');
      saveSafetensors(path, tensors, metadata);
      const loaded = loadSafetensors(path);
      assert.deepEqual([...loaded.tensors.keys()], Object.keys(tensors), 'tensors come back in the order saved');
      for (const [name, t] of Object.entries(tensors)) assertSameTensor(loaded.tensors.get(name), t, name);
      assert.deepEqual(Object.entries(loaded.metadata), Object.entries(metadata));
      assert.equal(Object.getPrototypeOf(loaded.metadata), Object.prototype);

      // Values checked independently of rawBytes, for the dtypes whose conversion is easy to get wrong.
      assert.deepEqual(Array.from(loaded.tensors.get('i64')!.toTypedArray() as BigInt64Array), [
        2n ** 53n + 1n,
        -(2n ** 62n),
        0n,
        7n,
      ]);
      assert.deepEqual(
        loaded.tensors.get('f16')!.toArray(),
        Array.from(new Float32Array([1, -2.5, 65504, tensors.f16.toArray()[3], tensors.f16.toArray()[4]])),
      );
      assert.deepEqual(loaded.tensors.get('bool')!.toArray(), [1, 0, 1]);
      assert.equal(loaded.tensors.get('scalar')!.item(), 42.5);
      assert.deepEqual(loaded.tensors.get('u8')!.toArray(), [0, 1, 128, 255]);
      assert.deepEqual(loaded.tensors.get('i8')!.toArray(), [127, -128, 3, -3]);
    });
  });

  test('serialize/deserialize in memory agrees with the file, and a Map keeps its order', () => {
    scope(() => {
      const tensors = new Map<string, Tensor>([
        ['z.last.first', arange(6).reshape(2, 3)],
        ['layer.10', tensor([1, 2], { dtype: 'float64' })],
        ['a', tensor([true])],
        ['layer.2', zeros([0])],
      ]);
      const bytes = serializeSafetensors(tensors, { k: 'v' });
      const path = join(dir, 'map.safetensors');
      saveSafetensors(path, tensors, { k: 'v' });
      assert.deepEqual(readFileSync(path), Buffer.from(bytes));
      const back = deserializeSafetensors(bytes);
      assert.deepEqual([...back.tensors.keys()], [...tensors.keys()]);
      for (const [name, t] of tensors) assertSameTensor(back.tensors.get(name), t, name);
      assert.deepEqual(back.metadata, { k: 'v' });
    });
  });

  test('non-contiguous, requiring-grad and empty collections', () => {
    scope(() => {
      const base = arange(12, undefined, 1, { dtype: 'float32' }).reshape(3, 4);
      const transposed = base.T;
      assert.equal(transposed.isContiguous(), false);
      const leaf = tensor([1, 2, 3], { requiresGrad: true });
      const back = deserializeSafetensors(serializeSafetensors({ transposed, leaf }));
      assert.deepEqual(back.tensors.get('transposed')!.toArray(), transposed.contiguous().toArray());
      assert.deepEqual(back.tensors.get('transposed')!.shape, [4, 3]);
      assert.equal(back.tensors.get('leaf')!.requiresGrad, false);

      const none = deserializeSafetensors(serializeSafetensors({}));
      assert.equal(none.tensors.size, 0);
      assert.deepEqual(none.metadata, {});
    });
  });

  test('the written layout follows the reference: metadata first, space padding to 8, packed data', () => {
    scope(() => {
      const bytes = Buffer.from(serializeSafetensors({ x: tensor([1], { dtype: 'float32' }) }));
      const json = '{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}';
      const padded = json + ' '.repeat((8 - (json.length % 8)) % 8);
      assert.equal(bytes.readBigUInt64LE(0), BigInt(padded.length));
      assert.equal(bytes.subarray(8, 8 + padded.length).toString('utf8'), padded);
      assert.deepEqual(bytes.subarray(8 + padded.length), Buffer.from(new Float32Array([1]).buffer));

      const withMeta = Buffer.from(
        serializeSafetensors({ b: zeros([2], { dtype: 'int8' }), a: zeros([1], { dtype: 'float64' }) }, { m: '1' }),
      );
      const n = Number(withMeta.readBigUInt64LE(0));
      assert.equal(n % 8, 0);
      const header = withMeta.subarray(8, 8 + n).toString('utf8');
      assert.ok(header.startsWith('{"__metadata__":{"m":"1"}'), header);
      // The header keeps the given order; the data puts the 8-byte elements first, so that both are aligned.
      assert.deepEqual(Object.keys(JSON.parse(header)), ['__metadata__', 'b', 'a']);
      assert.deepEqual(JSON.parse(header).a.data_offsets, [0, 8]);
      assert.deepEqual(JSON.parse(header).b.data_offsets, [8, 10]);
      assert.equal(withMeta.length, 8 + n + 10);
    });
  });

  test('every tensor starts aligned to its element size; one dtype keeps the given order', () => {
    scope(() => {
      // Odd element counts would push later tensors off alignment if packed in the given order.
      const mixed = {
        u8: zeros([3], { dtype: 'uint8' }),
        f32: zeros([3]),
        i64: zeros([1], { dtype: 'int64' }),
        f16: zeros([1], { dtype: 'float16' }),
        f64: zeros([1], { dtype: 'float64' }),
        b: zeros([1], { dtype: 'bool' }),
        i32: zeros([1], { dtype: 'int32' }),
      };
      const bytes = Buffer.from(serializeSafetensors(mixed));
      const n = Number(bytes.readBigUInt64LE(0));
      const header = JSON.parse(bytes.subarray(8, 8 + n).toString()) as Record<
        string,
        { dtype: string; data_offsets: [number, number] }
      >;
      assert.deepEqual(Object.keys(header), Object.keys(mixed));
      const size: Record<string, number> = { U8: 1, BOOL: 1, F16: 2, F32: 4, I32: 4, I64: 8, F64: 8 };
      for (const [name, info] of Object.entries(header)) {
        assert.equal((8 + n + info.data_offsets[0]) % size[info.dtype], 0, `${name} at ${info.data_offsets[0]}`);
      }
      const byOffset = Object.keys(header).sort((p, q) => header[p].data_offsets[0] - header[q].data_offsets[0]);
      assert.deepEqual(byOffset, ['i64', 'f64', 'f32', 'i32', 'f16', 'u8', 'b']);
      assert.deepEqual([...deserializeSafetensors(bytes).tensors.keys()], Object.keys(mixed));

      const same = { c: zeros([3]), a: zeros([1]), b: zeros([5]) };
      const sb = Buffer.from(serializeSafetensors(same));
      const sn = Number(sb.readBigUInt64LE(0));
      const sh = JSON.parse(sb.subarray(8, 8 + sn).toString());
      assert.deepEqual(
        [sh.c.data_offsets, sh.a.data_offsets, sh.b.data_offsets],
        [
          [0, 12],
          [12, 16],
          [16, 36],
        ],
      );
    });
  });

  test("a file in another writer's conventions is read correctly", () => {
    scope(() => {
      // Data stored b, d, e, a, c(empty), in an order unrelated to the header's reversed keys; metadata last; no
      // padding; an extra unknown field in one entry (ignored, as the reference reader does).
      const a = Buffer.from(new Float32Array([1.5, -2, 3.25, 4]).buffer);
      const b = Buffer.from(new BigInt64Array([1n, -2n, 2n ** 40n]).buffer);
      const d = Buffer.from(new Uint16Array([0x3c00, 0xc000]).buffer); // float16 1, -2
      const e = Buffer.from(new Uint16Array([0x3f80, 0xc040, 0x4049]).buffer); // bfloat16 1, -3, 3.140625
      const data = Buffer.concat([b, d, e, a]);
      const at = (buf: Buffer) => {
        const start = data.indexOf(buf);
        return [start, start + buf.length];
      };
      let json =
        `{"e":{"shape":[3],"data_offsets":${JSON.stringify(at(e))},"dtype":"BF16"},` +
        `"d":{"data_offsets":${JSON.stringify(at(d))},"dtype":"F16","shape":[2],"extra":true},` +
        `"c":{"dtype":"BOOL","shape":[2,0],"data_offsets":[${data.length},${data.length}]},` +
        `"b":{"dtype":"I64","shape":[3],"data_offsets":${JSON.stringify(at(b))}},` +
        `"a":{"dtype":"F32","shape":[2,2],"data_offsets":${JSON.stringify(at(a))}},` +
        `"__metadata__":{"writer":"other"}}`;
      if (json.length % 8 === 0) json = `${json}\n`; // keep the header length off the 8-byte grid
      assert.notEqual(Buffer.byteLength(json) % 8, 0);
      const bytes = assemble(json, data);
      const path = join(dir, 'other.safetensors');
      writeFileSync(path, bytes);

      for (const loaded of [loadSafetensors(path), deserializeSafetensors(bytes)]) {
        const t = loaded.tensors;
        assert.deepEqual([...t.keys()].sort(), ['a', 'b', 'c', 'd', 'e']);
        assert.deepEqual(t.get('a')!.shape, [2, 2]);
        assert.deepEqual(t.get('a')!.toArray(), [1.5, -2, 3.25, 4]);
        assert.equal(t.get('b')!.dtype, 'int64');
        assert.deepEqual(Array.from(t.get('b')!.toTypedArray() as BigInt64Array), [1n, -2n, 2n ** 40n]);
        assert.equal(t.get('c')!.dtype, 'bool');
        assert.deepEqual(t.get('c')!.shape, [2, 0]);
        assert.equal(t.get('d')!.dtype, 'float16');
        assert.deepEqual(t.get('d')!.toArray(), [1, -2]);
        assert.equal(t.get('e')!.dtype, 'bfloat16');
        assert.deepEqual(t.get('e')!.toArray(), [1, -3, 3.140625]);
        assert.deepEqual(loaded.metadata, { writer: 'other' });
        // The Map follows the header's order, not the data's.
        assert.deepEqual([...t.keys()], ['e', 'd', 'c', 'b', 'a']);
      }
    });
  });

  test('other padding: NUL bytes or a lot of spaces after the JSON, and no metadata', () => {
    scope(() => {
      const data = Buffer.from(new Int32Array([5, -6]).buffer);
      const json = '{"x":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}}';
      for (const pad of ['\0\0\0', ' '.repeat(37), '\n\t ']) {
        const t = deserializeSafetensors(assemble(json + pad, data));
        assert.deepEqual(t.tensors.get('x')!.toArray(), [5, -6]);
        assert.deepEqual(t.metadata, {});
      }
      // BOOL bytes other than 0 and 1 are read as true (stored normalised).
      const flags = deserializeSafetensors(
        assemble({ f: { dtype: 'BOOL', shape: [4], data_offsets: [0, 4] } }, Buffer.from([0, 1, 2, 255])),
      );
      assert.deepEqual(flags.tensors.get('f')!.toArray(), [0, 1, 1, 1]);
      assert.deepEqual(Array.from(flags.tensors.get('f')!.rawBytes()), [0, 1, 1, 1]);
      // "__metadata__": null is what Python's json writes for None; it means no metadata.
      assert.deepEqual(deserializeSafetensors(assemble({ __metadata__: null })).metadata, {});
    });
  });
});

describe('safetensors corruption', () => {
  const f32x2 = Buffer.from(new Float32Array([1, 2]).buffer);
  const cases: { name: string; bytes: () => Buffer; message: RegExp }[] = [
    { name: 'empty file', bytes: () => Buffer.alloc(0), message: /file too short/ },
    { name: 'file shorter than the length prefix', bytes: () => Buffer.from([1, 0, 0]), message: /file too short/ },
    {
      name: 'header length beyond the file',
      bytes: () => Buffer.concat([u64(1000), Buffer.from('{}')]),
      message: /header length 1000 goes beyond the end of the file/,
    },
    {
      name: 'header length of 2^64-1',
      bytes: () => Buffer.concat([Buffer.alloc(8, 0xff), Buffer.from('{}')]),
      message: /goes beyond the end of the file/,
    },
    { name: 'bad JSON', bytes: () => assemble('{"x":{"dtype":"F32",', f32x2), message: /not valid JSON/ },
    { name: 'JSON that is not an object', bytes: () => assemble('[1,2,3]'), message: /not a JSON object/ },
    {
      name: 'invalid UTF-8 bytes',
      bytes: () => Buffer.concat([u64(4), Buffer.from([0x7b, 0xc3, 0x28, 0x7d])]),
      message: /not valid UTF-8/,
    },
    {
      name: 'unknown dtype',
      bytes: () => assemble({ x: { dtype: 'F33', shape: [2], data_offsets: [0, 8] } }, f32x2),
      message: /tensor 'x': unknown dtype 'F33'/,
    },
    {
      name: 'unsupported dtype',
      bytes: () => assemble({ x: { dtype: 'U32', shape: [2], data_offsets: [0, 8] } }, f32x2),
      message: /unsupported dtype 'U32'/,
    },
    {
      name: 'inherited property as dtype',
      bytes: () => assemble({ x: { dtype: 'constructor', shape: [2], data_offsets: [0, 8] } }, f32x2),
      message: /unknown dtype 'constructor'/,
    },
    {
      name: 'missing dtype',
      bytes: () => assemble({ x: { shape: [2], data_offsets: [0, 8] } }, f32x2),
      message: /missing or non-string dtype/,
    },
    {
      name: 'negative shape',
      bytes: () => assemble({ x: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, f32x2),
      message: /shape must be a list of non-negative integers/,
    },
    {
      name: 'fractional shape',
      bytes: () => assemble({ x: { dtype: 'F32', shape: [1.5], data_offsets: [0, 8] } }, f32x2),
      message: /shape must be/,
    },
    {
      name: 'offsets not a pair',
      bytes: () => assemble({ x: { dtype: 'F32', shape: [2], data_offsets: [0] } }, f32x2),
      message: /data_offsets must be \[begin, end\]/,
    },
    {
      name: 'offsets beyond the data',
      bytes: () => assemble({ x: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, f32x2),
      message: /go beyond the data section \(8 bytes\)/,
    },
    {
      name: 'offsets reversed',
      bytes: () => assemble({ x: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, f32x2),
      message: /end before they begin/,
    },
    {
      name: 'offsets not matching shape',
      bytes: () => assemble({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32x2),
      message: /hold 8 bytes but shape \[3\] of F32 needs 12/,
    },
    {
      name: 'offsets not matching itemsize',
      bytes: () => assemble({ x: { dtype: 'F64', shape: [2], data_offsets: [0, 8] } }, f32x2),
      message: /needs 16/,
    },
    {
      name: 'overlapping tensors',
      bytes: () =>
        assemble(
          {
            x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
            y: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
          },
          f32x2,
        ),
      message: /tensor '(x|y)': data_offsets \[\d+, 8\] overlap tensor/,
    },
    {
      name: 'two tensors on the same bytes',
      bytes: () =>
        assemble(
          {
            x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
            y: { dtype: 'I32', shape: [2], data_offsets: [0, 8] },
          },
          f32x2,
        ),
      message: /overlap/,
    },
    {
      name: 'a gap between tensors',
      bytes: () =>
        assemble(
          {
            x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
            y: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
          },
          Buffer.alloc(12),
        ),
      message: /not covered contiguously: bytes 4 to 8 belong to no tensor/,
    },
    {
      name: 'data not starting at 0',
      bytes: () => assemble({ x: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32x2),
      message: /bytes 0 to 4 belong to no tensor/,
    },
    {
      name: 'trailing bytes',
      bytes: () => assemble({ x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32x2),
      message: /data section has 8 bytes but the tensors cover 4/,
    },
    {
      name: 'entry not an object',
      bytes: () => assemble({ x: 3 }),
      message: /tensor 'x': the entry must be an object/,
    },
    {
      name: 'metadata value not a string',
      bytes: () => assemble({ __metadata__: { n: 1 } }),
      message: /metadata value for 'n' must be a string/,
    },
    {
      name: 'metadata not an object',
      bytes: () => assemble({ __metadata__: 'x' }),
      message: /'__metadata__' must be an object/,
    },
  ];

  for (const c of cases) {
    test(c.name, () => {
      const path = join(dir, `corrupt-${c.name.replace(/[^a-z0-9]+/gi, '-')}.safetensors`);
      writeFileSync(path, c.bytes());
      assert.throws(
        () => loadSafetensors(path),
        (e: Error) => {
          assert.ok(e instanceof Error);
          assert.ok(e.message.includes(path), `message names the file: ${e.message}`);
          assert.match(e.message, c.message);
          return true;
        },
      );
      assert.throws(
        () => deserializeSafetensors(c.bytes(), 'in-memory.safetensors'),
        (e: Error) => {
          assert.ok(e.message.includes('in-memory.safetensors'), e.message);
          assert.match(e.message, c.message);
          return true;
        },
      );
    });
  }

  test('a missing file is an error naming it', () => {
    const path = join(dir, 'does-not-exist.safetensors');
    assert.throws(
      () => loadSafetensors(path),
      (e: Error) => e.message.includes(path),
    );
  });
});

describe('safetensors writing', () => {
  class FailingTensor extends Tensor {
    override rawBytes(): Uint8Array {
      throw new Error('boom while serialising');
    }
  }

  function listing(): string[] {
    return readdirSync(dir).sort();
  }

  test('a failure while writing leaves no partial file and no temporary file', () => {
    scope(() => {
      const path = join(dir, 'never.safetensors');
      const before = listing();
      const bad = new FailingTensor(zeros([1000]).handle);
      assert.throws(() => saveSafetensors(path, { good: randn([100]), bad }), /boom while serialising/);
      assert.equal(existsSync(path), false);
      assert.deepEqual(listing(), before);
    });
  });

  test('a failed save keeps the previous file intact', () => {
    scope(() => {
      const path = join(dir, 'keep.safetensors');
      saveSafetensors(path, { x: tensor([1, 2, 3]) }, { version: '1' });
      const previous = readFileSync(path);
      const before = listing();
      const bad = new FailingTensor(zeros([10]).handle);
      assert.throws(() => saveSafetensors(path, { x: tensor([4, 5, 6]), bad }), /boom/);
      assert.deepEqual(readFileSync(path), previous);
      assert.deepEqual(listing(), before);
      // and a successful save replaces it
      saveSafetensors(path, { x: tensor([4, 5, 6]) });
      assert.deepEqual(loadSafetensors(path).tensors.get('x')!.toArray(), [4, 5, 6]);
      assert.deepEqual(listing(), before);
    });
  });

  test('invalid input is refused before anything is written, naming the file', () => {
    scope(() => {
      const path = join(dir, 'invalid.safetensors');
      const before = listing();
      const disposed = tensor([1]);
      disposed.dispose();
      assert.throws(
        () => saveSafetensors(path, { disposed }),
        (e: Error) => e.message.includes(path) && /disposed/.test(e.message),
      );
      assert.throws(() => saveSafetensors(path, { __metadata__: tensor([1]) }), /reserved/);
      assert.throws(() => saveSafetensors(path, { x: [1, 2] as unknown as Tensor }), /'x' is not a Tensor/);
      assert.throws(
        () => saveSafetensors(path, { x: tensor([1]) }, { n: 1 as unknown as string }),
        /metadata value for 'n' must be a string/,
      );
      assert.deepEqual(listing(), before);
    });
  });

  test('every dtype name maps both ways', () => {
    scope(() => {
      const expected: Record<DType, string> = {
        float32: 'F32',
        float16: 'F16',
        bfloat16: 'BF16',
        float64: 'F64',
        int64: 'I64',
        int32: 'I32',
        int16: 'I16',
        int8: 'I8',
        uint8: 'U8',
        bool: 'BOOL',
      };
      for (const [dtype, format] of Object.entries(expected) as [DType, string][]) {
        const bytes = Buffer.from(serializeSafetensors({ t: zeros([1], { dtype }) }));
        const n = Number(bytes.readBigUInt64LE(0));
        assert.equal(JSON.parse(bytes.subarray(8, 8 + n).toString()).t.dtype, format);
        assert.equal(deserializeSafetensors(bytes).tensors.get('t')!.dtype, dtype);
      }
    });
  });
});
