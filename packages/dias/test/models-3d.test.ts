// The 3D baselines with the dimensionality-reduction head: equivalence with the official PyTorch outputs, other
// batch and image sizes, input errors that name the model, and the official options that cannot work.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { noGrad, scope, rand } from '@dias-ts/torch';
import { createModel, findModel } from '../src/models/registry.js';
import { testMatchesOfficialOutput, throwsNaming } from './model-fixture.js';

// Per model: an image size that is a multiple of its sizeMultiple but not of the reference 64, and one that is not
// a multiple at all.
const MODELS: { name: string; alias: string; size: [number, number]; badSize: [number, number] }[] = [
  { name: 'UNet_3D', alias: 'unet-3d', size: [16, 48], badSize: [40, 48] },
  { name: 'FR_UNet_3D', alias: 'fr-unet-3d', size: [24, 40], badSize: [24, 36] },
  { name: 'CSNet_3D', alias: 'csnet-3d', size: [32, 16], badSize: [24, 32] },
  { name: 'Att_UNet_3D', alias: 'att-unet-3d', size: [32, 48], badSize: [32, 40] },
  { name: 'Res_UNet_3D', alias: 'res-unet-3d', size: [24, 8], badSize: [20, 40] },
  { name: 'UNet_Nested_3D', alias: 'unet-nested-3d', size: [16, 32], badSize: [32, 56] },
];

describe('3d models', () => {
  for (const { name, alias, size, badSize } of MODELS) {
    testMatchesOfficialOutput(name);

    test(`${name}: other batch and image sizes, and input errors`, () => {
      const spec = findModel(alias);
      assert.equal(spec.name, name);
      assert.equal(spec.kind, '3d');
      assert.equal(spec.frames(spec.defaults), 8);
      const model = createModel(name).eval();
      try {
        scope(() =>
          noGrad(() => {
            const [h, w] = size;
            assert.equal(h % spec.sizeMultiple, 0);
            assert.equal(w % spec.sizeMultiple, 0);
            const y = model.forward(rand([2, 1, 8, h, w]));
            assert.deepEqual(y.shape, [2, 2, h, w]);
            throwsNaming(() => model.forward(rand([1, 1, 16, h, w])), name, /8 frames, got 16/);
            throwsNaming(() => model.forward(rand([1, 1, 4, h, w])), name, /8 frames, got 4/);
            throwsNaming(
              () => model.forward(rand([1, 1, 8, ...badSize])),
              name,
              new RegExp(`multiples of ${spec.sizeMultiple}`),
            );
            throwsNaming(() => model.forward(rand([1, 8, h, w])), name, /5-D input/);
            throwsNaming(() => model.forward(rand([1, 3, 8, h, w])), name, /1 input channel/);
          }),
        );
      } finally {
        model.dispose();
      }
    });
  }

  test('the sizeMultiple of each model is the smallest size it takes', () => {
    for (const { name } of MODELS) {
      const spec = findModel(name);
      const model = createModel(name, { num_classes: 3 }).eval();
      try {
        scope(() =>
          noGrad(() => {
            const m = spec.sizeMultiple;
            assert.deepEqual(model.forward(rand([1, 1, 8, m, m])).shape, [1, 3, m, m], name);
          }),
        );
      } finally {
        model.dispose();
      }
    }
  });

  test('Att_UNet_3D variants: trilinear upsampling and the other gate modes', () => {
    for (const options of [
      { is_deconv: false },
      { nonlocal_mode: 'concatenation_debug' },
      { nonlocal_mode: 'concatenation_residual', attention_dsample: 1 },
      { is_batchnorm: false, feature_scale: 4 },
    ]) {
      const model = createModel('Att_UNet_3D', options).eval();
      try {
        scope(() =>
          noGrad(() => {
            assert.deepEqual(model.forward(rand([1, 1, 8, 16, 32])).shape, [1, 2, 16, 32], JSON.stringify(options));
          }),
        );
      } finally {
        model.dispose();
      }
    }
    assert.throws(() => createModel('Att_UNet_3D', { nonlocal_mode: 'dot' }), /Att_UNet_3D.*nonlocal_mode/);
  });

  test('other official options: single heads, no batchnorm', () => {
    for (const [name, options] of [
      ['FR_UNet_3D', { out_ave: false, feature_scale: 8 }],
      ['UNet_Nested_3D', { is_ds: false, is_batchnorm: false, feature_scale: 4 }],
    ] as const) {
      const model = createModel(name, options).eval();
      try {
        scope(() =>
          noGrad(() => {
            assert.deepEqual(model.forward(rand([1, 1, 8, 16, 16])).shape, [1, 2, 16, 16], name);
          }),
        );
      } finally {
        model.dispose();
      }
    }
  });

  test('official options that cannot run fail with a clear error', () => {
    assert.throws(() => createModel('UNet_3D', { bilinear: true }), /UNet_3D: bilinear/);
    assert.throws(() => createModel('UNet_Nested_3D', { is_deconv: false }), /UNet_Nested_3D: is_deconv/);
    const model = createModel('FR_UNet_3D', { fuse: false, feature_scale: 8 });
    try {
      assert.throws(() => scope(() => noGrad(() => model.forward(rand([1, 1, 8, 8, 8])))), /FR_UNet_3D: fuse=false/);
    } finally {
      model.dispose();
    }
  });

  test('a training step runs (dropout, batch statistics) and reaches every used parameter', () => {
    const model = createModel('Res_UNet_3D', { feature_scale: 8, dropout: 0.2 }).train();
    try {
      scope(() => {
        const y = model.forward(rand([2, 1, 8, 16, 16]));
        assert.deepEqual(y.shape, [2, 2, 16, 16]);
        y.square().mean().backward();
        for (const [key, p] of model.namedParameters()) assert.ok(p.grad, `${key} has no gradient`);
      });
    } finally {
      model.dispose();
    }
  });
});
