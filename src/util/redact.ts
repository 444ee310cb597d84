/**
 * Credentials in camera URLs (rtsp://user:pass@host) must never reach logs,
 * API responses or errors. FFmpeg repeats the URL in its own messages, so
 * redaction works on free text as well as on single URLs.
 */
// Userinfo runs to the last '@' before the path, so a password holding '@' is covered too.
const USERINFO_IN_TEXT = /([a-z][a-z0-9+.-]*:\/\/)[^\s/?#]*@/gi;

const REDACTED = '***';

export function redactText(text: string): string {
  return text.replace(USERINFO_IN_TEXT, `$1${REDACTED}@`);
}

// Query parameters that are credentials in their own right (playback tokens).
const SECRET_PARAMS = new Set(['token']);

/** A request URL whose query values are decoded before redaction, so percent-encoding hides nothing. */
export function redactRequestUrl(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart < 0) return url;
  const params = new URLSearchParams(url.slice(queryStart + 1));
  const redacted = new URLSearchParams();
  for (const [key, value] of params) redacted.append(key, SECRET_PARAMS.has(key.toLowerCase()) ? REDACTED : redactText(value));
  return `${url.slice(0, queryStart)}?${redacted.toString()}`;
}
