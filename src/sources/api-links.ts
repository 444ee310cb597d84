import type { Config } from '../config/config.js';
import type { LinkPolicy } from './source-link.js';

/**
 * What an API caller's rtsp_link may name. RTSP always (ALLOWED_SCHEMES);
 * file: and http(s) only when the operator sets ALLOW_API_FILE_SOURCES; a local
 * device never: it is hardware of this machine, which only the operator hands out.
 */
export function apiLinkPolicy(config: Pick<Config, 'allowedSchemes' | 'rtspLinkMaxLength' | 'allowApiFileSources'>): LinkPolicy {
  return {
    kinds: config.allowApiFileSources ? ['rtsp', 'file', 'http'] : ['rtsp'],
    rtspSchemes: config.allowedSchemes,
    maxLength: config.rtspLinkMaxLength,
  };
}
