// The HTTP API of `dias serve` (docs/server-api.md), on Fastify. The shape is MONAI Label's server
// (monailabel/endpoints: /info, /datastore, /infer, /train, /activelearning as "next sample"), reduced to what a
// DSA sequence needs and answered from the project's own pieces: the readers (datastore.ts), the run folders
// (run-store.ts), the one Predictor in a worker thread (inference.ts), trainRun in a worker thread (training.ts).
// Deviations from MONAI Label: jobs report through Server-Sent Events instead of being polled; scribbles are PNGs
// in the DIAS encoding, written into the dataset, not a label store; there is no auth server, only a token.
//
// This file sets up what every request goes through (access, the cross-site rule, errors, body parsing) and
// registers the endpoint groups, one Fastify plugin per file in routes/, each handed the shared context.
import { hostname } from 'node:os';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  bindProblem,
  crossSiteProblem,
  hostOfHeader,
  isLoopbackHost,
  requestToken,
  tokenMatches,
  TOKEN_COOKIE,
} from './access.js';
import { ServerContext } from './context.js';
import { Datastore } from './datastore.js';
import { InferenceService } from './inference.js';
import { JobRegistry } from './jobs.js';
import { EntropyStrategy } from './next-sample.js';
import type { Query } from './replies.js';
import { datasetRoutes } from './routes/dataset.js';
import { inferRoutes } from './routes/infer.js';
import { jobRoutes } from './routes/jobs.js';
import { nextRoutes } from './routes/next.js';
import { defaultWebDir, pageRoutes } from './routes/page.js';
import { perfusionRoutes } from './routes/perfusion.js';
import { classMapRoutes } from './routes/classes.js';
import { pixelRoutes } from './routes/pixels.js';
import { predictionRoutes } from './routes/predictions.js';
import { scribbleRoutes } from './routes/scribbles.js';
import { trainRoutes } from './routes/train.js';
import { RunStore } from './run-store.js';
import { confineMessage, HttpError } from './safe-paths.js';
import { AJV_OPTIONS, schemaErrorMessage } from './schemas.js';
import { TrainingService } from './training-service.js';

export { defaultWebDir } from './routes/page.js';

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
  /** Loads the likeliest model into the inference worker and predicts once (ServerContext.warmUp). */
  warmUp: ServerContext['warmUp'];
}

/** Who may ask: the token when one is set, else a loopback Host (DNS rebinding); access.ts says why. */
function checkAccess(app: FastifyInstance, token: string | undefined): void {
  app.addHook('onRequest', async (req, reply) => {
    if (!token) {
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
      tokenMatches(query.token, token)
    ) {
      return reply
        .header('set-cookie', `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`)
        .redirect('/', 303);
    }
    const given = requestToken(req.headers);
    if (given === undefined || !tokenMatches(given, token))
      return reply.status(401).send({
        error: 'a valid token is required (Authorization: Bearer T, X-Dias-Token, or open the URL dias serve printed)',
      });
  });
  // Cross-site requests: refused before anything is parsed or done (access.ts, docs/server-api.md).
  app.addHook('onRequest', async (req, reply) => {
    const problem = crossSiteProblem(req.method, req.url.split('?')[0], req.headers);
    if (problem) return reply.status(403).send({ error: problem });
  });
}

/** Errors as `{"error": message}` with their status; a 5xx names no path outside the served folders. */
function answerErrors(app: FastifyInstance, confine: (message: string) => string): void {
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
}

export function buildServer(options: ServerOptions): DiasServer {
  const datastore = Datastore.open(options.data);
  const runs = new RunStore(options.runs);
  // Messages a client sees of failed jobs and server errors name no path outside the served folders.
  const roots = [datastore.root, datastore.realRoot, ...(runs.root ? [runs.root, runs.realRootOrSelf] : [])];
  const confine = (message: string) => confineMessage(message, roots);
  const jobs = new JobRegistry(100, confine);
  const ctx = new ServerContext(
    datastore,
    runs,
    jobs,
    new InferenceService(),
    new TrainingService(),
    new EntropyStrategy(),
    options.webDir ?? defaultWebDir(),
  );
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
  answerErrors(app, confine);
  checkAccess(app, options.token);
  app.addHook('onClose', async () => {
    await ctx.training.close();
    await ctx.inference.close();
  });
  for (const routes of [
    datasetRoutes,
    pixelRoutes,
    scribbleRoutes,
    predictionRoutes,
    jobRoutes,
    inferRoutes,
    trainRoutes,
    nextRoutes,
    perfusionRoutes,
    classMapRoutes,
  ])
    void app.register(routes(ctx));
  void app.register(pageRoutes(ctx.webDir));
  return { app, datastore, runs, jobs, warmUp: () => ctx.warmUp() };
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
