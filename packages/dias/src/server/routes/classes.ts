// GET a run's stored artery/vein class map of a sequence (issue 20; docs/server-api.md): the {stem}_classes.png that
// POST /api/infer or `dias test` wrote for a run trained on the artery/vein labels (dias train --classes av), as
// 8-bit grey holding the class numbers (0 background, 1 artery, 2 vein: the encoding of labels_av/ and of
// `dias segment`). The viewer paints it over the frames in two colours, as it paints the artery/vein label.
import type { FastifyPluginAsync } from 'fastify';
import { encodeGrayPng, readGrayPng } from '../../image/png.js';
import type { ServerContext } from '../context.js';
import { outputStem } from '../run-store.js';
import { png, type Params, type Query } from '../replies.js';
import { HttpError } from '../safe-paths.js';
import { QUERY } from '../schemas.js';

export function classMapRoutes(ctx: ServerContext): FastifyPluginAsync {
  return async (app) => {
    app.get('/api/sequences/:id/classes', { schema: { querystring: QUERY.classes } }, async (req, reply) => {
      const { run } = req.query as Query;
      if (!run) throw new HttpError(400, 'run: required (?run=NAME)');
      const entry = await ctx.datastore.entry((req.params as Params).id);
      const labels = ctx.runs.config(run).data.labels;
      if (labels !== 'av')
        throw new HttpError(
          404,
          `run '${run}' was trained on the ${labels} labels: it has no artery/vein map (train with --classes av)`,
        );
      const file = ctx.runs.classMapFile(run, ctx.datastore, outputStem(ctx.datastore, entry.id), entry.split);
      if (!file)
        throw new HttpError(404, `run '${run}' has no class map of sequence ${entry.id} yet (POST /api/infer)`);
      const img = readGrayPng(file);
      if (img.width !== entry.width || img.height !== entry.height)
        throw new HttpError(422, `${file}: ${img.width}x${img.height}, the sequence ${entry.width}x${entry.height}`);
      for (const v of img.data)
        if (v !== 0 && v !== 1 && v !== 2)
          throw new HttpError(422, `${file}: class values must be 0, 1 or 2; found ${v}`);
      return png(reply, encodeGrayPng(img.width, img.height, img.data));
    });
  };
}
