// The jobs (inference and training) as resources: list, one, cancel, and its events as Server-Sent Events
// (docs/server-api.md). Starting jobs is the business of the infer, train and next routes.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.js';
import { sseMessage, type Job } from '../jobs.js';
import type { Params } from '../replies.js';
import { HttpError } from '../safe-paths.js';
import { BODY, QUERY } from '../schemas.js';

/** How often a quiet event stream gets a comment line, so proxies and browsers keep it open (a long validation). */
const PING_MS = 15_000;

export function jobRoutes(ctx: ServerContext): FastifyPluginAsync {
  const jobOf = (req: FastifyRequest): Job => {
    const id = (req.params as Params).job;
    const job = ctx.jobs.get(id);
    if (!job) throw new HttpError(404, `job '${id.slice(0, 40)}': no such job`);
    return job;
  };

  return async (app) => {
    app.get('/api/jobs', { schema: { querystring: QUERY.none } }, () => ({
      jobs: ctx.jobs.list().map((j) => j.toJSON()),
    }));
    app.get('/api/jobs/:job', { schema: { querystring: QUERY.none } }, (req) => jobOf(req).toJSON());
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
      const ping = setInterval(() => res.write(': ping\n\n'), PING_MS);
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
  };
}
