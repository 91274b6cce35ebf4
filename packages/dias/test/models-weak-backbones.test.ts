// The weak-supervision backbones UNet_CCT (DMPLS) and UNet_DP (SSCR): equivalence with the official PyTorch
// outputs, state-dict names and shapes as the official ones, output shapes, UNet_CCT's auxiliary decoder (one
// encoder pass, gradients into the encoder, random as released) and UNet_DP's dropout.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { manualSeed, noGrad, rand, scope, type Tensor } from '@dias-ts/torch';
import { createModel, createOfficialModel, findModel } from '../src/models/registry.js';
import type { ReferenceModel } from '../src/models/verify.js';
import { UNet_CCT } from '../src/models/unet-cct.js';
import { REFERENCE, testMatchesOfficialOutput, throwsNaming } from './model-fixture.js';

function maxAbsDiff(a: Tensor, b: Tensor): number {
  return scope(() => a.sub(b).abs().max().item());
}

function gradSum(model: { namedParameters(): [string, Tensor][] }, name: string): number | null {
  const p = model.namedParameters().find(([k]) => k === name);
  assert.ok(p, `no parameter ${name}`);
  return p[1].grad ? scope(() => p[1].grad!.abs().sum().item()) : null;
}

describe('weak-supervision backbones', () => {
  for (const name of ['UNet_CCT', 'UNet_DP']) {
    testMatchesOfficialOutput(name);

    const json = join(REFERENCE, `${name}.json`);
    test(
      `${name}: state-dict names, order and shapes as the official model`,
      { skip: !existsSync(json) && 'no shared reference' },
      () => {
        const ref = JSON.parse(readFileSync(json, 'utf8')) as ReferenceModel;
        const model = createOfficialModel(name, ref.constructor);
        try {
          const ours = [...model.stateDict()].map(([k, t]) => ({ name: k, shape: t.shape }));
          assert.deepEqual(
            ours,
            ref.state_dict.map((e) => ({ name: e.name, shape: e.shape })),
          );
          assert.equal(model.parameterCount(), ref.parameters);
        } finally {
          model.dispose();
        }
      },
    );
  }

  test('names, aliases and defaults', () => {
    for (const alias of ['UNet_CCT', 'unet-cct', 'UNet-CCT', 'unetcct'])
      assert.equal(findModel(alias).name, 'UNet_CCT');
    for (const alias of ['UNet_DP', 'unet-dp', 'unetdp']) assert.equal(findModel(alias).name, 'UNet_DP');
    const cct = findModel('UNet_CCT');
    const dp = findModel('UNet_DP');
    for (const spec of [cct, dp]) {
      assert.equal(spec.kind, '2d');
      assert.equal(spec.frames(spec.defaults), 8);
      assert.equal(spec.sizeMultiple, 16);
    }
    // As the official weak-supervision builder makes them.
    assert.equal(cct.defaults.num_classes, 2);
    assert.equal(dp.defaults.num_classes, 3);
    assert.deepEqual(dp.officialDefaults, { dropout_p: 0.2, bilinear: false });
    throwsNaming(() => createModel('unet-cct', { num_classes: 0 }), 'UNet_CCT', /num_classes/);
    throwsNaming(() => createModel('unet-dp', { dropout_p: 1.5 }), 'UNet_DP', /dropout_p/);
  });

  test('output shapes for other batch and image sizes, and input errors', () => {
    for (const [name, classes] of [
      ['UNet_CCT', 2],
      ['UNet_DP', 3],
    ] as const) {
      const model = createModel(name).eval();
      try {
        scope(() =>
          noGrad(() => {
            assert.deepEqual(model.forward(rand([2, 8, 32, 48])).shape, [2, classes, 32, 48]);
            throwsNaming(() => model.forward(rand([1, 7, 32, 32])), name, /8 frames, got 7/);
            throwsNaming(() => model.forward(rand([1, 8, 32, 40])), name, /multiples of 16/);
            throwsNaming(() => model.forward(rand([1, 1, 8, 32, 32])), name, /4-D input/);
          }),
        );
      } finally {
        model.dispose();
      }
    }
  });

  test('UNet_CCT.forwardWithAuxiliary: main and auxiliary logits from one encoder pass, gradients into the encoder', () => {
    const model = createModel('UNet_CCT', { num_classes: 3 }) as UNet_CCT;
    try {
      scope(() => {
        model.train();
        const [main, aux] = model.forwardWithAuxiliary(rand([2, 8, 32, 32]));
        assert.deepEqual(main.shape, [2, 3, 32, 32]);
        assert.deepEqual(aux.shape, [2, 3, 32, 32]);
        // The auxiliary branch alone reaches the encoder, and only its own decoder.
        aux.square().mean().backward(undefined, { retainGraph: true });
        assert.ok(gradSum(model, 'encoder.in_conv.conv_conv.0.weight')! > 0);
        assert.ok(gradSum(model, 'aux_decoder1.out_conv.weight')! > 0);
        assert.equal(gradSum(model, 'main_decoder.out_conv.weight'), null);
        main.square().mean().backward();
        assert.ok(gradSum(model, 'main_decoder.out_conv.weight')! > 0);
      });
    } finally {
      model.dispose();
    }
  });

  test("UNet_CCT in eval mode: the main output is forward's; the auxiliary one is random, from the global generator", () => {
    const model = createModel('UNet_CCT').eval() as UNet_CCT;
    try {
      scope(() =>
        noGrad(() => {
          const x = rand([1, 8, 32, 32]);
          manualSeed(7);
          const [main1, aux1] = model.forwardWithAuxiliary(x);
          const [main2, aux2] = model.forwardWithAuxiliary(x);
          manualSeed(7);
          const [, aux1Again] = model.forwardWithAuxiliary(x);
          assert.equal(maxAbsDiff(main1, model.forward(x)), 0);
          assert.equal(maxAbsDiff(main1, main2), 0);
          assert.ok(maxAbsDiff(aux1, aux2) > 0, 'the auxiliary output should differ between calls, as released');
          assert.equal(maxAbsDiff(aux1, aux1Again), 0);
        }),
      );
    } finally {
      model.dispose();
    }
  });

  test('UNet_DP: dropout only in training; the bilinear variant; a training step reaches the first layer', () => {
    const model = createModel('UNet_DP');
    try {
      scope(() => {
        const x = rand([2, 8, 16, 16]);
        noGrad(() => {
          model.eval();
          assert.equal(maxAbsDiff(model.forward(x), model.forward(x)), 0);
        });
        model.train();
        const a = model.forward(x);
        const b = model.forward(x);
        assert.ok(maxAbsDiff(a, b) > 0, 'dropout should make two training forwards differ');
        a.square().mean().backward();
        assert.ok(gradSum(model, 'inc.double_conv.0.weight')! > 0);
      });
    } finally {
      model.dispose();
    }
    const bilinear = createModel('UNet_DP', { bilinear: true, num_classes: 2 }).eval();
    try {
      scope(() => noGrad(() => assert.deepEqual(bilinear.forward(rand([1, 8, 32, 32])).shape, [1, 2, 32, 32])));
    } finally {
      bilinear.dispose();
    }
  });
});
