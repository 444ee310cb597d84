import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { fileResponse, NOT_MODIFIED } from './openapi/responses.js';

const PUBLIC_DIR = fileURLToPath(new URL('../../public', import.meta.url));
// hls.js from the npm package, never a CDN.
const HLS_DIST = path.dirname(createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js'));

/** The stream list (/), the player (/player), the recordings (/recordings), the camera wall (/wall), the events (/events) and what they load. */
export const pages: FastifyPluginAsync = async (app) => {
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/assets/', decorateReply: true, index: false });
  await app.register(fastifyStatic, {
    root: HLS_DIST,
    prefix: '/vendor/',
    decorateReply: false,
    allowedPath: (pathName) => pathName === '/hls.min.js',
  });
  // The player's address may hold a camera URL with credentials: never send it on as a Referer.
  app.addHook('onSend', async (_request, reply) => {
    reply.header('referrer-policy', 'no-referrer');
  });
  const page = (url: string, file: string, summary: string) =>
    app.get(
      url,
      { schema: { tags: ['pages'], summary, response: { 200: fileResponse('A page', 'text/html'), 304: NOT_MODIFIED } } },
      (_request, reply) => reply.sendFile(file, PUBLIC_DIR),
    );
  page('/', 'index.html', 'The running streams');
  page('/player', 'player.html', 'The player (hls.js): ?indicator_id=…');
  page('/recordings', 'recordings.html', "A recorded camera's timeline");
  page('/wall', 'wall.html', 'Every camera at once');
  page('/events', 'events.html', 'Tracked events, live');
};
