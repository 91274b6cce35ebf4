// POST /api/infer: segment one sequence with a run's checkpoint, as a job in the inference worker
// (docs/server-api.md). The body's shape is checked by its schema; the names by the context.
import type { FastifyPluginAsync } from 'fastify';
import type { ServerContext } from '../context.js';
import type { InferMode } from '../inference.js';
import { BODY, QUERY } from '../schemas.js';

interface InferBody {
  run: string;
  sequence: string | number;
  mode?: InferMode;
  checkpoint?: string;
}

export function inferRoutes(ctx: ServerContext): FastifyPluginAsync {
  return async (app) => {
    app.post('/api/infer', { schema: { querystring: QUERY.none, body: BODY.infer } }, async (req, reply) => {
      const body = req.body as InferBody;
      const checkpoint = ctx.checkpointOf(body.checkpoint);
      ctx.weightsOf(body.run, checkpoint);
      const entry = await ctx.datastore.entry(String(body.sequence));
      const { job } = ctx.startInfer(body.run, body.mode ?? 'fast', checkpoint, entry);
      return reply.status(202).send({ job: job.id, events: `/api/jobs/${job.id}/events` });
    });
  };
}
