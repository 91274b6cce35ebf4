// VSS-Net and FR-UNet: equivalence with the official PyTorch outputs, shapes for other batches, sizes and frame
// counts, input errors that name the model, the fast ConvGRU path against the official step, and a training step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { F, cat, manualSeed, noGrad, rand, randint, scope, stack, tensor, zeros, type Tensor } from '@dias-ts/torch';
import { createModel, createOfficialModel, findModel } from '../src/models/registry.js';
import { verifyReferenceModel } from '../src/models/verify.js';
import { BiConvGRU, BiConvGRUCell, Seq_conv, Sequence_down, VSS_Net } from '../src/models/vss-net.js';
import { FR_UNet } from '../src/models/fr-unet.js';
import { sharedPath } from '../../../test-support/shared-data.js';

const REFERENCE = sharedPath('reference/models');
const small = { feature_scale: 8 };

function maxAbsDiff(a: Tensor, b: Tensor): number {
  return scope(() => a.sub(b).abs().max().item());
}

for (const name of ['VSS_Net', 'VSS_Net_all', 'FR_UNet']) {
  test(
    `${name} matches the official output`,
    { skip: !existsSync(`${REFERENCE}/${name}.json`) && 'no reference data' },
    () => {
      const r = verifyReferenceModel(REFERENCE, name);
      assert.equal(r.problem, undefined);
      assert.ok(r.relativeError <= 1e-4, `relative error ${r.relativeError}`);
      assert.ok(r.passed);
    },
  );
}

test('names, aliases and defaults', () => {
  for (const alias of ['VSS_Net', 'vss-net', 'vssnet', 'VSS-Net']) assert.equal(findModel(alias).name, 'VSS_Net');
  for (const alias of ['VSS_Net_all', 'vss-net-all', 'vssnet_all']) assert.equal(findModel(alias).name, 'VSS_Net_all');
  for (const alias of ['FR_UNet', 'fr-unet', 'frunet']) assert.equal(findModel(alias).name, 'FR_UNet');
  assert.equal(findModel('VSS_Net').defaults.input_reduce, null);
  assert.deepEqual(findModel('VSS_Net').officialDefaults.input_reduce, [0, 7]);
  assert.equal(findModel('VSS_Net_all').officialDefaults.input_reduce, null);
  assert.equal(findModel('VSS_Net').frames({}), 'any');
  assert.equal(findModel('FR_UNet').frames(findModel('FR_UNet').defaults), 8);
  scope(() => {
    const ours = createModel('VSS_Net', small) as VSS_Net;
    const official = createOfficialModel('VSS_Net', small) as VSS_Net;
    assert.equal(ours.input_reduce, null);
    assert.deepEqual(official.input_reduce, [0, 7]);
    assert.deepEqual([...ours.stateDict().keys()], [...official.stateDict().keys()]);
    ours.dispose();
    official.dispose();
  });
});

test('VSS_Net takes any number of frames, batch and size', () => {
  scope(() => {
    const model = createModel('VSS_Net', small);
    model.eval();
    noGrad(() => {
      assert.deepEqual(model.forward(rand([2, 1, 4, 32, 48])).shape, [2, 2, 32, 48]);
      assert.deepEqual(model.forward(rand([1, 1, 6, 16, 16])).shape, [1, 2, 16, 16]);
      assert.deepEqual(model.forward(rand([1, 1, 1, 24, 16])).shape, [1, 2, 24, 16]);
    });
    model.dispose();
  });
});

test('VSS_Net input_reduce: frame lists, negative indices, mean and min', () => {
  scope(() => {
    manualSeed(1);
    const x = rand([2, 1, 6, 32, 32]);
    const build = (input_reduce: unknown) => {
      manualSeed(7);
      const m = createModel('VSS_Net', { ...small, num_classes: 3, input_reduce });
      m.eval();
      return m;
    };
    noGrad(() => {
      const picked = build([0, 3, 5]).forward(x);
      assert.deepEqual(picked.shape, [2, 3, 32, 32]);
      // The same weights fed the same three frames directly.
      const direct = build(null).forward(x.indexSelect(2, tensor([0, 3, 5], { dtype: 'int64' })));
      assert.ok(maxAbsDiff(picked, direct) < 1e-5);
      const negative = build([0, -1]).forward(x);
      const positive = build([0, 5]).forward(x);
      assert.ok(maxAbsDiff(negative, positive) === 0);
      assert.deepEqual(build('mean').forward(x).shape, [2, 3, 32, 32]);
      assert.deepEqual(build('min').forward(x).shape, [2, 3, 32, 32]);
    });
  });
});

test('VSS_Net input errors name the model', () => {
  scope(() => {
    const official = createOfficialModel('VSS_Net', small);
    official.eval();
    noGrad(() => {
      assert.throws(
        () => official.forward(rand([1, 1, 4, 32, 32])),
        /VSS_Net.*frame index 7 is out of range.*4 frames/,
      );
      const listed = createModel('VSS_Net', { ...small, input_reduce: [0, 3, 5] });
      assert.throws(() => listed.forward(rand([1, 1, 5, 32, 32])), /VSS_Net.*index 5 is out of range/);
      const model = createModel('VSS_Net', small);
      assert.throws(() => model.forward(rand([1, 1, 4, 36, 32])), /VSS_Net.*multiples of 8.*36x32/);
      assert.throws(() => model.forward(rand([1, 4, 32, 32])), /VSS_Net takes a 5-D input/);
      assert.throws(() => model.forward(rand([1, 2, 4, 32, 32])), /VSS_Net.*1 input channel/);
      assert.throws(() => model.forward(rand([1, 1, 4, 8, 8])), /VSS_Net.*at least 16/);
    });
    assert.throws(() => createModel('VSS_Net', { input_reduce: 'max' }), /VSS_Net.*input_reduce/);
    assert.throws(() => createModel('VSS_Net', { input_reduce: [] }), /VSS_Net.*input_reduce/);
  });
});

test('FR_UNet shapes, input_reduce and input errors', () => {
  scope(() => {
    const model = createModel('FR_UNet', small);
    model.eval();
    noGrad(() => {
      assert.deepEqual(model.forward(rand([3, 8, 24, 40])).shape, [3, 2, 24, 40]);
      assert.throws(() => model.forward(rand([1, 6, 32, 32])), /FR_UNet is built for 8 frames, got 6/);
      assert.throws(() => model.forward(rand([1, 8, 30, 32])), /FR_UNet.*multiples of 8/);
      const listed = createModel('FR_UNet', { ...small, input_reduce: [0, 2, 4] });
      assert.deepEqual(listed.forward(rand([1, 5, 16, 16])).shape, [1, 2, 16, 16]);
      assert.throws(() => listed.forward(rand([1, 4, 16, 16])), /FR_UNet.*frame index 4 is out of range/);
      const mean = createModel('FR_UNet', { ...small, input_reduce: 'mean' });
      assert.deepEqual(mean.forward(rand([1, 7, 16, 16])).shape, [1, 2, 16, 16]);
    });
    assert.equal((createOfficialModel('FR_UNet', { input_reduce: [1, 2], ...small }) as FR_UNet).num_channels, 2);
  });
});

/** BiConvGRUCell.forward as the official code writes it: three separate gates over concatenations. */
function officialStep(cell: BiConvGRUCell, x: Tensor, hidden: Tensor): Tensor {
  const inputs = cat([x, hidden], 1);
  const reset = cell.reset_gate.forward(inputs).sigmoid();
  const update = cell.update_gate.forward(inputs).sigmoid();
  const candidate = cell.output_gate.forward(cat([x, reset.mul(hidden)], 1)).tanh();
  return update.rsub(1).mul(candidate).add(update.mul(hidden));
}

// The second case is large enough that the CPU path runs frames in chunks of 2 and 4, with a remainder.
for (const [channels, size] of [
  [4, 16],
  [8, 128],
]) {
  test(`BiConvGRU equals the official frame-by-frame ConvGRU loop (${channels} channels, ${size}x${size})`, () => {
    scope(() => {
      manualSeed(3);
      const out = 2 * channels;
      const gru = new BiConvGRU(channels, out, true, 0.2, false);
      gru.eval();
      const s = rand([size === 16 ? 2 : 1, 5, 1, size, size]);
      const x = rand([s.size(0), 5, channels, size, size]);
      noGrad(() => {
        const [seq, last] = gru.forward(x, s);
        // The official forward, written out as in the Python.
        const down = stack(
          Array.from({ length: 5 }, (_, i) =>
            gru.down!.down.forward(
              cat(
                [F.interpolate(s, { size: [channels, size, size], mode: 'trilinear', alignCorners: false }), x],
                2,
              ).select(1, i),
            ),
          ),
          1,
        );
        const t = down.size(1);
        const forward: Tensor[] = [];
        let h = down.select(1, 0);
        for (let i = 0; i < t; i++) forward.push((h = officialStep(gru.convgru_forward, down.select(1, i), h)));
        const backward: Tensor[] = [];
        h = down.select(1, t - 1);
        for (let i = 0; i < t; i++)
          backward.push((h = officialStep(gru.convgru_backward, down.select(1, t - 1 - i), h)));
        backward.reverse();
        const expected = stack(
          forward.map((f, i) => gru.bidirection_conv.forward(cat([f, backward[i]], 1)).tanh()),
          1,
        );
        assert.deepEqual(seq.shape, [s.size(0), 5, out, size / 2, size / 2]);
        assert.ok(maxAbsDiff(seq, expected) < 1e-5);
        assert.ok(maxAbsDiff(last, expected.max(1).values) < 1e-5);
      });
    });
  });
}

test('BiConvGRUCell: a null hidden state starts from zeros', () => {
  scope(() => {
    const cell = new BiConvGRUCell(3, 5, 3);
    const x = rand([2, 3, 8, 8]);
    noGrad(() => assert.ok(maxAbsDiff(cell.forward(x, null), cell.forward(x, zeros([2, 5, 8, 8]))) === 0));
  });
});

test('per-frame modules batch frames only where that gives the same result', () => {
  scope(() => {
    manualSeed(5);
    // 1 MB per frame: on the CPU the frames go two at a time, then the fifth alone.
    const x = rand([1, 3, 5, 128, 128]);
    for (const is_BN of [false, true]) {
      const stem = new Seq_conv(3, 16, 0, is_BN);
      const down = new Sequence_down(16, 12, 0, is_BN);
      const perFrame = (m: Seq_conv, input: Tensor) =>
        stack(
          Array.from({ length: 5 }, (_, i) => m.SeqConv.forward(input.select(2, i))),
          1,
        );
      for (const training of [false, true]) {
        stem.train(training);
        down.train(training);
        noGrad(() => {
          // Batch norm in training mode updates its running statistics: compare from the same state.
          const y = stem.forward(x);
          const expected = perFrame(stem, x);
          assert.ok(maxAbsDiff(y, expected) < 1e-5, `Seq_conv is_BN=${is_BN} training=${training}`);
          const z = down.forward(y);
          const expectedDown = stack(
            Array.from({ length: 5 }, (_, i) => down.down.forward(y.select(1, i))),
            1,
          );
          assert.deepEqual(z.shape, [1, 5, 12, 64, 64]);
          assert.ok(maxAbsDiff(z, expectedDown) < 1e-5, `Sequence_down is_BN=${is_BN} training=${training}`);
        });
      }
    }
  });
});

/** Parameters the official forward never uses: the extra fuse head, and blocks' fuse where in_c == out_c. */
function unusedParameter(name: string, unusedBlocks: string[]): boolean {
  return name.startsWith('fuse.') || unusedBlocks.some((b) => name.startsWith(`${b}.fuse.`));
}

for (const [name, input, unusedBlocks] of [
  ['VSS_Net', [2, 1, 4, 32, 32], ['block1_2', 'block2_2', 'block3_1', 'block40']],
  ['FR_UNet', [2, 8, 32, 32], ['block1_2', 'block2_2', 'block3_1', 'block40']],
] as const) {
  test(`${name} training step: finite gradients on every used parameter`, () => {
    scope(() => {
      manualSeed(11);
      const model = createModel(name, { feature_scale: 4 });
      model.train();
      const x = rand([...input]);
      const target = randint(0, 2, [input[0], 32, 32]);
      const loss = F.crossEntropy(model.forward(x), target);
      assert.ok(Number.isFinite(loss.item()));
      loss.backward();
      let checked = 0;
      for (const [key, p] of model.namedParameters()) {
        const grad = p.grad;
        if (unusedParameter(key, [...unusedBlocks])) {
          assert.equal(grad, null, `${key} is unused, as in the official model`);
          continue;
        }
        assert.ok(grad, `${key} has no gradient`);
        assert.ok(grad.isfinite().all().item(), `${key} has a non-finite gradient`);
        assert.ok(grad.abs().sum().item() > 0, `${key} has an all-zero gradient`);
        checked++;
      }
      assert.ok(checked > 100);
      model.dispose();
    });
  });
}
