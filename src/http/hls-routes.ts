import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifySchema } from 'fastify';
import { z } from 'zod';
import { contentTypeOf, isMediaFile, PLAYLIST_CONTENT_TYPE, PLAYLIST_NAME, playlistFile } from '../hls/layout.js';
import type { PlaylistRequest } from '../hls/live/live-hls-output.js';
import type { PlaybackObserver } from '../metrics/metrics.js';
import { PlaybackForbidden, type PlaybackTokens, signPlaylist, tokenInQuery } from '../security/playback-tokens.js';
import { STREAM_ID_PATTERN } from '../streams/stream-id.js';
import { errorResponses, fileResponse, NOT_MODIFIED } from './openapi/responses.js';
import { indicatorIdSchema } from './request-schemas.js';

/** A stream's HLS packaged by the daemon (fmp4, lowlatency): served from memory, blocking where asked. */
export interface LiveHls {
  playlist(request: PlaylistRequest, signal: AbortSignal): Promise<string | undefined>;
  media(name: string, signal: AbortSignal): Promise<Uint8Array | undefined>;
}

export interface HlsRoutesDeps {
  streamDir: string;
  /** Called for every authorized playlist fetch: that is how the sweeper knows someone watches. */
  onPlaylistRequest(id: string): void;
  /** The stream's daemon-packaged HLS, if it has one (else its files are FFmpeg's, on disk). */
  live(id: string): LiveHls | undefined;
  /** How long browsers may cache media files; names are never reused, so this can be long. */
  mediaMaxAgeSeconds: number;
  /** Signed playback (PLAYBACK_SECRET); undefined: playlists and segments are open. */
  playback: PlaybackTokens | undefined;
  observer: PlaybackObserver;
}

const count = z
  .string()
  .regex(/^\d{1,15}$/, 'must be a whole number')
  .transform(Number)
  .optional();
/** The blocking-reload and delta-update parameters of LL-HLS (a token and anything else is ignored). */
const playlistQuery = z.object({
  _HLS_msn: count,
  _HLS_part: count,
  _HLS_skip: z.enum(['YES', 'v2']).optional(),
});

const streamParams = z.object({ id: indicatorIdSchema });
const mediaParams = streamParams.extend({
  file: z
    .string()
    .describe('A segment, part or init section named by the playlist')
    .meta({ examples: ['seg_1733337000.m4s', 'part_1733337000123.m4s'] }),
});
const tokenQuery = z.object({ token: z.string().optional().describe('With PLAYBACK_SECRET: the playback token') });
const tags = ['hls'];
const playlistDocs = {
  tags,
  summary: "A stream's playlist",
  description:
    'Each fetch counts as a viewer. Low-latency streams (HLS_VARIANT=lowlatency) answer blocking reloads (_HLS_msn, _HLS_part) and delta updates (_HLS_skip).',
  params: streamParams,
  querystring: playlistQuery.extend(tokenQuery.shape),
  response: {
    200: fileResponse('An HLS playlist', PLAYLIST_CONTENT_TYPE),
    ...errorResponses('invalid_request', 'playback_forbidden', 'not_found'),
  },
};
const mediaDocs = {
  tags,
  summary: 'A segment, part or init section',
  params: mediaParams,
  querystring: tokenQuery,
  response: {
    200: fileResponse('Media', 'video/mp2t', 'video/mp4'),
    206: fileResponse('A byte range of it', 'video/mp2t', 'video/mp4'),
    304: NOT_MODIFIED,
    ...errorResponses('playback_forbidden', 'not_found'),
  },
};
const authorizeDocs: FastifySchema = {
  tags,
  summary: "Nginx's auth_request check of a segment",
  description:
    'Nginx sends the stream and token it parsed in X-Stream-Id and X-Playback-Token; the answer may be cached for a few seconds.',
  response: {
    204: z.null().describe('The segment may be served'),
    ...errorResponses('playback_forbidden'),
  },
};

/** Aborts when the client goes away before it has its answer (a held request must not outlive it). */
function abandoned(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}

/** Where Nginx's auth_request asks whether a segment may be served. */
export const AUTHORIZE_PATH = '/api/playback/authorize';

// How long Nginx may reuse an answer for the same stream and token.
const AUTHORIZE_CACHE_SECONDS = 5;

/**
 * The embedded HLS server (Nginx takes over segments in production). Playlists
 * are read and answered here, so that each fetch counts as a viewer and, with
 * signed playback, their segment URIs carry the viewer's token; segments are
 * files, each request checked against the token when playback is signed.
 */
export const hlsRoutes =
  ({ streamDir, onPlaylistRequest, live, mediaMaxAgeSeconds, playback, observer }: HlsRoutesDeps): FastifyPluginAsync =>
  async (app) => {
    const root = path.resolve(streamDir);
    const authorize = (id: string, token: string | undefined) => {
      if (!playback) return;
      const { verdict } = playback.verify(id, token);
      observer.playbackChecked('direct', verdict);
      if (verdict !== 'valid') throw new PlaybackForbidden(verdict);
    };
    const mediaHeaders = (reply: FastifyReply, file: string) =>
      reply.header('Content-Type', contentTypeOf(file)).header('Cache-Control', `public, max-age=${mediaMaxAgeSeconds}, immutable`);

    app.get<{ Params: { id: string } }>(`/streams/:id/${PLAYLIST_NAME}`, { schema: playlistDocs }, async (request, reply) => {
      const { id } = request.params;
      if (!STREAM_ID_PATTERN.test(id)) return reply.callNotFound();
      const token = tokenInQuery(request.query);
      authorize(id, token);
      const query = playlistQuery.parse(request.query);
      const packaged = live(id);
      const playlist = packaged
        ? await packaged.playlist({ msn: query._HLS_msn, part: query._HLS_part, skip: query._HLS_skip !== undefined }, abandoned(reply))
        : await readFile(playlistFile(path.join(root, id)), 'utf8').catch(() => undefined);
      if (playlist === undefined) return reply.callNotFound();
      onPlaylistRequest(id);
      return reply
        .type(PLAYLIST_CONTENT_TYPE)
        .header('Cache-Control', 'no-cache')
        .send(playback && token ? signPlaylist(playlist, token) : playlist);
    });

    // Nginx asks here before it serves a segment (auth_request); the answer may be cached for a few seconds.
    // It names the stream and token as it parsed them (the same values its alias and cache key use),
    // so that the file served, the answer cached and the token checked always agree.
    app.get(AUTHORIZE_PATH, { schema: authorizeDocs }, async (request, reply) => {
      const id = request.headers['x-stream-id'];
      const token = request.headers['x-playback-token'];
      if (!playback) return reply.code(204).header('Cache-Control', `max-age=${AUTHORIZE_CACHE_SECONDS}`).send();
      if (typeof id !== 'string' || !STREAM_ID_PATTERN.test(id)) {
        return reply.code(403).send({ error: 'playback_forbidden', message: 'X-Stream-Id names no stream' });
      }
      const { verdict, secondsLeft } = playback.verify(id, typeof token === 'string' ? token : undefined);
      observer.playbackChecked('auth_request', verdict);
      if (verdict !== 'valid') {
        const { message } = new PlaybackForbidden(verdict);
        return reply.code(403).header('Cache-Control', `max-age=${AUTHORIZE_CACHE_SECONDS}`).send({ error: 'playback_forbidden', message });
      }
      // Never cached past the token's own expiry.
      return reply
        .code(204)
        .header('Cache-Control', `max-age=${Math.min(AUTHORIZE_CACHE_SECONDS, secondsLeft)}`)
        .send();
    });

    await app.register(fastifyStatic, {
      root,
      serve: false, // the route below decides what is served, with the id and file name the router decoded
      cacheControl: false,
      etag: false,
      lastModified: true,
    });
    // The live window from memory (the preload-hinted part held until it exists), anything older from disk.
    app.get<{ Params: { id: string; file: string } }>('/streams/:id/:file', { schema: mediaDocs }, async (request, reply) => {
      const { id, file } = request.params;
      if (!STREAM_ID_PATTERN.test(id) || !isMediaFile(file)) return reply.callNotFound();
      authorize(id, tokenInQuery(request.query));
      const held = await live(id)?.media(file, abandoned(reply));
      mediaHeaders(reply, file);
      return held ? reply.send(Buffer.from(held.buffer, held.byteOffset, held.byteLength)) : reply.sendFile(file, path.join(root, id));
    });
  };
