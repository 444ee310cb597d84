/** What a camera URL may be: its scheme and its length. */
export interface SourcePolicy {
  allowedSchemes: readonly string[];
  maxLength: number;
}

// Whitespace and control characters have no business in a URL and could smuggle FFmpeg options or log lines.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNSAFE_CHARACTERS = /[\s\u0000-\u001f\u007f]/;

/**
 * Why a camera URL is unacceptable (a predicate for the caller's own subject,
 * "rtsp_link …" or "field url …"), or undefined when it is fine. The reasons
 * never quote the value: it may hold credentials.
 */
export function sourceUrlProblem(value: string, { allowedSchemes, maxLength }: SourcePolicy): string | undefined {
  if (value.length === 0) return 'is empty';
  if (value.length > maxLength) return `is longer than ${maxLength} characters`;
  if (UNSAFE_CHARACTERS.test(value)) return 'contains whitespace or control characters';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a valid URL';
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (!allowedSchemes.includes(scheme)) return `must use one of these schemes: ${allowedSchemes.join(', ') || '(none allowed)'}`;
  if (!url.hostname) return 'has no host';
  return undefined;
}
