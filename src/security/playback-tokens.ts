import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors/app-error.js';

export interface PlaybackToken {
  token: string;
  expiresAt: Date;
}

export type TokenVerdict = 'valid' | 'expired' | 'invalid';

export interface TokenCheck {
  verdict: TokenVerdict;
  /** Whole seconds the token stays valid (0 unless valid). */
  secondsLeft: number;
}

/**
 * Signed playback: a token is `<expiry>.<signature>`, the signature an
 * HMAC-SHA256 of the stream id and the expiry (unix seconds). Tokens are signed
 * with the first secret and checked against all of them, so a secret can be
 * rotated without cutting off the players that hold tokens made with the old one.
 */
export interface PlaybackTokens {
  issue(id: string): PlaybackToken;
  verify(id: string, token: string | undefined): TokenCheck;
}

export class PlaybackForbidden extends AppError {
  constructor(reason: 'expired' | 'invalid') {
    super(
      'playback_forbidden',
      reason === 'expired' ? 'the playback token has expired; ask for a new one' : 'this stream needs a valid playback token (?token=…)',
    );
  }
}

export class PlaybackUnsigned extends AppError {
  constructor() {
    super('playback_unsigned', 'playback is not signed here (PLAYBACK_SECRET is unset): stream paths need no token');
  }
}

const TOKEN_SHAPE = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

export function createPlaybackTokens({
  secrets,
  ttlSeconds,
  now = Date.now,
}: {
  secrets: readonly string[];
  ttlSeconds: number;
  now?: () => number;
}): PlaybackTokens {
  if (secrets.length === 0) throw new Error('signed playback needs at least one secret');
  // The id cannot contain ':' (STREAM_ID_PATTERN), so "id:expiry" is unambiguous.
  const sign = (secret: string, id: string, expiry: string) => createHmac('sha256', secret).update(`${id}:${expiry}`).digest();

  const verify = (id: string, token: string | undefined): TokenCheck => {
    const match = token ? TOKEN_SHAPE.exec(token) : null;
    if (!match) return { verdict: 'invalid', secondsLeft: 0 };
    const [, expiry, signature] = match as unknown as [string, string, string];
    const presented = Buffer.from(signature, 'base64url');
    let genuine = false;
    // Every secret is tried, so timing does not tell which one (if any) matched.
    for (const secret of secrets) genuine = timingSafeEqual(presented, sign(secret, id, expiry)) || genuine;
    if (!genuine) return { verdict: 'invalid', secondsLeft: 0 };
    const left = Number(expiry) - now() / 1000;
    return left > 0 ? { verdict: 'valid', secondsLeft: Math.floor(left) } : { verdict: 'expired', secondsLeft: 0 };
  };

  return {
    issue(id) {
      const expiry = String(Math.ceil(now() / 1000 + ttlSeconds));
      return { token: `${expiry}.${sign(secrets[0]!, id, expiry).toString('base64url')}`, expiresAt: new Date(Number(expiry) * 1000) };
    },
    verify,
  };
}

/** The `token` query parameter, when it is one string (repeated parameters arrive as an array). */
export function tokenInQuery(query: unknown): string | undefined {
  const token = (query as Record<string, unknown> | undefined)?.token;
  return typeof token === 'string' ? token : undefined;
}

/**
 * A media playlist with every URI carrying the token (segment lines, and the URI="…" of parts,
 * preload hints and init segments), since relative URIs do not inherit the playlist's query.
 */
export function signPlaylist(playlist: string, token: string): string {
  const query = `token=${encodeURIComponent(token)}`;
  const sign = (uri: string) => `${uri}${uri.includes('?') ? '&' : '?'}${query}`;
  return playlist
    .split('\n')
    .map((line) => {
      if (line.trim() === '') return line;
      if (!line.startsWith('#')) return sign(line);
      return line.replace(/URI="([^"]*)"/g, (_match, uri: string) => `URI="${sign(uri)}"`);
    })
    .join('\n');
}
