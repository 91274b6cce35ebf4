// The viewer page: GET / and the files of packages/web/dist (built by `npm run setup`), or a short note when the
// page has not been built; nothing outside the page's folder is ever sent.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Params } from '../replies.js';
import { HttpError, isInside } from '../safe-paths.js';

const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

const NO_PAGE = `<!doctype html><meta charset="utf-8"><title>dias serve</title>
<h1>dias serve</h1><p>The viewer page has not been built yet (<code>npm run setup</code>, or
<code>npm run build -w packages/web</code>). The API answers under <a href="/api/info">/api/info</a>;
docs/server-api.md describes it.</p>`;

/** packages/web/dist, from the sources (src/server/routes) or the build (dist/src/server/routes). */
export function defaultWebDir(): string {
  for (const up of ['../../../../web/dist', '../../../../../web/dist']) {
    const dir = resolve(new URL(up, import.meta.url).pathname);
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return resolve(new URL('../../../../web/dist', import.meta.url).pathname);
}

export function pageRoutes(webDir: string): FastifyPluginAsync {
  const sendStatic = (reply: FastifyReply, file: string) => {
    const type = STATIC_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    return reply.type(type).send(readFileSync(file));
  };
  return async (app) => {
    app.get('/', async (_req, reply) => {
      const index = join(webDir, 'index.html');
      return existsSync(index) ? sendStatic(reply, index) : reply.type('text/html; charset=utf-8').send(NO_PAGE);
    });
    app.get('/*', async (req, reply) => {
      const rel = (req.params as Params)['*'];
      const file = resolve(webDir, rel);
      if (rel.startsWith('api/') || !isInside(webDir, file) || !existsSync(file) || !statSync(file).isFile()) {
        throw new HttpError(404, `/${rel.slice(0, 200)}: not found`);
      }
      return sendStatic(reply, file);
    });
  };
}
