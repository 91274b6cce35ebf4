// `dias bench click`: the viewer's click through `dias serve`'s API with the shipped default model
// (bench/click-bench.ts). The server runs in this process on a scratch dataset of one synthetic NPY stack (the same
// stack `dias bench segment` uses), its default-model outputs in a scratch cache; all of it is removed afterwards.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fromTypedArray, getNumThreads, saveNpy } from '@dias-ts/torch';
import { benchClicks, type ClickClient, type ClickTimes } from '../bench/click-bench.js';
import { benchSequence } from '../bench/segment-bench.js';
import { checkPixelCount } from '../image/pixel-limit.js';
import { buildServer } from '../server/app.js';
import { DEFAULT_MODEL_RUN } from '../server/default-model-store.js';
import { positiveIntFlag } from './flags.js';
import { applyThreadsFlag } from './inference-flags.js';

export const BENCH_CLICK_USAGE = `Usage: dias bench click [--size 800] [--frames 8] [--clicks 5] [--no-warm] [--threads K] [--json]

The viewer's click, through the server's HTTP API as the page makes it: POST /api/infer in fast mode with the
shipped default model, the job's event stream until done, then GET the probability map as PNG. The server runs in
this process (no network) on a scratch dataset of one S x S x T stack, warmed up first as \`dias serve\` does at
start, and asked first what the page asks when it opens (info, dataset, the sequence); the clicks run one after
another and each segments the sequence again. Prints each click (request, events, PNG, total; and the worker's
own seconds) and the medians. \`dias bench segment\` times the same segmentation without the server.
  --size S       square size in pixels (default 800)
  --frames T     frames of the stack (default 8)
  --clicks N     clicks to time (default 5)
  --no-warm      no warm-up: the first click loads the model and pays the first forward pass
  --threads K    libtorch threads (default: the free cores)
  --json         the last line printed is JSON: {"size","frames","threads","warm_up","clicks":[...],"median"}`;

const fmt = (t: ClickTimes) =>
  `${t.total.toFixed(2)} s (request ${t.post.toFixed(2)}, events ${t.events.toFixed(2)}, PNG ${t.png.toFixed(2)}; worker ${t.worker.toFixed(2)} s)`;

export async function benchClickCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      size: { type: 'string' },
      frames: { type: 'string' },
      clicks: { type: 'string' },
      'no-warm': { type: 'boolean' },
      threads: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const S = positiveIntFlag('size', values.size, 800);
  const T = positiveIntFlag('frames', values.frames, 8);
  const clicks = positiveIntFlag('clicks', values.clicks, 5);
  // A size past the readers' pixel limit is refused before any memory is taken for it.
  checkPixelCount('dias bench click', `--size ${S} --frames ${T}`, S * S * T);
  applyThreadsFlag(values.threads);
  const say = (s: string) => (values.json ? console.error(s) : console.log(s));
  const scratch = mkdtempSync(join(tmpdir(), 'dias-bench-click-'));
  const data = join(scratch, 'data');
  mkdirSync(data);
  const sequence = `click_${S}.npy`;
  const stack = fromTypedArray(benchSequence(T, S), [T, S, S]);
  saveNpy(join(data, sequence), stack);
  stack.dispose();
  // The default model's outputs go to its cache folder (server/default-model-store.ts): a scratch one here.
  const savedCache = process.env.DIAS_CACHE_DIR;
  process.env.DIAS_CACHE_DIR = join(scratch, 'cache');
  const server = buildServer({ data });
  try {
    const client: ClickClient = {
      async request(method, url, body) {
        const r = await server.app.inject({
          method,
          url,
          // The header a page of the server's own origin sends (the cross-site rule, docs/server-api.md).
          headers: { 'x-dias-request': '1' },
          ...(body === undefined ? {} : { payload: body as object }),
        });
        return { status: r.statusCode, body: r.body };
      },
    };
    let warmUp: number | null = null;
    if (!values['no-warm']) {
      const w = await server.warmUp();
      warmUp = w?.seconds ?? null;
      say(`warm-up: ${warmUp === null ? 'failed' : `${warmUp.toFixed(2)} s`}`);
    }
    // What the page asks for when it opens, before anyone can click (unmeasured).
    for (const url of ['/api/info', '/api/datastore', `/api/sequences/${encodeURIComponent(sequence)}`]) {
      const r = await client.request('GET', url);
      if (r.status !== 200) throw new Error(`GET ${url}: HTTP ${r.status}: ${r.body.slice(0, 300)}`);
    }
    const threads = getNumThreads();
    const result = await benchClicks(client, { run: DEFAULT_MODEL_RUN, sequence }, clicks, (k, t) =>
      say(`click ${k + 1}: ${fmt(t)}`),
    );
    say(`${S}x${S}x${T}, ${threads} thread(s), median of ${clicks}: ${fmt(result.median)}`);
    if (values.json) console.log(JSON.stringify({ size: S, frames: T, threads, warm_up: warmUp, ...result }));
    return 0;
  } finally {
    await server.app.close();
    if (savedCache === undefined) delete process.env.DIAS_CACHE_DIR;
    else process.env.DIAS_CACHE_DIR = savedCache;
    rmSync(scratch, { recursive: true, force: true });
  }
}
