import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUrl } from '../support/api.js';
import { type RtspCamera, startRtspCamera } from '../support/rtsp-camera.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

let camera: RtspCamera;
let authCamera: RtspCamera;
let t: TestApp;

beforeAll(async () => {
  [camera, authCamera] = await Promise.all([startRtspCamera(), startRtspCamera({ user: 'admin', password: 'secret' })]);
  t = await startTestApp({ STREAM_START_TIMEOUT_SECONDS: '4' });
});
afterAll(async () => {
  await t?.close();
  await Promise.all([camera?.stop(), authCamera?.stop()]);
});

async function expectFailedStart(id: string, url: string, cause: string, status: number, maxMs: number) {
  const startedAt = Date.now();
  const response = await fetch(startUrl(t.baseUrl, { indicator_id: id, rtsp_link: url }));
  const elapsed = Date.now() - startedAt;
  const body = await response.json();
  expect(response.status).toBe(status);
  expect(body.error).toBe(cause);
  expect(body.message).toEqual(expect.any(String));
  expect(elapsed).toBeLessThan(maxMs);
  // Nothing left behind: no entry, no folder, no process.
  expect(t.services.manager.get(id)).toBeUndefined();
  expect(await t.streamFolders()).toEqual([]);
  return body;
}

/** A TCP server that accepts connections and never says a word: a camera that hangs. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('a source that cannot be read fails the start with its cause', () => {
  it('connection refused', async () => {
    const closed = await silentServer();
    await closed.close(); // a port nothing listens on any more
    const body = await expectFailedStart('refused', `rtsp://127.0.0.1:${closed.port}/cam`, 'source_connection_refused', 502, 3000);
    expect(body.details.ffmpeg_output.join('\n')).toContain('Connection refused');
  });

  it('stream not found', async () => {
    await expectFailedStart('notfound', camera.url.replace('/cam', '/nope'), 'source_not_found', 502, 3000);
  });

  it('unauthorized, without echoing the credentials', async () => {
    const url = authCamera.url.replace('rtsp://', 'rtsp://admin:not-the-password@');
    const body = await expectFailedStart('unauth', url, 'source_unauthorized', 502, 3000);
    expect(JSON.stringify(body)).not.toContain('not-the-password');
  });

  it('a camera that accepts and then says nothing times out within STREAM_START_TIMEOUT_SECONDS', async () => {
    const silent = await silentServer();
    try {
      const body = await expectFailedStart('silent', `rtsp://127.0.0.1:${silent.port}/cam`, 'source_timeout', 504, 4000 + 3000);
      expect(body.message).toMatch(/within 4 s|did not answer/);
    } finally {
      await silent.close();
    }
  });

  it('with wait=false the failure shows in status, and the id can be started again', async () => {
    const response = await fetch(
      startUrl(t.baseUrl, { indicator_id: 'later', rtsp_link: camera.url.replace('/cam', '/nope'), wait: false }),
    );
    expect((await response.json()).status).toBe('starting');
    const stream = t.services.manager.get('later')!;
    await expect(stream.ready).rejects.toThrow();
    const status = await (await fetch(`${t.baseUrl}/api/stream/status?indicator_id=later`)).json();
    expect(status).toMatchObject({ state: 'failed', pid: null, last_error: { cause: 'source_not_found' } });
    expect(await t.streamFolders()).toEqual([]);
    expect((await (await fetch(`${t.baseUrl}/api/health`)).json()).active_streams).toBe(0);

    const retry = await fetch(startUrl(t.baseUrl, { indicator_id: 'later', rtsp_link: camera.url }));
    expect(await retry.json()).toMatchObject({ status: 'started' });
    await t.services.manager.stop('later');
  });
});
