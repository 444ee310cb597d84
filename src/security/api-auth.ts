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
export const OPEN_PATHS = new Set(['/api/health', '/api/playback/authorize']);

const digestOf = (token: string) => createHash('sha256').update(token).digest();

/**
 * Compares a presented token with every accepted one (as digests) in constant time:
 * digests, so neither the length nor the position of a difference leaks, and every
 * accepted token is tried, so the match's position does not leak either.
 */
function digestMatches(presented: Buffer, accepted: readonly Buffer[]): boolean {
  let match = false;
  for (const digest of accepted) match = timingSafeEqual(presented, digest) || match;
  return match;
}

function bearerOf(request: FastifyRequest): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
}

/**
 * Whether a request carries one of the accepted API tokens (`Authorization: Bearer …`),
 * decided once per request (authentication and the rate limit both ask) against
 * digests taken once.
 */
export function createApiTokenCheck(tokens: readonly string[]): (request: FastifyRequest) => boolean {
  const accepted = tokens.map(digestOf);
  const verdicts = new WeakMap<FastifyRequest, boolean>();
  return (request) => {
    let verdict = verdicts.get(request);
    if (verdict === undefined) {
      const presented = bearerOf(request);
      verdict = accepted.length > 0 && presented !== undefined && digestMatches(digestOf(presented), accepted);
      verdicts.set(request, verdict);
    }
    return verdict;
  };
}

/**
 * Requires `Authorization: Bearer <token>` on /api/* (but health) when tokens are
 * configured. Routes marked playbackAccess also take `?indicator_id=…&token=…`
 * with a valid playback token: a player (whose EventSource cannot send headers)
 * then watches the status and detections of the one stream it may play.
 */
export function requireApiToken(app: FastifyInstance, hasApiToken: (request: FastifyRequest) => boolean, playback?: PlaybackTokens): void {
  app.addHook('onRequest', async (request, reply) => {
    // The matched route, not the raw URL: the router decodes %61pi to api, a prefix check on the URL would not.
    const route = request.routeOptions.url;
    // CORS preflights never carry credentials; the request that follows them does.
    if (request.method === 'OPTIONS' || route === undefined || !route.startsWith('/api/') || OPEN_PATHS.has(route)) return;
    if (hasApiToken(request)) return;
    if (playback && request.routeOptions.config.playbackAccess && hasPlaybackToken(request, playback)) return;
    reply.header('www-authenticate', 'Bearer realm="stream-manager"');
    throw new Unauthorized(bearerOf(request) ? 'the API token is not valid' : 'this endpoint needs Authorization: Bearer <API_TOKEN>');
  });
}

function hasPlaybackToken(request: FastifyRequest, playback: PlaybackTokens): boolean {
  const { indicator_id: id } = request.query as Record<string, unknown>;
  const token = tokenInQuery(request.query);
  return typeof id === 'string' && token !== undefined && playback.verify(id, token).verdict === 'valid';
}
