/** The start call's URL, as backends build it (GET with a query string). */
export function startUrl(
  base: string,
  params: { indicator_id: string; rtsp_link?: string; wait?: boolean; detect?: boolean; token?: string },
): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) query.set(name, String(value));
  return `${base}/api/stream/start?${query}`;
}
