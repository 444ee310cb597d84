import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderNginxConf } from '../../src/deploy/nginx-conf.js';
import { startUrl } from '../support/api.js';
import { type RunningNginx, startNginxFor } from '../support/nginx.js';
import { type RtspCamera, startRtspCamera } from '../support/rtsp-camera.js';
import { SseClient } from '../support/sse-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { isAlive, waitFor } from '../support/wait-for.js';

const run = promisify(execFile);

describe('nginx.conf', () => {
  it('is the template rendered for docker-compose.yml', async () => {
    expect(await readFile(new URL('../../nginx.conf', import.meta.url), 'utf8')).toBe(renderNginxConf());
  });

  it('passes nginx -t when rendered for a host', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sm-nginx-t-'));
    try {
      const conf = path.join(dir, 'nginx.conf');
      await import('node:fs/promises').then((fs) =>
        fs.writeFile(conf, renderNginxConf({ daemon: '127.0.0.1:8088', listen: '127.0.0.1:8080', runtimeDir: dir })),
      );
      const { stderr } = await run('nginx', ['-t', '-c', conf]);
      expect(stderr).toContain('test is successful');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses values that would break out of a directive', () => {
    expect(() => renderNginxConf({ streamDir: '/srv/x; include /etc/passwd' })).toThrow(/STREAM_DIR/);
    expect(() => renderNginxConf({ daemon: 'a:1 }' })).toThrow(/DAEMON/);
  });
});

describe('through the real Nginx', () => {
  const DELAY_S = 3;
  let camera: RtspCamera;
  let t: TestApp;
  let nginx: RunningNginx;

  beforeAll(async () => {
    camera = await startRtspCamera();
    t = await startTestApp({ CLEANUP_DELAY_SECONDS: String(DELAY_S), CLEANUP_INTERVAL_SECONDS: '0.5', SSE_HEARTBEAT_SECONDS: '1' });
    nginx = await startNginxFor(t);
  }, 60_000);
  afterAll(async () => {
    await nginx?.stop();
    await t?.close();
    await camera?.stop();
  });

  const start = (id: string) => fetch(startUrl(nginx.baseUrl, { indicator_id: id, rtsp_link: camera.url }));

  it('serves segments from disk and playlists from the daemon, with the right headers', async () => {
    expect(await (await start('via')).json()).toMatchObject({ status: 'started', stream_path: '/streams/via/stream.m3u8' });
    const playlist = await fetch(`${nginx.baseUrl}/streams/via/stream.m3u8`);
    expect(playlist.status).toBe(200);
    expect(playlist.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(playlist.headers.get('cache-control')).toBe('no-cache');
    const segment = (await playlist.text()).split('\n').find((line) => line.endsWith('.ts'))!;
    const media = await fetch(`${nginx.baseUrl}/streams/via/${segment}`);
    expect(media.status).toBe(200);
    expect(media.headers.get('server')).toMatch(/^nginx/);
    expect(media.headers.get('content-type')).toBe('video/mp2t');
    expect(media.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(media.headers.get('access-control-allow-origin')).toBe('*');
    expect((await media.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    for (const bad of ['/streams/via/../../etc/passwd', '/streams/via/x.json', '/streams/%2e%2e/package.json']) {
      expect((await fetch(`${nginx.baseUrl}${bad}`)).status).toBe(404);
    }
    await t.services.manager.stop('via');
  });

  it('keeps a stream watched through Nginx and sweeps an unwatched one', async () => {
    await Promise.all([start('watched'), start('unwatched')]);
    const unwatchedPid = t.services.manager.get('unwatched')!.pid!;
    const startedAt = Date.now();
    while (Date.now() - startedAt < 3 * DELAY_S * 1000) {
      expect((await fetch(`${nginx.baseUrl}/streams/watched/stream.m3u8`)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    expect(t.services.manager.get('watched')?.state).toBe('running');
    expect(t.services.manager.get('unwatched')).toBeUndefined();
    await waitFor(() => !isAlive(unwatchedPid), { what: 'the unwatched FFmpeg to exit' });
    await t.services.manager.stop('watched');
  });

  it('passes Server-Sent Events through unbuffered', async () => {
    const events = await SseClient.open(`${nginx.baseUrl}/api/stream/events`);
    try {
      expect(events.status).toBe(200);
      expect(events.contentType).toContain('text/event-stream');
      // Heartbeats every second: with buffering on, Nginx would hold them back.
      await waitFor(() => events.comments.length >= 2, { timeoutMs: 5000, what: 'two heartbeats through Nginx' });
    } finally {
      await events.close();
    }
  });
});
