/**
 * Serves the built web app (`web/dist`, made by `vite build web`) from the API's own origin, so the
 * session cookie and the WebSocket need no CORS. Hashed assets (`/assets/*`) are cached for a year;
 * `index.html` never. Any other GET that accepts HTML and is not under `/api/` or `/socket.io/`
 * gets `index.html` (the app's router takes it from there); everything else keeps the API's JSON 404.
 *
 * Without a build (tests, `npm run dev` with Vite's dev server in front) it serves nothing.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** `web/dist` seen from this file, whether it runs from source (`server/`) or built (`dist/server/`). */
const CANDIDATE_ROOTS = ['../../web/dist/', '../../../web/dist/'].map((p) =>
  fileURLToPath(new URL(p, import.meta.url)),
);

const NOT_THE_APP = /^\/(api|socket\.io)(\/|$)|^\/metrics$/;
/** A file at the top of the build (`favicon.svg`), as opposed to a page of the app. */
const TOP_LEVEL_FILE = /^\/([\w-]+\.[\w.]+)$/;

export async function registerWebApp(app: FastifyInstance, root = findBuild()): Promise<void> {
  if (!root) {
    app.log.info('web app not built (run `npm run build`): serving the API only');
    return;
  }
  await app.register(fastifyStatic, {
    root: join(root, 'assets'),
    prefix: '/assets/',
    index: false,
    // Names carry a content hash: a new build is new names, never a changed file.
    maxAge: '365d',
    immutable: true,
  });
  app.get('/*', { schema: { hide: true } }, (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (NOT_THE_APP.test(path)) return reply.callNotFound();
    const file = TOP_LEVEL_FILE.exec(path)?.[1];
    if (file && file !== 'index.html' && existsSync(join(root, file))) {
      return reply.sendFile(file, root, { maxAge: '1h' });
    }
    if ((!file || file === 'index.html') && acceptsHtml(request)) {
      return reply.header('cache-control', 'no-cache').sendFile('index.html', root, { cacheControl: false });
    }
    return reply.callNotFound();
  });
}

/** Browsers navigating ask for HTML; scripts and API clients do not. */
function acceptsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

function findBuild(): string | undefined {
  return CANDIDATE_ROOTS.find((root) => existsSync(join(root, 'index.html')));
}
