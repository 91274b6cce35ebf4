// GET frames, projections (MinIP, mean) and the label of a sequence, as PNG or raw stored values; `?subtract=`
// makes an unsubtracted cine DSA first (docs/server-api.md).
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { meanProjection, minIntensityProjection } from '../../data/pipeline/preprocess.js';
import { frameOf, type DsaSequence } from '../../data/sequence.js';
import { encodeGrayPng } from '../../image/png.js';
import type { ServerContext } from '../context.js';
import { png, sendPixels, type Params, type Query } from '../replies.js';
import { HttpError } from '../safe-paths.js';
import { QUERY } from '../schemas.js';

export function pixelRoutes(ctx: ServerContext): FastifyPluginAsync {
  const { datastore } = ctx;
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
  const projection =
    (project: (seq: DsaSequence) => Float32Array) =>
    async (req: { params: unknown; query: unknown }, reply: FastifyReply) => {
      const seq = await framesOf((req.params as Params).id, req.query as Query);
      maskHeader(reply, seq);
      return sendPixels(reply, project(seq), seq, ctx.encodingOf(seq), req.query as Query);
    };

  return async (app) => {
    app.get('/api/sequences/:id/frames/:k', { schema: { querystring: QUERY.pixels } }, async (req, reply) => {
      const { id, k } = req.params as Params;
      const seq = await framesOf(id, req.query as Query);
      maskHeader(reply, seq);
      if (!/^\d{1,6}$/.test(k) || Number(k) >= seq.T)
        throw new HttpError(404, `frame '${k.slice(0, 20)}': sequence ${seq.id} has frames 0..${seq.T - 1}`);
      return sendPixels(reply, frameOf(seq, Number(k)), seq, ctx.encodingOf(seq), req.query as Query);
    });
    app.get('/api/sequences/:id/minip', { schema: { querystring: QUERY.pixels } }, projection(minIntensityProjection));
    app.get('/api/sequences/:id/mean', { schema: { querystring: QUERY.pixels } }, projection(meanProjection));
    app.get('/api/sequences/:id/label', { schema: { querystring: QUERY.none } }, async (req, reply) => {
      const { seq, label } = await ctx.labelled((req.params as Params).id);
      const grey = new Uint8Array(label.length);
      for (let i = 0; i < label.length; i++) grey[i] = label[i] * 255;
      return png(reply, encodeGrayPng(seq.W, seq.H, grey));
    });
  };
}
