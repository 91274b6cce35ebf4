// POST /api/train: a training run into --runs as a job in its own worker, one at a time (docs/server-api.md).
// The request becomes a config in training.ts, by the functions `dias train` uses.
import type { FastifyPluginAsync } from 'fastify';
import type { ServerContext } from '../context.js';
import { BODY, QUERY } from '../schemas.js';
import { trainConfigFromBody } from '../train-request.js';

export function trainRoutes(ctx: ServerContext): FastifyPluginAsync {
  return async (app) => {
    app.post('/api/train', { schema: { querystring: QUERY.none, body: BODY.train } }, async (req, reply) => {
      const running = ctx.training.busy;
      if (running)
        return reply.status(409).send({
          error: `training job ${running.id} (run ${String(running.details.run)}) is still running; one at a time`,
          job: running.id,
        });
      const { name, runDir, config } = trainConfigFromBody(req.body, ctx.datastore, ctx.runs);
      const job = ctx.jobs.create('train', { run: name, recipe: config.train.recipe });
      void ctx.training.start(job, runDir, config);
      return reply.status(202).send({ job: job.id, run: name, events: `/api/jobs/${job.id}/events` });
    });
  };
}
