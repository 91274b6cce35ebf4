// GET the parametric (colour-coded) maps of a sequence and its artery/vein label (docs/server-api.md): what
// `dias perfusion` computes (eval/perfusion.ts) from the sequence's own frame times, as a transparent colour
// overlay for the viewer, as float32, or as its colour bar; and the 0/1/2 label `dias synth --classes av` writes.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import type { DsaSequence } from '../../data/sequence.js';
import { readGrayPng, encodeGrayPng, encodeRgbaPng, encodeRgbPng } from '../../image/png.js';
import {
  PERFUSION_MAPS,
  PERFUSION_TITLES,
  PERFUSION_UNITS,
  perfusionMaps,
  type PerfusionMapName,
  type PerfusionMaps,
} from '../../eval/perfusion.js';
import { colourBar, parametricOverlay, valueRange } from '../../eval/perfusion-picture.js';
import type { ServerContext } from '../context.js';
import { formatOf, png, type Params, type Query } from '../replies.js';
import { HttpError, realInside } from '../safe-paths.js';
import { QUERY } from '../schemas.js';

/** Time maps red (early) to blue (late), as `dias perfusion` draws them. */
const reversed = (map: PerfusionMapName) => PERFUSION_UNITS[map] === 'ms' && map !== 'mtt';

export function perfusionRoutes(ctx: ServerContext): FastifyPluginAsync {
  // The maps of the sequences loaded last: computed once per loaded sequence (the datastore hands out the same
  // object until a file changes), forgotten with it.
  const computed = new WeakMap<DsaSequence, PerfusionMaps>();
  const mapsOf = async (id: string): Promise<PerfusionMaps> => {
    const seq = await ctx.datastore.load(id);
    let maps = computed.get(seq);
    if (!maps) {
      try {
        maps = perfusionMaps(seq);
      } catch (e) {
        throw new HttpError(422, (e as Error).message);
      }
      computed.set(seq, maps);
    }
    return maps;
  };

  /** The artery/vein label file of a sequence: DIAS labels_av/, or truth/label_av.png of a complete run's folder. */
  const avLabelFile = async (id: string): Promise<string | undefined> => {
    const ds = ctx.datastore;
    const entry = await ds.entry(id);
    let path: string | undefined;
    if (ds.layout === 'dias') path = ds.dias().find(Number(entry.id), entry.split ?? undefined)?.labelAv;
    else if (ds.layout === 'folder') {
      const candidate = join(ds.root, entry.id, 'truth', 'label_av.png');
      if (existsSync(candidate)) path = candidate;
    }
    return path && realInside(ds.realRoot, path, `the artery/vein label of sequence ${entry.id}`);
  };

  return async (app) => {
    app.get('/api/sequences/:id/perfusion', { schema: { querystring: QUERY.perfusion } }, async (req, reply) => {
      const query = req.query as Query;
      const name = (query.map ?? 'ttp') as PerfusionMapName;
      if (!PERFUSION_MAPS.includes(name))
        throw new HttpError(
          400,
          `map must be one of ${PERFUSION_MAPS.join(', ')}, got '${String(query.map).slice(0, 40)}'`,
        );
      const format = formatOf(query, ['png', 'raw', 'legend']);
      if (format === 'legend') return png(reply, encodeRgbPng(colourBar(16, 256, reversed(name))));
      const maps = await mapsOf((req.params as Params).id);
      const map = maps.maps[name];
      const [lo, hi] = valueRange(map);
      reply.headers({
        'x-dias-map': name,
        'x-dias-title': PERFUSION_TITLES[name],
        'x-dias-unit': PERFUSION_UNITS[name],
        'x-dias-range': `${lo} ${hi}`,
        'x-dias-pixels': String(maps.pixels),
        'x-dias-width': String(maps.W),
        'x-dias-height': String(maps.H),
      });
      if (format === 'raw')
        return reply
          .type('application/octet-stream')
          .header('cache-control', 'no-store')
          .send(Buffer.from(map.buffer, map.byteOffset, map.byteLength));
      return png(reply, encodeRgbaPng(maps.W, maps.H, parametricOverlay(map, [lo, hi], reversed(name))));
    });

    app.get('/api/sequences/:id/label-av', { schema: { querystring: QUERY.none } }, async (req, reply) => {
      const id = (req.params as Params).id;
      const path = await avLabelFile(id);
      if (!path) throw new HttpError(404, `sequence ${id.slice(0, 80)} has no artery/vein label`);
      const img = readGrayPng(path);
      for (const v of img.data)
        if (v !== 0 && v !== 1 && v !== 2)
          throw new HttpError(422, `${path}: artery/vein label values must be 0, 1 or 2; found ${v}`);
      return png(reply, encodeGrayPng(img.width, img.height, img.data));
    });
  };
}
