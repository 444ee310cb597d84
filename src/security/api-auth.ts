import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors/app-error.js';
import { type PlaybackTokens, tokenInQuery } from './playback-tokens.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A read-only view of one stream: a valid playback token for its indicator_id will do instead of the API token. */
    playbackAccess?: boolean;
  }
}

export class Unauthorized extends AppError {
  constructor(message: string) {
    super('unauthorized', message);
  }
}

/**
 * Paths that stay open with API_TOKEN set: health checks come from load balancers
 * and Docker; Nginx's segment authorization carries a playback token, not the API's.
 */
const OPEN_PATHS = new Set(['/api/health', '/api/playback/authorize']);

/**
 * Compares a presented token with every accepted one in constant time: digests
 * first, so neither the length nor the position of a difference leaks, and
 * every accepted token is tried, so the match's position does not leak either.
 */
export function tokenMatches(presented: string, accepted: readonly string[]): boolean {
  const digest = createHash('sha256').update(presented).digest();
  let match = false;
  for (const token of accepted) {
    match = timingSafeEqual(digest, createHash('sha256').update(token).digest()) || match;
  }
  return match;
}

/** Whether the request carries one of the accepted API tokens (`Authorization: Bearer …`). */
export function hasApiToken(request: FastifyRequest, tokens: readonly string[]): boolean {
  const presented = bearerOf(request);
  return tokens.length > 0 && presented !== undefined && tokenMatches(presented, tokens);
}

function bearerOf(request: FastifyRequest): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
}

/**
 * Requires `Authorization: Bearer <token>` on /api/* (but health) when tokens are
 * configured. Routes marked playbackAccess also take `?indicator_id=…&token=…`
 * with a valid playback token: a player (whose EventSource cannot send headers)
 * then watches the status and detections of the one stream it may play.
 */
export function requireApiToken(app: FastifyInstance, tokens: readonly string[], playback?: PlaybackTokens): void {
  if (tokens.length === 0) return;
  app.addHook('onRequest', async (request, reply) => {
    // The matched route, not the raw URL: the router decodes %61pi to api, a prefix check on the URL would not.
    const route = request.routeOptions.url;
    // CORS preflights never carry credentials; the request that follows them does.
    if (request.method === 'OPTIONS' || route === undefined || !route.startsWith('/api/') || OPEN_PATHS.has(route)) return;
    const presented = bearerOf(request);
    if (presented && tokenMatches(presented, tokens)) return;
    if (playback && request.routeOptions.config.playbackAccess && hasPlaybackToken(request, playback)) return;
    reply.header('www-authenticate', 'Bearer realm="stream-manager"');
    throw new Unauthorized(presented ? 'the API token is not valid' : 'this endpoint needs Authorization: Bearer <API_TOKEN>');
  });
}

function hasPlaybackToken(request: FastifyRequest, playback: PlaybackTokens): boolean {
  const { indicator_id: id } = request.query as Record<string, unknown>;
  const token = tokenInQuery(request.query);
  return typeof id === 'string' && token !== undefined && playback.verify(id, token).verdict === 'valid';
}
