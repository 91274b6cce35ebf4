// GET a run's stored prediction of a sequence (probability as PNG or float32), its error map against the label
// and its metrics (docs/server-api.md). The maps are those POST /api/infer or `dias test` stored.
import type { FastifyPluginAsync } from 'fastify';
import { errorMap, probabilityImage } from '../../eval/pictures.js';
import { metricsOrNull } from '../../eval/report.js';
import { encodeGrayPng, encodeRgbPng } from '../../image/png.js';
import { evaluateImage, thresholdProbability } from '../../metrics/metrics.js';
import type { ServerContext } from '../context.js';
import { formatOf, png, thresholdOf, type Params, type Query } from '../replies.js';
import { QUERY } from '../schemas.js';

export function predictionRoutes(ctx: ServerContext): FastifyPluginAsync {
  return async (app) => {
    app.get('/api/sequences/:id/prediction', { schema: { querystring: QUERY.prediction } }, async (req, reply) => {
      const query = req.query as Query;
      const format = formatOf(query, ['png', 'raw']);
      const { map } = await ctx.predictionOf((req.params as Params).id, query.run);
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
      const { entry, map } = await ctx.predictionOf((req.params as Params).id, query.run);
      const { label } = await ctx.labelled(entry.id);
      const mask = thresholdProbability(map.data, threshold);
      return png(reply, encodeRgbPng(errorMap(mask, label, map.width, map.height)));
    });

    app.get('/api/sequences/:id/metrics', { schema: { querystring: QUERY.scored } }, async (req) => {
      const query = req.query as Query;
      const threshold = thresholdOf(query);
      const { entry, map } = await ctx.predictionOf((req.params as Params).id, query.run);
      const { label } = await ctx.labelled(entry.id);
      const { metrics } = evaluateImage(map.data, label, map.width, map.height, { threshold });
      return { id: entry.id, run: query.run, threshold, metrics: metricsOrNull(metrics) };
    });
  };
}
