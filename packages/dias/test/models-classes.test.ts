// Every model of the zoo takes num_classes (issue 20: 3 for background, artery and vein), as the official
// constructors do: its logits have that many channels at the input's size. And VSS-Net, the sequence model, takes
// a complete run's frame count (20-60) with the same weights as 8 frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noGrad, rand, scope } from '@dias-ts/torch';
import { allModels, createModel } from '../src/models/registry.js';

test('every model builds with num_classes 3 and gives 3 channels', () => {
  for (const spec of allModels()) {
    scope(() => {
      // The narrowest width the model offers keeps this quick; the width does not change the output layout.
      const narrow = 'feature_scale' in spec.defaults ? { feature_scale: 8 } : {};
      const model = createModel(spec.name, { ...narrow, num_classes: 3 });
      model.eval();
      const frames = spec.frames({ ...spec.defaults, ...narrow });
      const T = frames === 'any' ? 8 : frames;
      const side = spec.fixedSize ? spec.fixedSize[spec.fixedSize.length - 1] : Math.max(32, spec.sizeMultiple);
      const input = spec.kind === '2d' ? rand([1, T, side, side]) : rand([1, 1, T, side, side]);
      const shape = noGrad(() => model.forward(input).shape);
      assert.deepEqual(shape, [1, 3, side, side], `${spec.name}: logits [1, 3, ${side}, ${side}]`);
      model.dispose();
    });
  }
});

test('VSS_Net with 3 classes takes a complete run of any length with the same weights', () => {
  scope(() => {
    const model = createModel('VSS_Net', { feature_scale: 16, num_classes: 3 });
    model.eval();
    noGrad(() => {
      for (const T of [8, 24, 37]) assert.deepEqual(model.forward(rand([1, 1, T, 32, 32])).shape, [1, 3, 32, 32]);
      // The frames are read in order (bidirectional ConvGRUs): reversing them changes the logits.
      const x = rand([1, 1, 8, 32, 32]);
      const a = model.forward(x);
      const b = model.forward(x.flip([2]));
      assert.ok(!a.equal(b), 'the frame order matters');
    });
    model.dispose();
  });
});
