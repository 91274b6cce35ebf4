// Errors reach JavaScript as Errors (and the process goes on); scopes, keep() and dispose() free what they should.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Tensor,
  F,
  tensor,
  zeros,
  ones,
  randn,
  scope,
  tidy,
  keep,
  dispose,
  cat,
  fromBytes,
  noGrad,
} from '../src/index.js';

/** Asserts that fn throws an Error (not just any value) whose message matches. */
function throwsMessage(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof Error, `expected an Error, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('errors', () => {
  test('using a disposed tensor throws an Error that says so, and everything else goes on', () => {
    const t = tensor([1, 2, 3]);
    t.dispose();
    assert.equal(t.isDisposed, true);
    t.dispose(); // idempotent
    const uses: [string, () => unknown][] = [
      ['add', () => t.add(1)],
      ['binary other operand', () => tensor([1, 2, 3]).add(t)],
      ['shape', () => t.shape],
      ['dtype', () => t.dtype],
      ['toArray', () => t.toArray()],
      ['item', () => t.item()],
      ['rawBytes', () => t.rawBytes()],
      ['reshape', () => t.reshape(3, 1)],
      ['cat', () => cat([tensor([1]), t])],
      ['conv', () => F.conv1d(t, ones([1, 1, 1]))],
      ['backward', () => t.backward()],
      ['requiresGrad', () => t.requiresGrad],
    ];
    for (const [name, use] of uses) {
      assert.throws(use, (e: unknown) => e instanceof Error && /disposed/.test(e.message), name);
    }
    assert.equal(String(t), 'Tensor(disposed)');
    // the process is fine: new tensors work
    assert.deepEqual(tensor([1, 2]).add(1).toArray(), [2, 3]);
  });

  test("a libtorch shape error becomes an Error naming the op, with libtorch's message", () => {
    scope(() => {
      assert.throws(
        () => randn([2, 3]).matmul(randn([4, 5])),
        (e: Error) => {
          assert.ok(e instanceof Error);
          assert.match(e.message, /^matmul: /);
          assert.match(e.message, /cannot be multiplied \(2x3 and 4x5\)/);
          assert.doesNotMatch(e.message, /Exception raised from/); // the C++ frame list is cut
          return true;
        },
      );
      assert.throws(
        () => F.conv2d(randn([1, 4, 8, 8]), randn([2, 3, 3, 3])),
        (e: Error) => {
          assert.match(e.message, /^conv: /);
          assert.match(e.message, /expected input\[1, 4, 8, 8\] to have 3 channels, but got 4 channels instead/);
          return true;
        },
      );
      throwsMessage(
        () => randn([2, 3]).add(randn([4])),
        /^add: .*size of tensor a \(3\) must match the size of tensor b \(4\)/,
      );
      throwsMessage(() => randn([2, 3]).reshape(5), /^reshape: shape '\[5\]' is invalid for input of size 6/);
      throwsMessage(() => randn([2, 3]).sum(2), /^(sum|reduce): .*Dimension out of range/);
      throwsMessage(() => randn([2, 3]).bmm(randn([3, 2])), /^bmm: /);
      throwsMessage(
        () => F.crossEntropy(randn([2, 3]), tensor([0, 5], { dtype: 'int64' })),
        /^crossEntropy: .*(out of bounds|Target 5)/,
      );
      throwsMessage(() => cat([randn([2]), randn([2, 2])]), /^cat: /);
      // and the process goes on after all of them
      assert.equal(ones([2]).sum().item(), 2);
    });
  });

  test('bad dtypes and bad arguments throw', () => {
    scope(() => {
      assert.throws(() => zeros([2], { dtype: 'float128' as never }), /unknown dtype 'float128'/);
      assert.throws(() => tensor([1], { dtype: 'int4' as never }), /unknown dtype 'int4'/);
      assert.throws(() => ones([2]).to('complex64'), /unknown dtype 'complex64'/);
      assert.throws(() => fromBytes(new Uint8Array(4), 0, [2], 'float32'), /fromBytes: .*outside the buffer/);
      assert.throws(() => fromBytes(new Uint8Array(8), -4, [1], 'float32'), /fromBytes: .*outside the buffer/);
      assert.throws(() => fromBytes(new Uint8Array(8), 2 ** 53, [1], 'float32'), /fromBytes: .*outside the buffer/);
      assert.throws(() => fromBytes(new Float32Array(2) as never, 0, [1], 'float32'), /Uint8Array/);
      assert.throws(() => ones([2]).size(3), /out of range/);
      assert.throws(() => F.pad(ones([1, 1, 3]), [1, 1], 'mirror' as never), /unknown pad mode 'mirror'/);
      assert.throws(() => F.mseLoss(ones([2]), ones([2]), 'avg' as never), /reduction must be 'mean', 'sum' or 'none'/);
      assert.throws(() => F.dropout(ones([2]), 1.5), /dropout probability/);
      // a number where a tensor is expected
      assert.throws(() => ones([2]).matmul(3 as never), /matmul/);
    });
  });

  test('backward errors: no grad, non-scalar output, second backward without retainGraph', () => {
    scope(() => {
      assert.throws(() => ones([2]).sum().backward(), /does not require grad/);
      const x = ones([2], { requiresGrad: true });
      assert.throws(() => x.mul(2).backward(), /grad can be implicitly created only for scalar outputs/);
      const y = x.mul(x).sum();
      y.backward();
      assert.throws(() => y.backward(), /backward through the graph a second time/);
      assert.deepEqual(x.grad!.toArray(), [2, 2]);
    });
  });
});

describe('scope', () => {
  test('frees the tensors made inside and keeps those returned', () => {
    let inner: Tensor[] = [];
    const result = scope(() => {
      const a = ones([3]);
      const b = a.mul(2);
      inner = [a, b];
      return b.add(1);
    });
    assert.equal(inner[0].isDisposed, true);
    assert.equal(inner[1].isDisposed, true);
    assert.equal(result.isDisposed, false);
    assert.deepEqual(result.toArray(), [3, 3, 3]);
    result.dispose();
  });

  test('keeps tensors returned inside arrays, Maps and plain objects, and nothing else', () => {
    let made: Tensor[] = [];
    const out = scope(() => {
      const [a, b, c, d, e] = [ones([1]), ones([2]), ones([3]), ones([4]), ones([5])];
      made = [a, b, c, d, e];
      return { list: [a, { deep: b }], map: new Map([['c', c]]), n: 3, s: 'text', nil: null };
    });
    assert.deepEqual(
      made.map((t) => t.isDisposed),
      [false, false, false, true, true],
    );
    assert.equal(out.n, 3);
    assert.deepEqual(out.map.get('c')!.shape, [3]);
    dispose(out);
    assert.deepEqual(
      made.map((t) => t.isDisposed),
      [true, true, true, true, true],
    );
  });

  test('tensors from before the scope are left alone; tensors of views and ops results inside are freed', () => {
    const outside = ones([4]);
    let view: Tensor | undefined;
    scope(() => {
      view = outside.reshape(2, 2);
      outside.add(1);
    });
    assert.equal(view!.isDisposed, true);
    assert.equal(outside.isDisposed, false);
    assert.deepEqual(outside.toArray(), [1, 1, 1, 1]); // freeing a view does not free the storage
    outside.dispose();
  });

  test('nested scopes: a tensor returned from the inner scope belongs to the outer one', () => {
    let fromInner: Tensor | undefined;
    let innerTemp: Tensor | undefined;
    const final = scope(() => {
      fromInner = scope(() => {
        innerTemp = ones([2]);
        return innerTemp.mul(3);
      });
      assert.equal(innerTemp!.isDisposed, true);
      assert.equal(fromInner.isDisposed, false);
      return fromInner.sum();
    });
    assert.equal(fromInner!.isDisposed, true); // freed when the outer scope ended
    assert.equal(final.item(), 6);
    final.dispose();
  });

  test('keep() survives every enclosing scope; tidy is scope', () => {
    let kept: Tensor | undefined;
    let other: Tensor | undefined;
    tidy(() => {
      scope(() => {
        kept = keep(ones([2]).mul(5));
        other = ones([2]);
      });
      assert.equal(kept!.isDisposed, false);
      assert.equal(other!.isDisposed, true);
    });
    assert.equal(kept!.isDisposed, false);
    assert.deepEqual(kept!.toArray(), [5, 5]);
    kept!.dispose();
    assert.equal(kept!.isDisposed, true);
  });

  test('a throwing scope frees everything it made and rethrows', () => {
    let made: Tensor | undefined;
    assert.throws(
      () =>
        scope(() => {
          made = ones([3]);
          ones([2]).matmul(ones([3, 3]));
        }),
      /matmul: mat1 and mat2 shapes cannot be multiplied/,
    );
    assert.equal(made!.isDisposed, true);
  });

  test('async scope: tensors made after an await belong to it; the result survives', async () => {
    const made: Tensor[] = [];
    const result = await scope(async () => {
      made.push(ones([2]));
      await sleep(1);
      made.push(ones([2]).mul(2));
      await Promise.resolve();
      const r = made[1].add(made[0]);
      return { r };
    });
    assert.equal(made[0].isDisposed, true);
    assert.equal(made[1].isDisposed, true);
    assert.equal(result.r.isDisposed, false);
    assert.deepEqual(result.r.toArray(), [3, 3]);
    result.r.dispose();
  });

  test('concurrent async scopes each free only their own tensors', async () => {
    const madeA: Tensor[] = [];
    const madeB: Tensor[] = [];
    const work = (made: Tensor[], delay: number) =>
      scope(async () => {
        for (let i = 0; i < 3; i++) {
          made.push(ones([1]).mul(i));
          await sleep(delay);
        }
        return made[2];
      });
    const [a, b] = await Promise.all([work(madeA, 2), work(madeB, 1)]);
    assert.deepEqual(
      madeA.map((t) => t.isDisposed),
      [true, true, false],
    );
    assert.deepEqual(
      madeB.map((t) => t.isDisposed),
      [true, true, false],
    );
    assert.equal(a, madeA[2]);
    assert.equal(b, madeB[2]);
    dispose([a, b]);
  });

  test('a rejected async scope frees its tensors', async () => {
    let made: Tensor | undefined;
    await assert.rejects(
      scope(async () => {
        made = ones([2]);
        await sleep(1);
        throw new Error('async failure');
      }),
      /async failure/,
    );
    assert.equal(made!.isDisposed, true);
  });

  test("gradients read inside a scope are freed with it, the parameter's own gradient stays", () => {
    const w = ones([2], { requiresGrad: true });
    scope(() => {
      w.mul(3).sum().backward();
      const g = w.grad!;
      assert.deepEqual(g.toArray(), [3, 3]);
    });
    assert.deepEqual(w.grad!.toArray(), [3, 3]);
    noGrad(() => w.dispose());
  });
});

describe('dispose', () => {
  test('frees tensors in nested arrays, Maps and objects, once each, and ignores other values', () => {
    const a = ones([1]);
    const b = ones([1]);
    const c = ones([1]);
    const d = ones([1]);
    const nested = {
      list: [a, [b, { c }]],
      map: new Map<string, unknown>([
        ['d', d],
        ['again', a],
      ]),
      x: 1,
      y: 'y',
      z: null,
      u: undefined,
    };
    dispose(nested);
    assert.deepEqual(
      [a, b, c, d].map((t) => t.isDisposed),
      [true, true, true, true],
    );
    dispose(nested); // disposing twice is harmless
    dispose(null);
    dispose(42);
    dispose([undefined, 'x']);
  });

  test('cyclic structures do not loop', () => {
    const t = ones([1]);
    const cyclic: { self?: unknown; t: Tensor } = { t };
    cyclic.self = cyclic;
    dispose(cyclic);
    assert.equal(t.isDisposed, true);
  });

  test('Symbol.dispose frees the tensor', () => {
    const t = ones([2]);
    t[Symbol.dispose]();
    assert.equal(t.isDisposed, true);
  });
});
