import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import path from 'node:path';
import { STREAM_ID_PATTERN } from '../streams/stream-id.js';

export interface HlsStaticDeps {
  streamDir: string;
  /** Called for every playlist fetch: that is how the sweeper knows someone watches. */
  onPlaylistRequest(id: string): void;
  /** How long browsers may cache a segment; names are never reused, so this can be long. */
  segmentMaxAgeSeconds: number;
}

// Only /streams/<id>/<file> with a valid id and a plain file name; no dotfiles, no nesting.
const SERVED_PATH = new RegExp(`^/(${STREAM_ID_PATTERN.source.slice(1, -1)})/([A-Za-z0-9_.-]+\\.(m3u8|ts))$`);

/** The embedded HLS file server (Nginx takes over in production). */
export const hlsStatic =
  ({ streamDir, onPlaylistRequest, segmentMaxAgeSeconds }: HlsStaticDeps): FastifyPluginAsync =>
  async (app) => {
    app.addHook('onRequest', async (request) => {
      const match = SERVED_PATH.exec(request.url.split('?')[0]!.replace(/^\/streams/, ''));
      if (match?.[3] === 'm3u8') onPlaylistRequest(match[1]!);
    });
    await app.register(fastifyStatic, {
      root: path.resolve(streamDir),
      prefix: '/streams/',
      decorateReply: false,
      cacheControl: false,
      etag: false,
      lastModified: true,
      index: false,
      list: false,
      allowedPath: (pathName) => SERVED_PATH.test(pathName) && !pathName.includes('..'),
      setHeaders: (reply, filePath) => {
        if (filePath.endsWith('.m3u8')) {
          reply.header('Content-Type', 'application/vnd.apple.mpegurl');
          reply.header('Cache-Control', 'no-cache');
        } else {
          reply.header('Content-Type', 'video/mp2t');
          reply.header('Cache-Control', `public, max-age=${segmentMaxAgeSeconds}`);
        }
      },
    });
  };
