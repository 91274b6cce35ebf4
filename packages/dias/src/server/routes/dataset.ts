// GET /api/info, /api/datastore and /api/sequences/:id: what is served (the dataset, its sequences, the runs and
// the recipes), as docs/server-api.md describes.
import type { FastifyPluginAsync } from 'fastify';
import { allRecipes } from '../../train/recipes/index.js';
import { VERSION } from '../../version.js';
import type { ServerContext } from '../context.js';
import type { SequenceEntry } from '../datastore.js';
import type { RunInfo } from '../run-store.js';
import type { Params } from '../replies.js';
import { QUERY } from '../schemas.js';

/** Each recipe with what it learns from (label or scribble), for the page's training panel. */
function recipeList() {
  return allRecipes().map((r) => ({ name: r.name, summary: r.summary, targets: r.targets }));
}

export function datasetRoutes(ctx: ServerContext): FastifyPluginAsync {
  const { datastore, runs } = ctx;
  const withPredictions = (e: SequenceEntry, names = ctx.runNames()) => {
    const predictions = names.filter((r) => {
      try {
        return ctx.hasPrediction(r, e);
      } catch {
        return false;
      }
    });
    return { ...e, predictions };
  };

  return async (app) => {
    app.get('/api/info', { schema: { querystring: QUERY.none } }, () => {
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
      return {
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
        // The shipped model, run ':default' for every request that names a run (null when not installed).
        defaultModel: ctx.defaultModel.info(),
        brokenRuns,
        runsDir: runs.root,
        recipes: recipeList(),
        train: ctx.training.busy?.toJSON() ?? null,
      };
    });

    app.get('/api/datastore', { schema: { querystring: QUERY.none } }, async () => {
      const names = ctx.runNames();
      return {
        sequences: (await datastore.entries()).map((e) => withPredictions(e, names)),
        skipped: datastore.listFolder().skipped,
      };
    });

    app.get('/api/sequences/:id', { schema: { querystring: QUERY.none } }, async (req) =>
      withPredictions(await datastore.entry((req.params as Params).id)),
    );
  };
}
