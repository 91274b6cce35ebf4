// Which sequence to annotate next (docs/server-api.md): GET /api/next ranks the sequences still to annotate by the
// server's strategy (next-sample.ts) over the maps already stored, and never starts work (a cross-site <img> must
// not make the server predict and write); POST /api/next/predict makes the missing maps, as one job.
import type { FastifyPluginAsync } from 'fastify';
import { DIAS_SPLITS, type DiasSplit } from '../../data/readers/dias-layout.js';
import type { ServerContext } from '../context.js';
import { DEFAULT_MODEL_RUN } from '../default-model-store.js';
import type { Job } from '../jobs.js';
import type { Query } from '../replies.js';
import { HttpError } from '../safe-paths.js';
import { BODY, QUERY } from '../schemas.js';

export function nextRoutes(ctx: ServerContext): FastifyPluginAsync {
  const { datastore } = ctx;

  /** The run to rank by: the one asked for, else the newest with a best checkpoint, else the default model. */
  const runOf = (asked: string | undefined): string => {
    const run = asked ?? ctx.newestTrainedRun() ?? (ctx.defaultModel.available ? DEFAULT_MODEL_RUN : undefined);
    if (!run)
      throw new HttpError(
        404,
        'no run with a checkpoint to rank the sequences by, and no default model (train one, or start with --runs DIR)',
      );
    ctx.weightsOf(run, 'best');
    return run;
  };

  /** The sequences still to annotate (of `split` when given), each with whether `run` has a stored map of it. */
  const toAnnotate = async (run: string, split: string | undefined) => {
    if (split !== undefined) {
      if (datastore.layout !== 'dias')
        throw new HttpError(400, `split: a ${datastore.layout} dataset has no splits; leave split out`);
      if (!DIAS_SPLITS.includes(split as DiasSplit))
        throw new HttpError(400, `split must be one of ${DIAS_SPLITS.join(', ')}, got '${split.slice(0, 40)}'`);
    }
    // A sequence that cannot be read (listed with size 0) is not a candidate: its own requests say why.
    const open = (await datastore.entries()).filter(
      (e) => e.canScribble && !e.scribble && e.width > 0 && (split === undefined || e.split === split),
    );
    if (open.length === 0) {
      const where = split === undefined ? '' : ` in ${split}/`;
      throw new HttpError(404, `every sequence that can take scribbles${where} has the annotator's already`);
    }
    return open.map((entry) => ({ entry, stored: ctx.hasPrediction(run, entry) }));
  };

  /** Predicts `missing` one after another as one job; each sequence is its own infer job too. */
  const predictAll = (run: string, missing: Awaited<ReturnType<typeof toAnnotate>>[number]['entry'][]): Job => {
    const ids = missing.map((e) => e.id);
    const job = ctx.jobs.create('infer', { run, sequences: ids, mode: 'fast', checkpoint: 'best' });
    let current: Job | null = null;
    job.cancel = () => {
      current?.cancel();
      job.finish('cancelled', null);
    };
    void (async () => {
      for (const [i, e] of missing.entries()) {
        if (!job.running) return;
        job.emit('progress', { done: i, total: missing.length, sequence: e.id });
        const step = ctx.startInfer(run, 'fast', 'best', e);
        current = step.job;
        await step.done;
        if (step.job.state === 'failed') return job.finish('failed', { error: `sequence ${e.id}: ${step.job.error}` });
        if (step.job.state === 'cancelled') return job.finish('cancelled', null);
      }
      job.emit('progress', { done: missing.length, total: missing.length });
      job.finish('done', { run, sequences: ids, next: '/api/next' });
    })();
    return job;
  };

  return async (app) => {
    app.get('/api/next', { schema: { querystring: QUERY.next } }, async (req) => {
      const query = req.query as Query;
      const run = runOf(query.run);
      const open = await toAnnotate(run, query.split);
      const unpredicted = open.filter((c) => !c.stored).map((c) => c.entry.id);
      const stored = open
        .filter((c) => c.stored)
        .map(({ entry: e }) => ({
          id: e.id,
          prob: ctx.storedPrediction(run, e)!.data,
        }));
      if (stored.length === 0)
        throw new HttpError(
          409,
          `run '${run}' has predicted none of the ${unpredicted.length} sequences still to annotate: POST /api/next/predict first`,
        );
      const ranked = ctx.nextSample.rank(stored);
      return { id: ranked[0].id, run, entropy: ranked[0].entropy, candidates: ranked, unpredicted };
    });

    app.post(
      '/api/next/predict',
      { schema: { querystring: QUERY.none, body: BODY.nextPredict } },
      async (req, reply) => {
        const body = req.body as { run?: string; split?: string };
        const run = runOf(body.run);
        const missing = (await toAnnotate(run, body.split)).filter((c) => !c.stored).map((c) => c.entry);
        if (missing.length === 0) return { job: null, sequences: [] };
        const job = predictAll(run, missing);
        return reply
          .status(202)
          .send({ job: job.id, events: `/api/jobs/${job.id}/events`, sequences: missing.map((e) => e.id) });
      },
    );
  };
}
