// GET and PUT the annotator's scribble of a sequence (docs/server-api.md): read from any set, written only into
// the annotator's set, checked and saved by the datastore.
import type { FastifyPluginAsync } from 'fastify';
import { encodeGrayPng } from '../../image/png.js';
import type { ServerContext } from '../context.js';
import { png, type Params, type Query } from '../replies.js';
import { HttpError } from '../safe-paths.js';
import { QUERY } from '../schemas.js';

export function scribbleRoutes(ctx: ServerContext): FastifyPluginAsync {
  return async (app) => {
    app.get('/api/sequences/:id/scribble', { schema: { querystring: QUERY.scribble } }, async (req, reply) => {
      const set = (req.query as Query).set;
      const s = ctx.datastore.scribble((req.params as Params).id, set?.slice(0, 255));
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
      return ctx.datastore.saveScribble((req.params as Params).id, req.body);
    });
  };
}
