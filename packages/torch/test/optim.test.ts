// Optimizers, gradient clipping and learning-rate schedules against values worked out by hand in float64.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, Tensor, fromBytes, optim, randn, scope, tensor, zeros } from '../src/index.js';

const {
  SGD,
  Adam,
  AdamW,
  weightDecayGroups,
  clipGradNorm_,
  clipGradValue_,
  CosineLRScheduler,
  StepLRScheduler,
  PolyLRScheduler,
} = optim;

function param(values: number[], shape?: number[]): Tensor {
  return tensor(values, { dtype: 'float64', shape, requiresGrad: true });
}

function setGrad(p: Tensor, values: number[]): void {
  p.grad = tensor(values, { dtype: p.dtype, shape: p.shape });
}

function close(actual: number | number[], expected: number | number[], tol = 1e-12, what = ''): void {
  const a = typeof actual === 'number' ? [actual] : actual;
  const e = typeof expected === 'number' ? [expected] : expected;
  assert.equal(a.length, e.length, `${what}: length`);
  a.forEach((x, i) => {
    const bound = tol * Math.max(1, Math.abs(e[i]));
    assert.ok(Math.abs(x - e[i]) <= bound, `${what}[${i}]: got ${x}, expected ${e[i]} (±${bound})`);
  });
}

function gradValues(p: Tensor): number[] | null {
  return scope(() => p.grad?.toArray() ?? null);
}

// ------------------------------------------------------------------------------------------------ Adam / AdamW
describe('AdamW', () => {
  test('two steps match the update worked out by hand', () => {
    const p = param([1.0, -2.0]);
    const lr = 0.1,
      b1 = 0.9,
      b2 = 0.999,
      eps = 1e-8,
      wd = 0.01;
    const opt = new AdamW([p], { lr, betas: [b1, b2], eps, weightDecay: wd });
    assert.equal(opt.paramGroups[0].weightDecay, 0.01);

    const g1 = [0.5, -1.5],
      g2 = [-0.25, 2.0];
    // by hand, element by element
    const expected = [1.0, -2.0].map((p0, j) => {
      let x = p0,
        m = 0,
        v = 0;
      for (const [t, g] of [
        [1, g1[j]],
        [2, g2[j]],
      ]) {
        x = x * (1 - lr * wd);
        m = m + (1 - b1) * (g - m);
        v = v * b2 + (1 - b2) * g * g;
        const bc1 = 1 - b1 ** t,
          bc2 = 1 - b2 ** t;
        x = x - (lr / bc1) * (m / (Math.sqrt(v) / Math.sqrt(bc2) + eps));
      }
      return x;
    });
    // first step by hand: m = 0.1 g, v = 0.001 g², m̂ = g, v̂ = g², so the step is lr * sign(g) (up to eps)
    setGrad(p, g1);
    opt.step();
    close(
      p.toArray(),
      [1.0 * 0.999 - 0.1 * (0.5 / (0.5 + 1e-8)), -2.0 * 0.999 + 0.1 * (1.5 / (1.5 + 1e-8))],
      1e-12,
      'step 1',
    );
    setGrad(p, g2);
    opt.step();
    close(p.toArray(), expected, 1e-12, 'step 2');

    const s = opt.stateOf(p)!;
    assert.equal(s.step, 2);
    close(
      (s.exp_avg as Tensor).toArray(),
      g1.map((g, j) => 0.9 * 0.1 * g + 0.1 * g2[j]),
      1e-12,
      'exp_avg',
    );
    close(
      (s.exp_avg_sq as Tensor).toArray(),
      g1.map((g, j) => 0.999 * 0.001 * g * g + 0.001 * g2[j] * g2[j]),
      1e-12,
      'exp_avg_sq',
    );
    opt.dispose();
  });

  test("default weight decay is 0.01, Adam's 0", () => {
    const p = param([1]);
    assert.equal(new AdamW([p]).paramGroups[0].weightDecay, 0.01);
    assert.equal(new Adam([p]).paramGroups[0].weightDecay, 0);
    assert.deepEqual(new Adam([p]).paramGroups[0].betas, [0.9, 0.999]);
    assert.equal(new Adam([p]).paramGroups[0].lr, 1e-3);
  });
});

describe('Adam', () => {
  test('weight decay is an L2 term added to the gradient (two steps by hand)', () => {
    const p = param([0.5, -1.0, 2.0]);
    const lr = 0.01,
      b1 = 0.8,
      b2 = 0.99,
      eps = 1e-6,
      wd = 0.1;
    const opt = new Adam([p], { lr, betas: [b1, b2], eps, weightDecay: wd });
    const grads = [
      [0.2, 0.3, -0.4],
      [-0.1, 0.05, 0.6],
    ];
    const x = [0.5, -1.0, 2.0],
      m = [0, 0, 0],
      v = [0, 0, 0];
    for (let t = 1; t <= 2; t++) {
      setGrad(p, grads[t - 1]);
      opt.step();
      for (let j = 0; j < 3; j++) {
        const g = grads[t - 1][j] + wd * x[j];
        m[j] = m[j] + (1 - b1) * (g - m[j]);
        v[j] = b2 * v[j] + (1 - b2) * g * g;
        x[j] = x[j] - (lr / (1 - b1 ** t)) * (m[j] / (Math.sqrt(v[j]) / Math.sqrt(1 - b2 ** t) + eps));
      }
      close(p.toArray(), x, 1e-12, `step ${t}`);
    }
    // the gradient the caller set is not modified by the weight decay
    assert.deepEqual(gradValues(p), grads[1]);
    opt.dispose();
  });

  test('amsgrad keeps the largest second moment', () => {
    const p = param([1.0]);
    const lr = 0.1,
      b1 = 0.9,
      b2 = 0.999,
      eps = 1e-8;
    const opt = new Adam([p], { lr, amsgrad: true });
    setGrad(p, [1.0]);
    opt.step();
    setGrad(p, [0.01]); // v falls: 0.999 * 0.001 + 0.001 * 1e-4 < 0.001
    opt.step();
    const m1 = 0.1,
      v1 = 0.001;
    const x1 = 1.0 - (lr / (1 - b1)) * (m1 / (Math.sqrt(v1) / Math.sqrt(1 - b2) + eps));
    const m2 = m1 + 0.1 * (0.01 - m1);
    const v2 = 0.999 * v1 + 0.001 * 0.01 * 0.01;
    assert.ok(v2 < v1);
    const x2 = x1 - (lr / (1 - b1 ** 2)) * (m2 / (Math.sqrt(v1) / Math.sqrt(1 - b2 ** 2) + eps));
    close(p.toArray(), [x2], 1e-12, 'amsgrad');
    close((opt.stateOf(p)!.max_exp_avg_sq as Tensor).toArray(), [v1], 1e-15, 'max_exp_avg_sq');
    close((opt.stateOf(p)!.exp_avg_sq as Tensor).toArray(), [v2], 1e-15, 'exp_avg_sq');
    opt.dispose();
  });

  test('maximize ascends', () => {
    const p = param([0]);
    const opt = new Adam([p], { lr: 0.5, maximize: true });
    setGrad(p, [2]);
    opt.step();
    close(p.toArray(), [0.5 * (2 / (2 + 1e-8))]);
  });

  test('parameters without a gradient are skipped and get no state', () => {
    const a = param([1]),
      b = param([2]);
    const opt = new AdamW([a, b], { lr: 0.1 });
    setGrad(a, [1]);
    opt.step();
    assert.deepEqual(b.toArray(), [2]);
    assert.equal(opt.stateOf(b), undefined);
    assert.ok(opt.stateOf(a));
  });
});

// ------------------------------------------------------------------------------------------------ SGD
describe('SGD', () => {
  test('plain SGD: p -= lr * g', () => {
    const p = param([1, 2]);
    const opt = new SGD([p], { lr: 0.1 });
    setGrad(p, [0.5, -1]);
    opt.step();
    close(p.toArray(), [1 - 0.05, 2 + 0.1], 1e-15);
    assert.equal(opt.stateOf(p), undefined);
  });

  test('momentum: two steps by hand', () => {
    const p = param([1.0, -1.0]);
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9 });
    setGrad(p, [0.5, 2.0]);
    opt.step();
    // buf = g1 = [0.5, 2]; p = [1 - 0.05, -1 - 0.2]
    close(p.toArray(), [0.95, -1.2], 1e-15, 'step 1');
    setGrad(p, [-1.0, 1.0]);
    opt.step();
    // buf = 0.9 * [0.5, 2] + [-1, 1] = [-0.55, 2.8]; p = [0.95 + 0.055, -1.2 - 0.28]
    close(p.toArray(), [1.005, -1.48], 1e-15, 'step 2');
    close((opt.stateOf(p)!.momentum_buffer as Tensor).toArray(), [-0.55, 2.8], 1e-15, 'buffer');
  });

  test('Nesterov: two steps by hand', () => {
    const p = param([1.0, -1.0]);
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9, nesterov: true });
    setGrad(p, [0.5, 2.0]);
    opt.step();
    // buf = [0.5, 2]; d = g + 0.9 buf = [0.95, 3.8]; p = [1 - 0.095, -1 - 0.38]
    close(p.toArray(), [0.905, -1.38], 1e-15, 'step 1');
    setGrad(p, [-1.0, 1.0]);
    opt.step();
    // buf = [-0.55, 2.8]; d = [-1 - 0.495, 1 + 2.52] = [-1.495, 3.52]; p = [0.905 + 0.1495, -1.38 - 0.352]
    close(p.toArray(), [1.0545, -1.732], 1e-15, 'step 2');
  });

  test('weight decay and dampening: two steps by hand', () => {
    const p = param([2.0]);
    const opt = new SGD([p], { lr: 0.1, momentum: 0.5, dampening: 0.2, weightDecay: 0.1 });
    setGrad(p, [1.0]);
    opt.step();
    // d = 1 + 0.1 * 2 = 1.2; buf = 1.2 (no dampening on the first step); p = 2 - 0.12 = 1.88
    close(p.toArray(), [1.88], 1e-15, 'step 1');
    setGrad(p, [1.0]);
    opt.step();
    // d = 1 + 0.188 = 1.188; buf = 0.5 * 1.2 + 0.8 * 1.188 = 1.5504; p = 1.88 - 0.15504 = 1.72496
    close(p.toArray(), [1.72496], 1e-14, 'step 2');
  });

  test('invalid options are refused', () => {
    assert.throws(() => new SGD([param([1])], { nesterov: true }), /Nesterov/);
    assert.throws(() => new SGD([param([1])], { lr: -1 }), /learning rate/);
    assert.throws(() => new SGD([]), /empty/);
    const p = param([1]);
    assert.throws(() => new SGD([{ params: [p] }, { params: [p] }]), /more than one group/);
  });
});

// ------------------------------------------------------------------------------------------------ groups, zeroGrad
describe('parameter groups', () => {
  test('per-group options override the defaults', () => {
    const a = param([1.0]),
      b = param([1.0]);
    const opt = new SGD([{ params: [a], lr: 0.1 }, { params: [b] }], { lr: 0.01, momentum: 0 });
    assert.equal(opt.paramGroups[0].lr, 0.1);
    assert.equal(opt.paramGroups[1].lr, 0.01);
    setGrad(a, [1]);
    setGrad(b, [1]);
    opt.step();
    close(a.toArray(), [0.9], 1e-15);
    close(b.toArray(), [0.99], 1e-15);
    // changing a group's lr between steps takes effect
    opt.paramGroups[1].lr = 0.5;
    opt.step();
    close(b.toArray(), [0.49], 1e-15);
  });

  test('weightDecayGroups: biases and 1-D parameters get no decay (timm order: no-decay group first)', () => {
    const named: [string, Tensor][] = [
      ['conv.weight', param([1, 2, 3, 4], [2, 2])],
      ['conv.bias', param([1, 2])],
      ['norm.weight', param([1, 1])],
      ['proj.bias', param([1, 2, 3, 4], [2, 2])], // a 2-D tensor named bias is still not decayed
      ['head.weight', param([1, 2, 3, 4], [2, 2])],
      ['frozen.weight', tensor([[1, 2]], { dtype: 'float64' })], // no requiresGrad: left out
      ['pos_embed', param([1, 2, 3, 4], [1, 4])],
    ];
    const [noDecay, decay] = weightDecayGroups(named, 0.05, ['pos_embed']);
    const byTensor = new Map(named.map(([n, t]) => [t, n]));
    assert.deepEqual(
      noDecay.params.map((t) => byTensor.get(t)),
      ['conv.bias', 'norm.weight', 'proj.bias', 'pos_embed'],
    );
    assert.deepEqual(
      decay.params.map((t) => byTensor.get(t)),
      ['conv.weight', 'head.weight'],
    );
    assert.equal(noDecay.weightDecay, 0);
    assert.equal(decay.weightDecay, 0.05);

    // with AdamW and zero gradients, only the decayed parameters move (they shrink by 1 - lr * wd)
    const opt = new AdamW(weightDecayGroups(named, 0.05), { lr: 0.1 });
    assert.equal(opt.paramGroups.length, 2);
    for (const p of opt.params) p.grad = zeros(p.shape, { dtype: 'float64' });
    opt.step();
    assert.deepEqual(named[1][1].toArray(), [1, 2]);
    assert.deepEqual(named[2][1].toArray(), [1, 1]);
    close(
      named[0][1].toArray(),
      [1, 2, 3, 4].map((x) => x * (1 - 0.1 * 0.05)),
      1e-15,
      'decayed',
    );
    close(
      named[6][1].toArray(),
      [1, 2, 3, 4].map((x) => x * (1 - 0.1 * 0.05)),
      1e-15,
      'pos_embed decays without the list',
    );
  });

  test('zeroGrad sets gradients to null, or zeroes them in place', () => {
    const w = param([1, 2, 3]);
    const opt = new SGD([w], { lr: 0.1 });
    scope(() => w.mul(w).sum().backward());
    assert.deepEqual(gradValues(w), [2, 4, 6]);
    opt.zeroGrad(false);
    assert.deepEqual(gradValues(w), [0, 0, 0]);
    scope(() => w.mul(w).sum().backward());
    assert.deepEqual(gradValues(w), [2, 4, 6]);
    opt.zeroGrad();
    assert.equal(gradValues(w), null);
    opt.zeroGrad(); // no gradient: nothing to do
    assert.equal(gradValues(w), null);
  });

  test('step with a closure returns its loss', () => {
    const w = param([3]);
    const opt = new SGD([w], { lr: 0.25 });
    const loss = opt.step(() => {
      opt.zeroGrad();
      const l = w.mul(w).sum();
      l.backward();
      return l.item();
    });
    assert.equal(loss, 9);
    close(w.toArray(), [3 - 0.25 * 6], 1e-15);
  });

  test('state tensors outlive enclosing scopes; dispose() frees them', () => {
    const p = param([1, 2, 3]);
    const opt = new AdamW([p], { lr: 0.1, amsgrad: true, weightDecay: 0.1 });
    const created: Tensor[] = [];
    scope(() => {
      setGrad(p, [1, 1, 1]);
      opt.step();
      opt.step();
    });
    for (const key of ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq']) {
      const t = opt.stateOf(p)![key] as Tensor;
      assert.equal(t.isDisposed, false, key);
      created.push(t);
    }
    opt.dispose();
    for (const t of created) assert.equal(t.isDisposed, true);
  });
});

// ------------------------------------------------------------------------------------------------ state dict
/** A float32 "checkpoint" through bytes and JSON, as safetensors + JSON would store it. */
function serialize(dict: optim.OptimizerStateDict): {
  tensors: [string, Uint8Array, number[], string][];
  json: string;
} {
  return {
    tensors: [...dict.state].map(([k, t]) => [k, t.rawBytes(), t.shape, t.dtype]),
    json: JSON.stringify(dict.meta),
  };
}
function deserialize(saved: ReturnType<typeof serialize>): { state: Map<string, Tensor>; meta: optim.OptimizerMeta } {
  const state = new Map<string, Tensor>();
  for (const [k, bytes, shape, dtype] of saved.tensors) state.set(k, fromBytes(bytes, 0, shape, dtype as never));
  return { state, meta: JSON.parse(saved.json) };
}

function makeModel(seed: number): Tensor[] {
  const g = new Generator(seed);
  return [randn([3, 4], { generator: g }).requiresGrad_(), randn([3], { generator: g }).requiresGrad_()];
}

function lossStep(params: Tensor[], opt: optim.Optimizer, k: number): void {
  scope(() => {
    opt.zeroGrad();
    const [w, b] = params;
    const x = tensor([[Math.sin(k), 0.5, -1, Math.cos(k)]]).T; // [4, 1]
    const y = w.matmul(x).squeeze(1).add(b);
    y.sub(tensor([1, -1, 0.5]))
      .square()
      .sum()
      .backward();
    clipGradNorm_(params, 1.0);
    opt.step();
  });
}

describe('state dict', () => {
  const makers: [string, (params: Tensor[]) => optim.Optimizer][] = [
    [
      'AdamW + amsgrad, two groups',
      (p) => new AdamW([{ params: [p[0]] }, { params: [p[1]], weightDecay: 0 }], { lr: 0.05, amsgrad: true }),
    ],
    ['Adam', (p) => new Adam(p, { lr: 0.05, weightDecay: 0.01 })],
    ['SGD Nesterov', (p) => new SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 })],
  ];
  for (const [name, make] of makers) {
    test(`${name}: resuming from a saved state continues bit-identically`, () => {
      const total = 8,
        cut = 3;
      // uninterrupted run, with a cosine schedule stepped per update
      const ref = makeModel(7);
      const refOpt = make(ref);
      const refSched = new CosineLRScheduler(refOpt, { tInitial: total, warmupT: 2, warmupLrInit: 1e-3, lrMin: 1e-4 });
      for (let k = 0; k < total; k++) {
        lossStep(ref, refOpt, k);
        refSched.stepUpdate(k + 1);
      }

      // interrupted run: cut, save everything through bytes and JSON, rebuild from scratch, load, continue
      const first = makeModel(7);
      const firstOpt = make(first);
      const firstSched = new CosineLRScheduler(firstOpt, {
        tInitial: total,
        warmupT: 2,
        warmupLrInit: 1e-3,
        lrMin: 1e-4,
      });
      for (let k = 0; k < cut; k++) {
        lossStep(first, firstOpt, k);
        firstSched.stepUpdate(k + 1);
      }
      const savedOpt = serialize(firstOpt.stateDict());
      const savedSched = JSON.stringify(firstSched.stateDict());
      const savedParams = first.map((p) => [p.rawBytes(), p.shape] as const);
      firstOpt.dispose();

      const resumed = savedParams.map(([bytes, shape]) => fromBytes(bytes, 0, shape, 'float32').requiresGrad_());
      const opt = make(resumed);
      const sched = new CosineLRScheduler(opt, { tInitial: 1, warmupT: 0 }); // options come back from the state
      const loaded = deserialize(savedOpt);
      opt.loadStateDict(loaded);
      sched.loadStateDict(JSON.parse(savedSched));
      for (const t of loaded.state.values()) t.dispose(); // the optimizer holds its own copies
      for (let k = cut; k < total; k++) {
        lossStep(resumed, opt, k);
        sched.stepUpdate(k + 1);
      }

      for (let i = 0; i < ref.length; i++) {
        assert.deepEqual(resumed[i].toArray(), ref[i].toArray(), `parameter ${i}`);
        const a = refOpt.stateOf(ref[i])!,
          b = opt.stateOf(resumed[i])!;
        assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort());
        for (const key of Object.keys(a)) {
          const [va, vb] = [a[key], b[key]];
          if (va instanceof Tensor) assert.deepEqual((vb as Tensor).toArray(), va.toArray(), key);
          else assert.equal(vb, va, key);
        }
      }
      assert.deepEqual(
        opt.paramGroups.map((g) => g.lr),
        refOpt.paramGroups.map((g) => g.lr),
      );
      // and the run was not trivially the same as never stepping
      assert.notDeepEqual(ref[0].toArray(), makeModel(7)[0].toArray());
    });
  }

  test('layout: flat tensor names and JSON meta with parameter indices', () => {
    const a = param([1, 2]),
      b = param([3]),
      c = param([4]);
    const opt = new AdamW(
      [
        { params: [a, b], lr: 0.1 },
        { params: [c], weightDecay: 0 },
      ],
      { lr: 0.01 },
    );
    setGrad(a, [1, 1]);
    setGrad(c, [1]);
    opt.step();
    const { state, meta } = opt.stateDict();
    assert.deepEqual([...state.keys()].sort(), [
      'state.0.exp_avg',
      'state.0.exp_avg_sq',
      'state.2.exp_avg',
      'state.2.exp_avg_sq',
    ]);
    assert.deepEqual(meta.state, { 0: { step: 1 }, 2: { step: 1 } });
    assert.deepEqual(meta.paramGroups, [
      { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01, amsgrad: false, maximize: false, params: [0, 1] },
      { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, params: [2] },
    ]);
    assert.deepEqual(JSON.parse(JSON.stringify(meta)), meta);
  });

  test('loading restores hyperparameters and refuses a state of another shape', () => {
    const a = param([1]),
      b = param([2]);
    const src = new SGD(
      [
        { params: [a], lr: 0.3 },
        { params: [b], lr: 0.4 },
      ],
      { momentum: 0.9 },
    );
    setGrad(a, [1]);
    src.step();
    const dict = src.stateDict();
    const dst = new SGD([{ params: [param([1])] }, { params: [param([2])] }], { lr: 1 });
    dst.loadStateDict(dict);
    assert.deepEqual(
      dst.paramGroups.map((g) => [g.lr, g.momentum]),
      [
        [0.3, 0.9],
        [0.4, 0.9],
      ],
    );
    assert.deepEqual((dst.stateOf(dst.params[0])!.momentum_buffer as Tensor).toArray(), [1]);
    // the loaded state is a copy: stepping dst leaves src's buffer alone
    dst.params[0].grad = tensor([5], { dtype: 'float64' });
    dst.step();
    assert.deepEqual((dst.stateOf(dst.params[0])!.momentum_buffer as Tensor).toArray(), [5.9]);
    assert.deepEqual((src.stateOf(a)!.momentum_buffer as Tensor).toArray(), [1]);
    assert.equal(dst.stateOf(dst.params[1]), undefined);
    assert.throws(() => new SGD([param([1])]).loadStateDict(dict), /2 parameter groups/);
    assert.throws(
      () => new SGD([{ params: [param([1]), param([1])] }, { params: [param([2])] }]).loadStateDict(dict),
      /group 0/,
    );
    assert.throws(
      () => dst.loadStateDict({ state: new Map([['oops', tensor([1])]]), meta: dict.meta }),
      /unexpected tensor 'oops'/,
    );
  });
});

// ------------------------------------------------------------------------------------------------ clipping
describe('clipGradNorm_', () => {
  test('2-norm over all gradients, scaled to maxNorm', () => {
    const a = param([0, 0]),
      b = param([0]),
      c = param([0]);
    setGrad(a, [3, 4]);
    setGrad(b, [12]);
    // c has no gradient: ignored
    const total = clipGradNorm_([a, b, c], 6.5);
    assert.equal(total, 13);
    const coef = (1 / (13 + 1e-6)) * 6.5;
    close(gradValues(a)!, [3 * coef, 4 * coef], 1e-15);
    close(gradValues(b)!, [12 * coef], 1e-15);
    assert.equal(gradValues(c), null);
  });

  test('below maxNorm the gradients are unchanged; infinity norm and 1-norm', () => {
    const a = param([0, 0]),
      b = param([0]);
    setGrad(a, [3, -4]);
    setGrad(b, [-12]);
    assert.equal(clipGradNorm_([a, b], 100), 13);
    assert.deepEqual(gradValues(a), [3, -4]);
    assert.equal(clipGradNorm_([a, b], 100, Infinity), 12);
    assert.equal(clipGradNorm_([a, b], 100, 1), 19);
    assert.equal(clipGradNorm_(a, 2.5, Infinity), 4);
    close(
      gradValues(a)!,
      [3, -4].map((x) => x * ((1 / (4 + 1e-6)) * 2.5)),
      1e-15,
    );
    assert.equal(clipGradNorm_([param([1])], 1), 0);
  });

  test('errorIfNonfinite', () => {
    const a = param([0]);
    setGrad(a, [Infinity]);
    assert.throws(() => clipGradNorm_(a, 1, 2, { errorIfNonfinite: true }), /not finite/);
  });

  test('clipGradValue_ clamps elements', () => {
    const a = param([0, 0, 0]);
    setGrad(a, [-3, 0.5, 2]);
    clipGradValue_([a], 1);
    assert.deepEqual(gradValues(a), [-1, 0.5, 1]);
  });
});

// ------------------------------------------------------------------------------------------------ schedules
function sgdWith(lrs: number[]): optim.SGD {
  return new SGD(lrs.map((lr) => ({ params: [param([0])], lr })));
}
function lrAt(sched: optim.LRScheduler, opt: optim.Optimizer, t: number): number[] {
  sched.step(t);
  return opt.paramGroups.map((g) => g.lr);
}

describe('CosineLRScheduler', () => {
  const base = 1e-3,
    init = 1e-5,
    lrMin = 1e-6;

  test('warm-up, then cosine over t (timm default, warmupPrefix false), then lrMin', () => {
    const opt = sgdWith([base]);
    const sched = new CosineLRScheduler(opt, { tInitial: 100, lrMin, warmupT: 10, warmupLrInit: init });
    assert.equal(opt.paramGroups[0].lr, init, 'set to warmupLrInit on construction');
    assert.equal(opt.paramGroups[0].initialLr, base);
    close(lrAt(sched, opt, 0), [init], 1e-15, 'warm-up start');
    // mid warm-up: 1e-5 + 5 * (1e-3 - 1e-5) / 10 = 1e-5 + 4.95e-4 = 5.05e-4
    close(lrAt(sched, opt, 5), [5.05e-4], 1e-13, 'mid warm-up');
    close(lrAt(sched, opt, 9), [1e-5 + 9 * 9.9e-5], 1e-13, 'last warm-up step');
    // end of warm-up: the cosine at t = 10 (not 0): 1e-6 + 0.5 * 9.99e-4 * (1 + cos(pi / 10))
    close(lrAt(sched, opt, 10), [1e-6 + 0.5 * 9.99e-4 * (1 + Math.cos(Math.PI / 10))], 1e-13, 'end of warm-up');
    // middle: cos(pi/2) = 0, so lrMin + (base - lrMin) / 2 = 5.005e-4
    close(lrAt(sched, opt, 50), [5.005e-4], 1e-12, 'middle');
    close(lrAt(sched, opt, 99), [1e-6 + 0.5 * 9.99e-4 * (1 + Math.cos((99 * Math.PI) / 100))], 1e-13, 'last step');
    assert.deepEqual(lrAt(sched, opt, 100), [lrMin], 'end');
    assert.deepEqual(lrAt(sched, opt, 150), [lrMin], 'after the end');
    assert.equal(sched.getCycleLength(), 100);
  });

  test('warmupPrefix: the cosine starts after the warm-up', () => {
    const opt = sgdWith([base]);
    const sched = new CosineLRScheduler(opt, {
      tInitial: 100,
      lrMin,
      warmupT: 10,
      warmupLrInit: init,
      warmupPrefix: true,
    });
    close(lrAt(sched, opt, 5), [5.05e-4], 1e-13, 'mid warm-up');
    assert.deepEqual(lrAt(sched, opt, 10), [base], 'end of warm-up: the peak');
    close(lrAt(sched, opt, 60), [5.005e-4], 1e-12, 'middle');
    close(lrAt(sched, opt, 109), [1e-6 + 0.5 * 9.99e-4 * (1 + Math.cos((99 * Math.PI) / 100))], 1e-13);
    assert.deepEqual(lrAt(sched, opt, 110), [lrMin]);
    assert.equal(sched.getCycleLength(), 110);
  });

  test('groups keep their own base lr; lrScale multiplies; no warm-up starts at the base', () => {
    const opt = sgdWith([0.1, 0.01]);
    opt.paramGroups[1].lrScale = 0.5;
    const sched = new CosineLRScheduler(opt, { tInitial: 4 });
    assert.deepEqual(
      opt.paramGroups.map((g) => g.lr),
      [0.1, 0.005],
    );
    // t = 2 of 4: half of each base
    close(lrAt(sched, opt, 2), [0.05, 0.0025], 1e-15);
    close(lrAt(sched, opt, 1), [0.05 * (1 + Math.SQRT1_2), 0.0025 * (1 + Math.SQRT1_2)], 1e-15);
    assert.deepEqual(lrAt(sched, opt, 4), [0, 0]);
  });

  test('restarts: cycleMul, cycleDecay, cycleLimit', () => {
    const opt = sgdWith([1]);
    const sched = new CosineLRScheduler(opt, { tInitial: 10, cycleMul: 2, cycleDecay: 0.5, cycleLimit: 2 });
    close(lrAt(sched, opt, 5), [0.5], 1e-15, 'cycle 0 middle');
    assert.deepEqual(lrAt(sched, opt, 10), [0.5], 'cycle 1 starts at the decayed peak');
    // t = 15: cycle 1 (length 20) at 5: 0.5 * 0.5 * (1 + cos(pi / 4))
    close(lrAt(sched, opt, 15), [0.25 * (1 + Math.SQRT1_2)], 1e-14, 'cycle 1');
    assert.deepEqual(lrAt(sched, opt, 30), [0], 'past the limit');
    assert.equal(sched.getCycleLength(), 30);
  });

  test('stepUpdate applies per update; stepEpoch only when t counts epochs', () => {
    const opt = sgdWith([1]);
    const sched = new CosineLRScheduler(opt, { tInitial: 4 });
    sched.stepEpoch(2);
    assert.equal(opt.paramGroups[0].lr, 1);
    sched.stepUpdate(2);
    close(opt.paramGroups[0].lr, 0.5, 1e-15);
    const opt2 = sgdWith([1]);
    const perEpoch = new CosineLRScheduler(opt2, { tInitial: 4, tInUpdates: false });
    perEpoch.stepUpdate(2);
    assert.equal(opt2.paramGroups[0].lr, 1);
    perEpoch.stepEpoch(2);
    close(opt2.paramGroups[0].lr, 0.5, 1e-15);
  });

  test('state dict round trip through JSON', () => {
    const opt = sgdWith([0.1]);
    const sched = new CosineLRScheduler(opt, { tInitial: 100, warmupT: 5, warmupLrInit: 0.01, lrMin: 0.001 });
    sched.step(42);
    const json = JSON.stringify(sched.stateDict());
    const opt2 = sgdWith([0.5]);
    const other = new CosineLRScheduler(opt2, { tInitial: 7 });
    other.loadStateDict(JSON.parse(json));
    assert.equal(other.lastT, 42);
    assert.deepEqual(other.baseValues, [0.1]);
    for (const t of [0, 3, 42, 77, 120]) assert.deepEqual(other.getLr(t), sched.getLr(t), `t = ${t}`);
  });
});

describe('StepLRScheduler', () => {
  test('base * gamma^floor(t / stepSize)', () => {
    const opt = sgdWith([0.1]);
    const sched = new StepLRScheduler(opt, { stepSize: 30, gamma: 0.1 });
    assert.deepEqual(lrAt(sched, opt, 0), [0.1]);
    assert.deepEqual(lrAt(sched, opt, 29), [0.1]);
    close(lrAt(sched, opt, 30), [0.01], 1e-15);
    close(lrAt(sched, opt, 65), [0.001], 1e-15);
  });

  test('warm-up is a prefix by default (timm)', () => {
    const opt = sgdWith([1]);
    const sched = new StepLRScheduler(opt, { stepSize: 10, gamma: 0.5, warmupT: 4, warmupLrInit: 0.2 });
    assert.equal(opt.paramGroups[0].lr, 0.2);
    close(lrAt(sched, opt, 2), [0.2 + 2 * 0.2], 1e-15);
    assert.deepEqual(lrAt(sched, opt, 4), [1]);
    assert.deepEqual(lrAt(sched, opt, 13), [1]);
    assert.deepEqual(lrAt(sched, opt, 14), [0.5]);
    assert.deepEqual(lrAt(sched, opt, 24), [0.25]);
  });
});

describe('PolyLRScheduler', () => {
  test('lrMin + (base - lrMin) * (1 - t / total)^power, then lrMin', () => {
    const opt = sgdWith([0.01]);
    const sched = new PolyLRScheduler(opt, { totalSteps: 100, power: 0.9, lrMin: 1e-4 });
    assert.deepEqual(lrAt(sched, opt, 0), [0.01]);
    close(lrAt(sched, opt, 50), [1e-4 + 0.0099 * 0.5 ** 0.9], 1e-14, 'middle');
    close(lrAt(sched, opt, 75), [1e-4 + 0.0099 * 0.25 ** 0.9], 1e-14);
    assert.deepEqual(lrAt(sched, opt, 100), [1e-4]);
    assert.deepEqual(lrAt(sched, opt, 120), [1e-4]);
  });

  test('default power 0.5 (timm), linear with power 1, warm-up', () => {
    const opt = sgdWith([1]);
    const sched = new PolyLRScheduler(opt, { totalSteps: 4 });
    close(lrAt(sched, opt, 3), [0.5], 1e-15);
    const opt2 = sgdWith([1]);
    const lin = new PolyLRScheduler(opt2, { totalSteps: 10, power: 1, warmupT: 2, warmupLrInit: 0 });
    close(lrAt(lin, opt2, 1), [0.5], 1e-15);
    close(lrAt(lin, opt2, 2), [0.8], 1e-15);
    close(lrAt(lin, opt2, 6), [0.4], 1e-15);
  });
});
