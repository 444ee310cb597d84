import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface HttpVideoServer {
  /** http://host:port */
  baseUrl: string;
  /** Every path asked for, in order. */
  requests: string[];
  stop(): Promise<void>;
}

/**
 * A plain web server for video files, with byte ranges (FFmpeg seeks an MP4
 * for its index, and to loop it). `redirects` maps a path to a Location.
 */
export async function startHttpVideoServer({
  root,
  host = '127.0.0.1',
  redirects = {},
}: {
  root: string;
  host?: string;
  redirects?: Record<string, string>;
}): Promise<HttpVideoServer> {
  const requests: string[] = [];
  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    const pathname = new URL(request.url ?? '/', 'http://x').pathname;
    requests.push(pathname);
    const location = redirects[pathname];
    if (location) return void response.writeHead(302, { location }).end();
    const file = path.join(root, path.basename(pathname));
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) return void response.writeHead(404).end();
    const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const end = range?.[2] ? Number(range[2]) : info.size - 1;
    if (start >= info.size) return void response.writeHead(416, { 'content-range': `bytes */${info.size}` }).end();
    response.writeHead(range ? 206 : 200, {
      'content-type': 'video/mp4',
      'accept-ranges': 'bytes',
      'content-length': String(end - start + 1),
      ...(range ? { 'content-range': `bytes ${start}-${end}/${info.size}` } : {}),
    });
    if (request.method === 'HEAD') return void response.end();
    createReadStream(file, { start, end }).pipe(response);
  };
  const server = createServer((request, response) => {
    serve(request, response).catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://${host}:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
