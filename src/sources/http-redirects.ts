import { SourceFailure } from '../ffmpeg/failure.js';
import { SourceNotAllowed } from '../security/source-hosts.js';

/** Enough for a CDN hop or two; a longer chain is a loop or someone playing games. */
const MAX_REDIRECTS = 5;

export interface RedirectDeps {
  /** Throws SourceNotAllowed for a URL whose host ALLOWED_SOURCE_HOSTS does not allow. */
  checkHost(url: string): Promise<unknown>;
  fetch?: typeof fetch;
  timeoutMs: number;
}

export interface RedirectOptions {
  /** The operator named it (CAMERAS_FILE): its own host needs no allowlist entry; hops elsewhere do. */
  configured: boolean;
}

/** fetch refuses URLs with credentials: they travel as a Basic header instead, and only to their own origin. */
function splitCredentials(link: string): { url: URL; authorization?: string } {
  const url = new URL(link);
  if (!url.username && !url.password) return { url };
  const authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
  url.username = '';
  url.password = '';
  return { url, authorization };
}

/**
 * Follows an http(s) source's redirects here, checking every hop against
 * ALLOWED_SOURCE_HOSTS, and returns the URL it ends at. FFmpeg then gets that
 * URL with -max_redirects 0: it follows redirects itself otherwise, to
 * wherever the server says, with no allowlist. Credentials stay on the URL
 * only if the chain ends at the origin they were written for.
 */
export function createRedirectResolver({ checkHost, fetch: fetchImpl = fetch, timeoutMs }: RedirectDeps) {
  return async (link: string, { configured }: RedirectOptions): Promise<string> => {
    const { url: first, authorization } = splitCredentials(link);
    if (!configured) await checkHost(first.href);
    let current = first;
    for (let hop = 0; ; hop++) {
      const response = await fetchImpl(current, {
        redirect: 'manual',
        headers: authorization && current.origin === first.origin ? { authorization } : {},
        signal: AbortSignal.timeout(timeoutMs),
      }).catch((error: unknown) => {
        const timedOut = (error as Error).name === 'TimeoutError';
        throw new SourceFailure(
          timedOut
            ? { cause: 'source_timeout', message: 'the video server did not answer in time' }
            : { cause: 'source_unreachable', message: 'the video server cannot be reached' },
        );
      });
      // The body may be endless (MJPEG): only the status and headers are wanted.
      await response.body?.cancel().catch(() => {});
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || location === null) break;
      if (hop >= MAX_REDIRECTS) {
        throw new SourceFailure({ cause: 'source_invalid_data', message: `the video server redirected more than ${MAX_REDIRECTS} times` });
      }
      const next = new URL(location, current);
      if (next.protocol !== 'http:' && next.protocol !== 'https:')
        throw new SourceNotAllowed('it redirects to a scheme other than http(s)');
      // The operator's own host is trusted as written; any other host must be on the list.
      if (!configured || next.hostname !== first.hostname) {
        await checkHost(next.href).catch((error: unknown) => {
          if (error instanceof SourceNotAllowed) throw new SourceNotAllowed('it redirects to a host outside the allowed ones');
          throw error;
        });
      }
      current = next;
    }
    if (current.href === first.href) return link;
    if (current.origin !== first.origin) return current.href;
    const final = new URL(current);
    const original = new URL(link);
    final.username = original.username;
    final.password = original.password;
    return final.href;
  };
}

export type RedirectResolver = ReturnType<typeof createRedirectResolver>;
