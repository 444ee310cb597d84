import { type SourceHostGuard, SourceNotAllowed } from '../security/source-hosts.js';
import type { RedirectResolver } from '../sources/http-redirects.js';
import type { MediaConfiner } from '../sources/media-path.js';
import type { ResolvedSource } from './sources.js';

export interface SourceGateDeps {
  /** ALLOWED_SOURCE_HOSTS: throws for a host outside it; returns the URL FFmpeg should open. */
  checkHost: SourceHostGuard;
  /** Whether ALLOWED_SOURCE_HOSTS lists anything (empty: cameras may be anywhere). */
  hostsRestricted: boolean;
  followRedirects: RedirectResolver;
  confineMedia: MediaConfiner;
}

/**
 * The last check of a source before FFmpeg opens it, for every kind:
 * - rtsp from the API passes ALLOWED_SOURCE_HOSTS and is pinned to the checked address;
 * - http(s) has its redirects followed here, every hop checked (see http-redirects);
 * - file: is confined to MEDIA_DIR and replaced by its real path (CAMERAS_FILE's too:
 *   a symlink may have moved since the file was loaded);
 * - devices and the demo are the operator's and pass as they are.
 * Throws (and nothing is spawned) for a source that may not be opened.
 */
export function createSourceGate(deps: SourceGateDeps) {
  return async (source: ResolvedSource): Promise<ResolvedSource> => {
    const { input } = source;
    switch (input.kind) {
      case 'rtsp':
        return source.configured ? source : { ...source, input: { ...input, url: await deps.checkHost(input.url) } };
      case 'http':
        // A playlist names further playlists and segments, on any host, which FFmpeg fetches without asking us.
        if (input.hls && !source.configured && deps.hostsRestricted) {
          throw new SourceNotAllowed('an HLS playlist from the API could name hosts the allowlist never sees; list it in CAMERAS_FILE');
        }
        return { ...source, input: { ...input, url: await deps.followRedirects(input.url, { configured: source.configured }) } };
      case 'file':
        return { ...source, input: { ...input, path: await deps.confineMedia(input.path) } };
      case 'device':
      case 'lavfi':
        return source;
    }
  };
}

export type SourceGate = ReturnType<typeof createSourceGate>;
