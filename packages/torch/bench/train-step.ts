// Engine benchmark: one small conv-net training step (conv3x3-relu-conv3x3-relu-conv1x1, cross-entropy,
// backward, AdamW) driven from TypeScript and from C++ in the same process, same weights, same data, same
// threads. The ratio TypeScript / C++ is the cost of the binding. Rounds alternate between the sides so that
// machine noise hits all alike; medians are reported.
// TypeScript is timed twice: chained (`conv2d(...).relu()`, the convolution's output lives until the step's scope
// ends) and releasing each convolution's output once relu has read it, as C++ frees its temporaries. The
// difference is the price of scope-based release: a larger working set, not slower calls.
//   node packages/torch/dist/bench/train-step.js [--batch 4] [--size 64] [--channels 8] [--width 32]
//        [--steps 20] [--rounds 5] [--threads N] [--json]
import { parseArgs } from 'node:util';
import { F, optim, randn, randint, manualSeed, setNumThreads, getNumThreads, scope } from '../src/index.js';
import { native } from '../src/native.js';
import type { Tensor } from '../src/index.js';

const { values } = parseArgs({
  options: {
    batch: { type: 'string', default: '4' },
    size: { type: 'string', default: '64' },
    channels: { type: 'string', default: '8' },
    width: { type: 'string', default: '32' },
    steps: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '5' },
    threads: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const B = Number(values.batch),
  S = Number(values.size),
  C = Number(values.channels),
  W = Number(values.width);
const steps = Number(values.steps),
  rounds = Number(values.rounds);
if (values.threads) setNumThreads(Number(values.threads));

manualSeed(0);
const input = randn([B, C, S, S]);
const target = randint(0, 2, [B, S, S]);
const init = [
  randn([W, C, 3, 3]).mul(Math.sqrt(2 / (C * 9))),
  randn([W]).mul(0.01),
  randn([W, W, 3, 3]).mul(Math.sqrt(2 / (W * 9))),
  randn([W]).mul(0.01),
  randn([2, W, 1, 1]).mul(Math.sqrt(1 / W)),
  randn([2]).mul(0.01),
];
const fresh = (): Tensor[] => init.map((t) => t.clone().requiresGrad_(true));

/** conv then relu; with release, the convolution's output is freed as soon as relu has read it. */
function convRelu(x: Tensor, w: Tensor, b: Tensor, release: boolean): Tensor {
  const c = F.conv2d(x, w, b, { padding: 1 });
  const h = c.relu();
  if (release) c.dispose();
  return h;
}

function tsSteps(params: Tensor[], n: number, release = false): number {
  const opt = new optim.AdamW(params, { lr: 5e-4, weightDecay: 0.01 });
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    scope(() => {
      opt.zeroGrad();
      const [w1, b1, w2, b2, w3, b3] = params;
      const h = convRelu(convRelu(input, w1, b1, release), w2, b2, release);
      const logits = F.conv2d(h, w3, b3);
      F.crossEntropy(logits, target).backward();
      opt.step();
    });
  }
  return (performance.now() - start) / n;
}

function cppSteps(params: Tensor[], n: number): number {
  return native.benchConvNetSteps(
    input.handle,
    target.handle,
    params.map((p) => p.handle),
    n,
    5e-4,
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Both sides compute the same thing: check it before timing it.
const pTs = fresh(),
  pCpp = fresh();
tsSteps(pTs, 3);
cppSteps(pCpp, 3);
const maxDiff = Math.max(...pTs.map((p, i) => p.sub(pCpp[i]).abs().max().item()));
if (maxDiff > 1e-5) throw new Error(`TypeScript and C++ steps disagree (max weight difference ${maxDiff})`);

const ts: number[] = [],
  tsReleased: number[] = [],
  cpp: number[] = [];
for (let r = 0; r < rounds; r++) {
  ts.push(tsSteps(fresh(), steps));
  cpp.push(cppSteps(fresh(), steps));
  tsReleased.push(tsSteps(fresh(), steps, true));
}
const tsMs = median(ts),
  cppMs = median(cpp),
  releasedMs = median(tsReleased);
// Multiply-adds of the convolutions, x2 for FLOPs: forward, weight gradient and input gradient (x3), except the
// first convolution, whose input needs no gradient (x2).
const flops = 2 * B * S * S * (2 * C * W * 9 + 3 * (W * W * 9 + W * 2));
const result = {
  batch: B,
  size: S,
  channels: C,
  width: W,
  threads: getNumThreads(),
  ompWaitPolicy: process.env.OMP_WAIT_POLICY,
  ts_step_ms: +tsMs.toFixed(3),
  cpp_step_ms: +cppMs.toFixed(3),
  ratio_ts_over_cpp: +(tsMs / cppMs).toFixed(3),
  ts_released_step_ms: +releasedMs.toFixed(3),
  ratio_ts_released_over_cpp: +(releasedMs / cppMs).toFixed(3),
  ts_gflops: +(flops / tsMs / 1e6).toFixed(1),
  cpp_gflops: +(flops / cppMs / 1e6).toFixed(1),
};
if (!values.json) {
  console.log(`conv-net training step, batch ${B} of ${C}x${S}x${S}, width ${W}, ${result.threads} thread(s):`);
  console.log(
    `  TypeScript ${tsMs.toFixed(2)} ms (${result.ts_gflops} GFLOP/s)   C++ ${cppMs.toFixed(2)} ms (${result.cpp_gflops} GFLOP/s)   ratio ${result.ratio_ts_over_cpp}`,
  );
  console.log(
    `  TypeScript releasing temporaries ${releasedMs.toFixed(2)} ms   ratio ${result.ratio_ts_released_over_cpp}`,
  );
}
console.log(JSON.stringify(result));
