/** Stream ids become folder names and URL segments, so they are kept to a safe alphabet. */
export const STREAM_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidStreamId(id: string): boolean {
  return STREAM_ID_PATTERN.test(id);
}
