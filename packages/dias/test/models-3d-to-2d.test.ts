// The 3d->2d baselines (a sequence in, one 2-D map out): equivalence with the official PyTorch outputs, other
// batch, image and frame counts, and input errors that name the model.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { nn, noGrad, scope, rand, randn } from '@dias-ts/torch';
import { createModel, findModel } from '../src/models/registry.js';
import type { ModelOptions, SegmentationModel } from '../src/models/model-spec.js';
import { mapFrames } from '../src/models/blocks/frames.js';
import { testMatchesOfficialOutput, throwsNaming } from './model-fixture.js';

/** Builds a model with our defaults overridden by options (eval mode), runs body without gradients, and frees it. */
function withModel(name: string, body: (model: SegmentationModel) => void, options: ModelOptions = {}): void {
  const model = createModel(name, options).eval();
  try {
    scope(() => noGrad(() => body(model)));
  } finally {
    model.dispose();
  }
}

describe('3d->2d models', () => {
  for (const name of ['IPN', 'PSC', 'SVS_Net', 'QS_UNet', 'ST_UNet']) {
    testMatchesOfficialOutput(name);
  }

  test('IPN resamples any sequence to 32x64x64, so its output is always 64x64', () => {
    const spec = findModel('ipn');
    assert.equal(spec.name, 'IPN');
    assert.equal(spec.kind, '3d->2d');
    assert.equal(spec.frames(spec.defaults), 'any');
    assert.deepEqual(spec.fixedSize, [32, 64, 64]);
    withModel('IPN', (model) => {
      assert.deepEqual(model.forward(rand([2, 1, 5, 40, 48])).shape, [2, 2, 64, 64]);
      throwsNaming(() => model.forward(rand([1, 8, 64, 64])), 'IPN', /5-D input/);
      // The official first layer takes one channel whatever num_channels says.
      throwsNaming(() => model.forward(rand([1, 2, 8, 64, 64])), 'IPN', /1 input channel/);
    });
  });

  // Models tied to 8 frames: another batch and image size, then a wrong frame count and a size off the multiple.
  for (const { name, size, badSize } of [
    { name: 'PSC', size: [32, 40], badSize: [32, 36] },
    { name: 'SVS_Net', size: [64, 128], badSize: [96, 64] },
  ]) {
    test(`${name}: 8 frames, other batch and image sizes, and input errors`, () => {
      const spec = findModel(name);
      assert.equal(spec.kind, '3d->2d');
      assert.equal(spec.frames(spec.defaults), 8);
      withModel(name, (model) => {
        const [h, w] = size;
        assert.deepEqual(model.forward(rand([2, 1, 8, h, w])).shape, [2, 2, h, w]);
        throwsNaming(() => model.forward(rand([1, 1, 6, h, w])), name, /8 frames, got 6/);
        throwsNaming(
          () => model.forward(rand([1, 1, 8, ...badSize])),
          name,
          new RegExp(`multiples of ${spec.sizeMultiple}`),
        );
        throwsNaming(() => model.forward(rand([1, 2, 8, h, w])), name, /1 input channel/);
      });
    });
  }

  // The recurrent models take any number of frames.
  for (const name of ['QS_UNet', 'ST_UNet']) {
    test(`${name}: 4 and 6 frames, other batch and image sizes, and input errors`, () => {
      const spec = findModel(name);
      assert.equal(spec.frames(spec.defaults), 'any');
      assert.equal(spec.sizeMultiple, 16);
      withModel(name, (model) => {
        assert.deepEqual(model.forward(rand([2, 1, 4, 32, 48])).shape, [2, 2, 32, 48]);
        assert.deepEqual(model.forward(rand([1, 1, 6, 48, 32])).shape, [1, 2, 48, 32]);
        throwsNaming(() => model.forward(rand([1, 1, 4, 40, 48])), name, /multiples of 16, got 40x48/);
        throwsNaming(() => model.forward(rand([1, 8, 32, 32])), name, /5-D input/);
      });
    });
  }

  test('ST_UNet names the smallest size its deepest instance norm accepts', () => {
    withModel('ST_UNet', (model) => {
      throwsNaming(() => model.forward(rand([1, 1, 2, 16, 16])), 'ST_UNet', /more than one pixel/);
      assert.deepEqual(model.forward(rand([1, 1, 2, 16, 32])).shape, [1, 2, 16, 32]);
    });
  });

  test('PSC in training mode still runs the unused last decoder block (its batch-norm statistics move)', () => {
    const model = createModel('psc', { feature_scale: 8 });
    try {
      scope(() => {
        const deconv1 = model.stateDict().get('deconv1.conv.1.running_mean')!;
        const before = deconv1.clone();
        const y = model.forward(randn([2, 1, 8, 16, 16]));
        assert.deepEqual(y.shape, [2, 2, 16, 16]);
        y.sum().backward();
        assert.ok(!deconv1.equal(before), 'deconv1 running mean should change in training mode');
      });
    } finally {
      model.dispose();
    }
  });

  test('QS_UNet in training mode (frame-by-frame batch norm) gives gradients', () => {
    const model = createModel('qs-unet', { dp: 0 });
    try {
      scope(() => {
        const y = model.forward(randn([2, 1, 3, 16, 16]));
        assert.deepEqual(y.shape, [2, 2, 16, 16]);
        y.sum().backward();
        const grad = model.stateDict().get('en5.convgru_backward.update_gate.weight')!.grad;
        assert.ok(grad && grad.abs().sum().item() > 0, 'the deepest GRU should get a gradient');
      });
    } finally {
      model.dispose();
    }
  });

  test('mapFrames: all frames in one batch equals the frame-by-frame loop', () => {
    const layer = new nn.Conv2d(3, 4, 3, { padding: 1 });
    try {
      scope(() =>
        noGrad(() => {
          const x = randn([2, 3, 5, 8, 8]);
          for (const outDim of [1, 2] as const) {
            const loop = mapFrames(x, 2, (f) => layer.forward(f), false, outDim);
            const together = mapFrames(x, 2, (f) => layer.forward(f), true, outDim);
            assert.deepEqual(together.shape, loop.shape);
            assert.ok(together.allclose(loop, 1e-5, 1e-6));
          }
          const t = x.transpose(1, 2);
          assert.ok(
            mapFrames(t, 1, (f) => layer.forward(f), true).allclose(
              mapFrames(t, 1, (f) => layer.forward(f), false),
              1e-5,
              1e-6,
            ),
          );
        }),
      );
    } finally {
      layer.dispose();
    }
  });

  test('constructor options are checked and named', () => {
    throwsNaming(() => createModel('ipn', { feature_scale: 0 }), 'IPN', /feature_scale/);
    throwsNaming(() => createModel('psc', { num_classes: 'two' }), 'PSC', /num_classes/);
    throwsNaming(() => createModel('svs-net', { num_channels: -1 }), 'SVS_Net', /num_channels/);
    throwsNaming(() => createModel('qs-unet', { dp: 1.5 }), 'QS_UNet', /dp/);
    throwsNaming(() => createModel('st-unet', { dp: -1 }), 'ST_UNet', /dp/);
  });
});
