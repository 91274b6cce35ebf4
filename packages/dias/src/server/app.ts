// The HTTP API of `dias serve` (docs/server-api.md), on Fastify. The shape is MONAI Label's server
// (monailabel/endpoints: /info, /datastore, /infer, /train, /activelearning as "next sample"), reduced to what a
// DSA sequence needs and answered from the project's own pieces: the readers (datastore.ts), the run folders
// (run-store.ts), the one Predictor in a worker thread (inference.ts), trainRun in a worker thread (training.ts).
// Deviations from MONAI Label: jobs report through Server-Sent Events instead of being polled; scribbles are PNGs
// in the DIAS encoding, written into the dataset, not a label store; there is no auth server, only a token.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { extname, join, resolve } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { meanProjection, minIntensityProjection } from '../data/preprocess.js';
import { DIAS_SPLITS, type DiasSplit } from '../data/dias-layout.js';
import { frameOf, type DsaSequence } from '../data/sequence.js';
import { errorMap, probabilityImage } from '../eval/pictures.js';
import { metricsOrNull } from '../eval/report.js';
import { encodeGrayPng, encodeRgbPng } from '../image/png.js';
import { evaluateImage, thresholdProbability } from '../metrics/metrics.js';
import { defaultTrainConfig } from '../train/config.js';
import { allRecipes } from '../train/recipes/index.js';
import { runPath, weightsRunDir, type WeightsChoice } from '../train/run-folder.js';
import { VERSION } from '../version.js';
import {
  bindProblem,
  crossSiteProblem,
  hostOfHeader,
  isLoopbackHost,
  requestToken,
  tokenMatches,
  TOKEN_COOKIE,
} from './access.js';
import { Datastore, type SequenceEntry } from './datastore.js';
import { InferenceService, type InferMode } from './inference.js';
import { JobRegistry, sseMessage, type Job } from './jobs.js';
import { meanBinaryEntropy, rankByEntropy } from './next-sample.js';
import { displayGrey, pixelEncoding, rawBytes, rawHeaders, type PixelEncoding } from './pixels.js';
import { outputStem, RunStore, type RunInfo } from './run-store.js';
import { confineMessage, HttpError, isInside } from './safe-paths.js';
import { AJV_OPTIONS, BODY, QUERY, schemaErrorMessage } from './schemas.js';
import { trainConfigFromBody, TrainingService } from './training.js';

export interface ServerOptions {
  /** The dataset (--data). */
  data: string;
  /** The run folders (--runs). */
  runs?: string;
  /** Required on every request when set. */
  token?: string;
  /** The built page (packages/web/dist); default: found beside this package. */
  webDir?: string;
  /** The largest scribble PNG accepted, in bytes (default 64 MiB). */
  maxScribbleBytes?: number;
}

export interface DiasServer {
  app: FastifyInstance;
  datastore: Datastore;
  runs: RunStore;
  jobs: JobRegistry;
}

const CHECKPOINTS: readonly WeightsChoice[] = ['best', 'final', 'latest'];
const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** packages/web/dist, from the sources (src/server) or the build (dist/src/server). */
export function defaultWebDir(): string {
  for (const up of ['../../../web/dist', '../../../../web/dist']) {
    const dir = resolve(new URL(up, import.meta.url).pathname);
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return resolve(new URL('../../../web/dist', import.meta.url).pathname);
}

const NO_PAGE = `<!doctype html><meta charset="utf-8"><title>dias serve</title>
<h1>dias serve</h1><p>The viewer page has not been built yet (<code>npm run setup</code>, or
<code>npm run build -w packages/web</code>). The API answers under <a href="/api/info">/api/info</a>;
docs/server-api.md describes it.</p>`;

type Params = Record<string, string>;
type Query = Record<string, string | undefined>;

function formatOf(query: Query, allowed: readonly string[]): string {
  const f = query.format ?? allowed[0];
  if (!allowed.includes(f)) throw new HttpError(400, `format must be ${allowed.join(' or ')}, got '${f.slice(0, 40)}'`);
  return f;
}

function thresholdOf(query: Query): number {
  if (query.threshold === undefined) return 0.5;
  // Number('') is 0: an empty value must not become a threshold of 0.
  const t = query.threshold.trim() === '' ? NaN : Number(query.threshold);
  if (!(t >= 0 && t <= 1))
    throw new HttpError(400, `threshold must be a number in [0, 1], got '${query.threshold.slice(0, 40)}'`);
  return t;
}

function png(reply: FastifyReply, bytes: Uint8Array): FastifyReply {
  return reply
    .type('image/png')
    .header('cache-control', 'no-store')
    .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** A frame or projection as an 8-bit PNG or the raw stored values. */
function sendPixels(
  reply: FastifyReply,
  values: Float32Array,
  seq: DsaSequence,
  e: PixelEncoding,
  query: Query,
): FastifyReply {
  if (formatOf(query, ['png', 'raw']) === 'raw') {
    return reply
      .type('application/octet-stream')
      .headers(rawHeaders(seq.W, seq.H, e))
      .header('cache-control', 'no-store')
      .send(rawBytes(values, e));
  }
  return png(reply, encodeGrayPng(seq.W, seq.H, displayGrey(values, e)));
}

export function buildServer(options: ServerOptions): DiasServer {
  const datastore = Datastore.open(options.data);
  const runs = new RunStore(options.runs);
  // Messages a client sees of failed jobs and server errors name no path outside the served folders.
  const roots = [datastore.root, datastore.realRoot, ...(runs.root ? [runs.root, runs.realRootOrSelf] : [])];
  const confine = (message: string) => confineMessage(message, roots);
  const jobs = new JobRegistry(100, confine);
  const inference = new InferenceService();
  const training = new TrainingService();
  const webDir = options.webDir ?? defaultWebDir();
  const encodings = new WeakMap<DsaSequence, PixelEncoding>();
  const app = Fastify({
    logger: false,
    bodyLimit: 1 << 20,
    ajv: AJV_OPTIONS,
    schemaErrorFormatter: schemaErrorMessage,
  });

  app.addContentTypeParser(
    'image/png',
    { parseAs: 'buffer', bodyLimit: options.maxScribbleBytes ?? 64 << 20 },
    (_req, body, done) => done(null, body),
  );

  app.setErrorHandler((error: Error & { statusCode?: number }, _req, reply) => {
    const status =
      error instanceof HttpError
        ? error.statusCode
        : error.statusCode && error.statusCode >= 400
          ? error.statusCode
          : 500;
    void reply.status(status).send({ error: status >= 500 ? confine(error.message) : error.message });
  });
  app.setNotFoundHandler(
    (req, reply) =>
      void reply.status(404).send({ error: `${req.method} ${req.url.split('?')[0].slice(0, 200)}: no such endpoint` }),
  );

  // Access: the token when one is set, else a loopback Host (docs/server-api.md, access.ts).
  app.addHook('onRequest', async (req, reply) => {
    if (!options.token) {
      if (!isLoopbackHost(hostOfHeader(req.headers.host))) {
        return reply.status(403).send({
          error: `Host '${String(req.headers.host).slice(0, 80)}' is not a loopback name; this server answers only local requests`,
        });
      }
      return;
    }
    const query = req.query as Query;
    if (
      req.method === 'GET' &&
      req.url.split('?')[0] === '/' &&
      typeof query.token === 'string' &&
      tokenMatches(query.token, options.token)
    ) {
      return reply
        .header('set-cookie', `${TOKEN_COOKIE}=${encodeURIComponent(options.token)}; Path=/; HttpOnly; SameSite=Strict`)
        .redirect('/', 303);
    }
    const given = requestToken(req.headers);
    if (given === undefined || !tokenMatches(given, options.token))
      return reply.status(401).send({
        error: 'a valid token is required (Authorization: Bearer T, X-Dias-Token, or open the URL dias serve printed)',
      });
  });
  // Cross-site requests: refused before anything is parsed or done (access.ts, docs/server-api.md).
  app.addHook('onRequest', async (req, reply) => {
    const problem = crossSiteProblem(req.method, req.url.split('?')[0], req.headers);
    if (problem) return reply.status(403).send({ error: problem });
  });
  app.addHook('onClose', async () => {
    await training.close();
    await inference.close();
  });

  const encodingOf = (seq: DsaSequence): PixelEncoding => {
    let e = encodings.get(seq);
    if (!e) encodings.set(seq, (e = pixelEncoding(seq)));
    return e;
  };
  const checkpointOf = (value: unknown): WeightsChoice => {
    const c = value ?? 'best';
    if (typeof c !== 'string' || !CHECKPOINTS.includes(c as WeightsChoice))
      throw new HttpError(400, `checkpoint must be best, final or latest, got ${JSON.stringify(c).slice(0, 40)}`);
    return c as WeightsChoice;
  };
  /** The run's weights file for `which`, checked to exist (404 names what the run has). */
  const weightsOf = (run: string, which: WeightsChoice): string => {
    const dir = runs.dir(run);
    const file = runPath(weightsRunDir(dir, runs.config(run)), which);
    if (!existsSync(file)) throw new HttpError(404, `run '${run}' has no checkpoint_${which} yet`);
    return file;
  };
  const entryOf = async (id: string): Promise<SequenceEntry> => datastore.entry(id);
  const predictionOf = async (id: string, query: Query) => {
    if (!query.run) throw new HttpError(400, 'run: required (?run=NAME)');
    const entry = await entryOf(id);
    const map = runs.prediction(query.run, datastore, outputStem(datastore, entry.id), entry.split);
    if (!map)
      throw new HttpError(404, `run '${query.run}' has no prediction of sequence ${entry.id} yet (POST /api/infer)`);
    if (map.width !== entry.width || map.height !== entry.height)
      throw new HttpError(
        422,
        `the stored prediction is ${map.width}x${map.height}, the sequence ${entry.width}x${entry.height}`,
      );
    return { entry, map };
  };
  const labelled = async (id: string) => {
    const seq = await datastore.load(id);
    if (!seq.label) throw new HttpError(404, `sequence ${seq.id} has no label`);
    return { seq, label: seq.label };
  };

  /** Starts an inference job; resolves at once with the job (its end comes through the job). */
  const startInfer = (
    run: string,
    id: string,
    mode: InferMode,
    checkpoint: WeightsChoice,
    entry: SequenceEntry,
  ): { job: Job; done: Promise<unknown> } => {
    const job = jobs.create('infer', { run, sequence: entry.id, mode, checkpoint });
    const stem = outputStem(datastore, entry.id);
    const done = inference.run(
      job,
      {
        dataRoot: datastore.root,
        sequence: entry.id,
        runDir: runs.dir(run),
        checkpoint,
        mode,
        outDir: runs.predictionDir(run, datastore),
        stem,
      },
      (r) => ({
        run,
        sequence: entry.id,
        mode,
        ...r,
        prediction: `/api/sequences/${encodeURIComponent(entry.id)}/prediction?run=${encodeURIComponent(run)}`,
      }),
    );
    return { job, done };
  };

  // ---------------------------------------------------------------------------------------------- the dataset

  app.get('/api/info', { schema: { querystring: QUERY.none } }, (_req, reply) => {
    const ds = datastore.layout === 'dias' ? datastore.dias() : null;
    // A run that cannot be described is listed apart with the reason, not left out without a word.
    const runInfos: RunInfo[] = [];
    const brokenRuns: { name: string; error: string }[] = [];
    for (const n of runs.names()) {
      try {
        runInfos.push(runs.info(n));
      } catch (e) {
        brokenRuns.push({ name: n, error: (e as Error).message });
      }
    }
    const recipes = allRecipes().map((r) => {
      let targets: string | null = null;
      try {
        const config = defaultTrainConfig();
        config.train.recipe = r.name;
        targets = r.create(config).targets;
      } catch {
        // A recipe that cannot be described on defaults is still listed.
      }
      return { name: r.name, summary: r.summary, targets };
    });
    return reply.send({
      version: VERSION,
      dataset: {
        path: datastore.root,
        name: datastore.name,
        layout: datastore.layout,
        sequences: datastore.count(),
        scribbleSets: ds ? ds.scribbleSets : [],
        annotatorSet: 'scribbles_annotator',
        canTrain: datastore.layout === 'dias',
      },
      runs: runInfos,
      brokenRuns,
      runsDir: runs.root,
      recipes,
      train: training.busy?.toJSON() ?? null,
    });
  });

  const withPredictions = (e: SequenceEntry, names = runs.names()) => {
    const stem = outputStem(datastore, e.id);
    const predictions = names.filter((r) => {
      try {
        return runs.predictionFile(r, datastore, stem, e.split) !== undefined;
      } catch {
        return false;
      }
    });
    return { ...e, predictions };
  };

  app.get('/api/datastore', { schema: { querystring: QUERY.none } }, async () => {
    const names = runs.names();
    return {
      sequences: (await datastore.entries()).map((e) => withPredictions(e, names)),
      skipped: datastore.listFolder().skipped,
    };
  });
  app.get('/api/sequences/:id', { schema: { querystring: QUERY.none } }, async (req) =>
    withPredictions(await entryOf((req.params as Params).id)),
  );

  /** The sequence as stored, or mask-subtracted when ?subtract=auto|M asks (an unsubtracted DICOM cine). */
  const framesOf = async (id: string, query: Query): Promise<DsaSequence> => {
    const m = query.subtract;
    if (m === undefined) return datastore.load(id);
    if (m !== 'auto' && !/^\d{1,6}$/.test(m))
      throw new HttpError(400, `subtract must be 'auto' or a frame index, got '${m.slice(0, 40)}'`);
    return datastore.subtracted(id, m === 'auto' ? 'auto' : Number(m));
  };
  const maskHeader = (reply: FastifyReply, seq: DsaSequence) => {
    const sub = seq.meta.subtraction as { maskFrame?: number } | undefined;
    return sub?.maskFrame !== undefined ? reply.header('x-dias-mask-frame', String(sub.maskFrame)) : reply;
  };

  app.get('/api/sequences/:id/frames/:k', { schema: { querystring: QUERY.pixels } }, async (req, reply) => {
    const { id, k } = req.params as Params;
    const seq = await framesOf(id, req.query as Query);
    maskHeader(reply, seq);
    if (!/^\d{1,6}$/.test(k) || Number(k) >= seq.T)
      throw new HttpError(404, `frame '${k.slice(0, 20)}': sequence ${seq.id} has frames 0..${seq.T - 1}`);
    return sendPixels(reply, frameOf(seq, Number(k)), seq, encodingOf(seq), req.query as Query);
  });
  app.get('/api/sequences/:id/minip', { schema: { querystring: QUERY.pixels } }, async (req, reply) => {
    const seq = await framesOf((req.params as Params).id, req.query as Query);
    maskHeader(reply, seq);
    return sendPixels(reply, minIntensityProjection(seq), seq, encodingOf(seq), req.query as Query);
  });
  app.get('/api/sequences/:id/mean', { schema: { querystring: QUERY.pixels } }, async (req, reply) => {
    const seq = await framesOf((req.params as Params).id, req.query as Query);
    maskHeader(reply, seq);
    return sendPixels(reply, meanProjection(seq), seq, encodingOf(seq), req.query as Query);
  });
  app.get('/api/sequences/:id/label', { schema: { querystring: QUERY.none } }, async (req, reply) => {
    const { seq, label } = await labelled((req.params as Params).id);
    const grey = new Uint8Array(label.length);
    for (let i = 0; i < label.length; i++) grey[i] = label[i] * 255;
    return png(reply, encodeGrayPng(seq.W, seq.H, grey));
  });
  app.get('/api/sequences/:id/scribble', { schema: { querystring: QUERY.scribble } }, async (req, reply) => {
    const set = (req.query as Query).set;
    const s = datastore.scribble((req.params as Params).id, set?.slice(0, 255));
    return png(reply.header('x-dias-scribble-set', s.set), encodeGrayPng(s.width, s.height, s.data));
  });
  app.put('/api/sequences/:id/scribble', { schema: { querystring: QUERY.none } }, async (req) => {
    const type = String(req.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    if (type !== 'image/png') throw new HttpError(415, `Content-Type must be image/png, got '${type.slice(0, 60)}'`);
    if (!Buffer.isBuffer(req.body) || req.body.length === 0)
      throw new HttpError(400, 'the body must be a PNG (Content-Type: image/png)');
    return datastore.saveScribble((req.params as Params).id, req.body);
  });

  app.get('/api/sequences/:id/prediction', { schema: { querystring: QUERY.prediction } }, async (req, reply) => {
    const query = req.query as Query;
    const format = formatOf(query, ['png', 'raw']);
    const { map } = await predictionOf((req.params as Params).id, query);
    if (format === 'raw') {
      const f32 = map.data instanceof Float32Array ? map.data : Float32Array.from(map.data);
      return reply
        .type('application/octet-stream')
        .headers({ 'x-dias-width': String(map.width), 'x-dias-height': String(map.height) })
        .header('cache-control', 'no-store')
        .send(Buffer.from(f32.buffer, f32.byteOffset, f32.byteLength));
    }
    return png(reply, encodeGrayPng(map.width, map.height, probabilityImage(map.data, map.width, map.height)));
  });
  app.get('/api/sequences/:id/error', { schema: { querystring: QUERY.scored } }, async (req, reply) => {
    const query = req.query as Query;
    const threshold = thresholdOf(query);
    const { map } = await predictionOf((req.params as Params).id, query);
    const { label } = await labelled((req.params as Params).id);
    return png(reply, encodeRgbPng(errorMap(thresholdProbability(map.data, threshold), label, map.width, map.height)));
  });
  app.get('/api/sequences/:id/metrics', { schema: { querystring: QUERY.scored } }, async (req) => {
    const query = req.query as Query;
    const threshold = thresholdOf(query);
    const { entry, map } = await predictionOf((req.params as Params).id, query);
    const { label } = await labelled(entry.id);
    const { metrics } = evaluateImage(map.data, label, map.width, map.height, { threshold });
    return { id: entry.id, run: query.run, threshold, metrics: metricsOrNull(metrics) };
  });

  // ------------------------------------------------------------------------------------------------------ jobs

  const jobOf = (req: FastifyRequest): Job => {
    const id = (req.params as Params).job;
    const job = jobs.get(id);
    if (!job) throw new HttpError(404, `job '${id.slice(0, 40)}': no such job`);
    return job;
  };
  app.get('/api/jobs', { schema: { querystring: QUERY.none } }, (_req, reply) =>
    reply.send({ jobs: jobs.list().map((j) => j.toJSON()) }),
  );
  app.get('/api/jobs/:job', { schema: { querystring: QUERY.none } }, (req, reply) => reply.send(jobOf(req).toJSON()));
  app.post('/api/jobs/:job/cancel', { schema: { querystring: QUERY.none, body: BODY.empty } }, async (req, reply) => {
    const job = jobOf(req);
    if (!job.running)
      return reply.status(409).send({ error: `job ${job.id} has already ended (${job.state})`, job: job.toJSON() });
    job.cancel();
    return job.toJSON();
  });
  app.get('/api/jobs/:job/events', { schema: { querystring: QUERY.none } }, (req, reply) => {
    const job = jobOf(req);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(sseMessage({ event: 'state', data: job.toJSON() }));
    // A comment line now and then keeps proxies and browsers from closing a quiet stream (a long validation).
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    ping.unref();
    const unsubscribe = job.subscribe((e) => {
      res.write(sseMessage(e));
      if (e.event === 'done' || e.event === 'failed' || e.event === 'cancelled') {
        clearInterval(ping);
        res.end();
      }
    });
    req.raw.on('close', () => {
      clearInterval(ping);
      unsubscribe();
    });
  });

  app.post('/api/infer', { schema: { querystring: QUERY.none, body: BODY.infer } }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body.run !== 'string') throw new HttpError(400, 'run: required, the name of a run under --runs');
    if (typeof body.sequence !== 'string' && typeof body.sequence !== 'number')
      throw new HttpError(400, 'sequence: required, a sequence id');
    const mode = (body.mode ?? 'fast') as InferMode;
    if (mode !== 'fast' && mode !== 'full')
      throw new HttpError(400, `mode must be fast or full, got '${String(mode).slice(0, 40)}'`);
    const checkpoint = checkpointOf(body.checkpoint);
    weightsOf(body.run, checkpoint);
    const entry = await entryOf(String(body.sequence));
    const { job } = startInfer(body.run, entry.id, mode, checkpoint, entry);
    return reply.status(202).send({ job: job.id, events: `/api/jobs/${job.id}/events` });
  });

  app.post('/api/train', { schema: { querystring: QUERY.none, body: BODY.train } }, async (req, reply) => {
    const running = training.busy;
    if (running)
      return reply.status(409).send({
        error: `training job ${running.id} (run ${String(running.details.run)}) is still running; one at a time`,
        job: running.id,
      });
    const { name, runDir, config } = trainConfigFromBody(req.body, datastore, runs);
    const job = jobs.create('train', { run: name, recipe: config.train.recipe });
    void training.start(job, runDir, config);
    return reply.status(202).send({ job: job.id, run: name, events: `/api/jobs/${job.id}/events` });
  });

  /** The run /api/next ranks by: the one asked for, else the newest with a best checkpoint. */
  const nextRun = (asked: unknown): string => {
    if (asked !== undefined && typeof asked !== 'string') throw new HttpError(400, 'run: must be a run name');
    const run =
      asked ??
      runs.names().find((n) => {
        try {
          return weightsOf(n, 'best') !== undefined;
        } catch {
          return false;
        }
      });
    if (!run)
      throw new HttpError(
        404,
        'no run with a checkpoint to rank the sequences by (train one, or start with --runs DIR)',
      );
    weightsOf(run, 'best');
    return run;
  };
  /** The sequences still to annotate (of `split` when given), each with whether `run` has a stored map of it. */
  const toAnnotate = async (run: string, split: unknown) => {
    if (split !== undefined) {
      if (datastore.layout !== 'dias')
        throw new HttpError(400, `split: a ${datastore.layout} dataset has no splits; leave split out`);
      if (typeof split !== 'string' || !DIAS_SPLITS.includes(split as DiasSplit))
        throw new HttpError(
          400,
          `split must be one of ${DIAS_SPLITS.join(', ')}, got ${JSON.stringify(split)?.slice(0, 40)}`,
        );
    }
    const all = await datastore.entries();
    // A sequence that cannot be read (listed with size 0) is not a candidate: its own requests say why.
    const open = all.filter(
      (e) => e.canScribble && !e.scribble && e.width > 0 && (split === undefined || e.split === split),
    );
    if (open.length === 0)
      throw new HttpError(
        404,
        `every sequence that can take scribbles${split === undefined ? '' : ` in ${String(split)}/`} has the annotator's already`,
      );
    return open.map((e) => ({
      entry: e,
      stored: runs.predictionFile(run, datastore, outputStem(datastore, e.id), e.split) !== undefined,
    }));
  };

  // Ranking only reads stored maps: a GET never starts work (a cross-site <img src> could otherwise make the server
  // predict and write). Maps still missing are made by the explicit POST below.
  app.get('/api/next', { schema: { querystring: QUERY.next } }, async (req) => {
    const query = req.query as Query;
    const run = nextRun(query.run);
    const open = await toAnnotate(run, query.split);
    const unpredicted = open.filter((c) => !c.stored).map((c) => c.entry.id);
    const candidates = open
      .filter((c) => c.stored)
      .map(({ entry: e }) => ({
        id: e.id,
        entropy: meanBinaryEntropy(runs.prediction(run, datastore, outputStem(datastore, e.id), e.split)!.data),
      }));
    if (candidates.length === 0)
      throw new HttpError(
        409,
        `run '${run}' has predicted none of the ${unpredicted.length} sequences still to annotate: POST /api/next/predict first`,
      );
    const ranked = rankByEntropy(candidates);
    return { id: ranked[0].id, run, entropy: ranked[0].entropy, candidates: ranked, unpredicted };
  });

  app.post('/api/next/predict', { schema: { querystring: QUERY.none, body: BODY.nextPredict } }, async (req, reply) => {
    const body = req.body as { run?: unknown; split?: unknown };
    const run = nextRun(body.run);
    const missing = (await toAnnotate(run, body.split)).filter((c) => !c.stored).map((c) => c.entry);
    if (missing.length === 0) return reply.send({ job: null, sequences: [] });
    const job = jobs.create('infer', { run, sequences: missing.map((e) => e.id), mode: 'fast', checkpoint: 'best' });
    let current: Job | null = null;
    job.cancel = () => {
      current?.cancel();
      job.finish('cancelled', null);
    };
    void (async () => {
      for (const [i, e] of missing.entries()) {
        if (!job.running) return;
        job.emit('progress', { done: i, total: missing.length, sequence: e.id });
        const step = startInfer(run, e.id, 'fast', 'best', e);
        current = step.job;
        await step.done;
        if (step.job.state === 'failed') return job.finish('failed', { error: `sequence ${e.id}: ${step.job.error}` });
        if (step.job.state === 'cancelled') return job.finish('cancelled', null);
      }
      job.emit('progress', { done: missing.length, total: missing.length });
      job.finish('done', { run, sequences: missing.map((e) => e.id), next: '/api/next' });
    })();
    return reply
      .status(202)
      .send({ job: job.id, events: `/api/jobs/${job.id}/events`, sequences: missing.map((e) => e.id) });
  });

  // ------------------------------------------------------------------------------------------------- the page

  const sendStatic = (reply: FastifyReply, file: string) => {
    const type = STATIC_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    return reply.type(type).send(readFileSync(file));
  };
  app.get('/', async (_req, reply) => {
    const index = join(webDir, 'index.html');
    return existsSync(index) ? sendStatic(reply, index) : reply.type('text/html; charset=utf-8').send(NO_PAGE);
  });
  app.get('/*', async (req, reply) => {
    const rel = (req.params as Params)['*'];
    const file = resolve(webDir, rel);
    if (rel.startsWith('api/') || !isInside(webDir, file) || !existsSync(file) || !statSync(file).isFile()) {
      throw new HttpError(404, `/${rel.slice(0, 200)}: not found`);
    }
    return sendStatic(reply, file);
  });

  return { app, datastore, runs, jobs };
}

export interface ListenOptions extends ServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
}

/**
 * Builds the server and listens; refuses a non-loopback host without a token before opening anything (an error
 * with exitCode 2, a usage error to the CLI). Resolves with the server and the URL to open (with the token).
 */
export async function startServer(o: ListenOptions): Promise<DiasServer & { url: string }> {
  const problem = bindProblem(o.host, o.token);
  if (problem) throw Object.assign(new Error(problem), { exitCode: 2 });
  const server = buildServer(o);
  await server.app.listen({ host: o.host, port: o.port });
  const address = server.app.server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  const shown = o.host === '0.0.0.0' || o.host === '::' ? hostname() : o.host.includes(':') ? `[${o.host}]` : o.host;
  const url = `http://${shown}:${port}/${o.token ? `?token=${encodeURIComponent(o.token)}` : ''}`;
  return { ...server, url };
}
