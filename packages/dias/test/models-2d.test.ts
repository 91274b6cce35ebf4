// The 2d baselines (frames as channels): equivalence with the official PyTorch outputs, other batch and image sizes,
// and input errors that name the model.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { noGrad, scope, rand } from '@dias-ts/torch';
import { createModel, findModel } from '../src/models/registry.js';
import { testMatchesOfficialOutput, throwsNaming } from './model-fixture.js';

// Per model: an image size that is a multiple of its sizeMultiple but not of the reference 64, and one that is not
// a multiple at all.
const MODELS: { name: string; size: [number, number]; badSize: [number, number] }[] = [
  { name: 'UNet', size: [32, 48], badSize: [40, 48] },
  { name: 'Att_UNet', size: [32, 48], badSize: [32, 40] },
  { name: 'CSNet', size: [32, 48], badSize: [24, 48] },
  { name: 'UNet_Nested', size: [32, 48], badSize: [32, 56] },
  { name: 'MAA_Net', size: [24, 40], badSize: [24, 36] },
  { name: 'Res_UNet', size: [24, 40], badSize: [20, 40] },
];

describe('2d models', () => {
  for (const { name, size, badSize } of MODELS) {
    testMatchesOfficialOutput(name);

    test(`${name}: other batch and image sizes, and input errors`, () => {
      const spec = findModel(name);
      assert.equal(spec.kind, '2d');
      assert.equal(spec.frames(spec.defaults), 8);
      const model = createModel(name).eval();
      try {
        scope(() =>
          noGrad(() => {
            const [h, w] = size;
            assert.equal(h % spec.sizeMultiple, 0);
            const y = model.forward(rand([2, 8, h, w]));
            assert.deepEqual(y.shape, [2, 2, h, w]);
            throwsNaming(() => model.forward(rand([1, 7, h, w])), name, /8 frames, got 7/);
            throwsNaming(
              () => model.forward(rand([1, 8, ...badSize])),
              name,
              new RegExp(`multiples of ${spec.sizeMultiple}`),
            );
            throwsNaming(() => model.forward(rand([1, 1, 8, h, w])), name, /4-D input/);
          }),
        );
      } finally {
        model.dispose();
      }
    });
  }

  test('constructor options: other channel and class counts, and bad values named', () => {
    scope(() =>
      noGrad(() => {
        const model = createModel('res-unet', { num_channels: 3, num_classes: 1, feature_scale: 4 }).eval();
        try {
          assert.deepEqual(model.forward(rand([1, 3, 16, 16])).shape, [1, 1, 16, 16]);
        } finally {
          model.dispose();
        }
      }),
    );
    throwsNaming(() => createModel('unet', { num_channels: 0 }), 'UNet', /num_channels/);
    throwsNaming(() => createModel('att-unet', { dropout: 2 }), 'Att_UNet', /dropout/);
    throwsNaming(() => createModel('maa-net', { feature_scale: 'two' }), 'MAA_Net', /feature_scale/);
  });

  test('UNet variants: bilinear upsampling; UNet++ without deep supervision', () => {
    scope(() =>
      noGrad(() => {
        for (const [name, options] of [
          ['UNet', { bilinear: true }],
          ['UNet_Nested', { is_ds: false, is_deconv: false }],
        ] as const) {
          const model = createModel(name, options).eval();
          try {
            assert.deepEqual(model.forward(rand([1, 8, 32, 32])).shape, [1, 2, 32, 32]);
          } finally {
            model.dispose();
          }
        }
      }),
    );
  });

  test("a training step: gradients reach the first layer (and not Res_UNet's unused deconv1)", () => {
    for (const { name, size } of MODELS) {
      const model = createModel(name).train();
      try {
        scope(() => {
          model
            .forward(rand([2, 8, ...size]))
            .square()
            .mean()
            .backward();
          const grads = new Map(model.namedParameters().map(([k, p]) => [k, p.grad]));
          const first = model.namedParameters()[0][0];
          assert.ok(grads.get(first), `${name}: no gradient for ${first}`);
          assert.ok(grads.get(first)!.abs().sum().item() > 0, `${name}: zero gradient for ${first}`);
          if (name === 'Res_UNet') {
            assert.equal(grads.get('deconv1.conv.0.weight'), null);
            // The official forward still runs deconv1 in training, so its batch norms count the batch.
            assert.equal(model.stateDict().get('deconv1.conv.1.num_batches_tracked')!.item(), 1);
          }
        });
      } finally {
        model.dispose();
      }
    }
  });

  test('MAA_Net rejects images too small for its deepest attention', () => {
    const model = createModel('MAA_Net').eval();
    try {
      throwsNaming(() => noGrad(() => model.forward(rand([1, 8, 8, 16]))), 'MAA_Net', /at least 16/);
    } finally {
      model.dispose();
    }
  });
});
