import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

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
  app.get('/', (_request, reply) => reply.sendFile('index.html', PUBLIC_DIR));
  app.get('/player', (_request, reply) => reply.sendFile('player.html', PUBLIC_DIR));
  app.get('/recordings', (_request, reply) => reply.sendFile('recordings.html', PUBLIC_DIR));
  app.get('/wall', (_request, reply) => reply.sendFile('wall.html', PUBLIC_DIR));
  app.get('/events', (_request, reply) => reply.sendFile('events.html', PUBLIC_DIR));
};
