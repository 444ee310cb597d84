import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderNginxConf } from '../../src/deploy/nginx-conf.js';
import { startUrl } from '../support/api.js';
import { completeSegments } from '../support/hls.js';
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

  it('renders a fleet for several daemons: one upstream hashed on the stream id (ketama), segments fetched through the nodes', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sm-nginx-t-'));
    try {
      const rendered = renderNginxConf({ daemon: '10.0.0.1:8088,10.0.0.2:8088,10.0.0.3:8088', listen: '127.0.0.1:8080', runtimeDir: dir });
      const upstream = /upstream stream_manager \{([^}]*)\}/.exec(rendered)?.[1] ?? '';
      expect(upstream.match(/^\s*(hash|server) .*;$/gm)?.map((line) => line.trim())).toEqual([
        'hash $stream_key consistent;',
        'server 10.0.0.1:8088;',
        'server 10.0.0.2:8088;',
        'server 10.0.0.3:8088;',
      ]);
      expect(rendered).not.toMatch(/^\s*alias /m);
      expect(renderNginxConf({ daemon: '10.0.0.1:8088' })).not.toContain('hash $stream_key');
      expect(renderNginxConf({ daemon: '10.0.0.1:8088' })).toMatch(/^\s*alias /m);
      const conf = path.join(dir, 'nginx.conf');
      await writeFile(conf, rendered);
      const { stderr } = await run('nginx', ['-t', '-c', conf]);
      expect(stderr).toContain('test is successful');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses values that would break out of a directive', () => {
    expect(() => renderNginxConf({ streamDir: '/srv/x; include /etc/passwd' })).toThrow(/STREAM_DIR/);
    expect(() => renderNginxConf({ daemon: 'a:1 }' })).toThrow(/DAEMON/);
    expect(() => renderNginxConf({ daemon: 'a:1,b:2;x' })).toThrow(/DAEMON_1/);
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

  it('serves segments and init segments from disk, parts from the daemon through its cache, playlists from the daemon, with the right headers', async () => {
    expect(await (await start('via')).json()).toMatchObject({ status: 'started', stream_path: '/streams/via/stream.m3u8' });
    const playlist = await fetch(`${nginx.baseUrl}/streams/via/stream.m3u8`);
    expect(playlist.status).toBe(200);
    expect(playlist.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(playlist.headers.get('cache-control')).toBe('no-cache');
    const [segment] = await waitFor(async () => {
      const listed = await completeSegments(nginx.baseUrl, 'via');
      return listed.length > 0 ? listed : undefined;
    });
    const text = await (await fetch(`${nginx.baseUrl}/streams/via/stream.m3u8`)).text();
    const init = /#EXT-X-MAP:URI="([^"]+)"/.exec(text)![1]!;
    const part = /#EXT-X-PART:[^\n]*URI="([^"]+)"/.exec(text)![1]!;
    const fetchMedia = async (file: string) => {
      const media = await fetch(`${nginx.baseUrl}/streams/via/${file}`);
      expect(media.status).toBe(200);
      expect(media.headers.get('server')).toMatch(/^nginx/);
      expect(media.headers.get('content-type')).toBe('video/mp4');
      expect(media.headers.get('cache-control')).toBe('public, max-age=3600, immutable');
      expect(media.headers.get('access-control-allow-origin')).toBe('*');
      expect((await media.arrayBuffer()).byteLength).toBeGreaterThan(500);
      return media.headers.get('x-cache-status');
    };
    for (const file of [segment!, init]) {
      // Written to disk a moment after the playlist lists it.
      await waitFor(() => readdir(path.join(t.streamDir, 'via')).then((names) => names.includes(file)), { what: `${file} on disk` });
      expect(await fetchMedia(file)).toBeNull(); // from disk, not from the daemon
    }
    // Parts live in the daemon's memory (HLS_PARTS_ON_DISK=false): Nginx fetches each once and keeps it.
    expect(await readdir(path.join(t.streamDir, 'via'))).not.toContain(part);
    expect(await fetchMedia(part)).toBe('MISS');
    expect(await fetchMedia(part)).toBe('HIT');
    for (const bad of ['/streams/via/../../etc/passwd', '/streams/via/x.json', '/streams/%2e%2e/package.json']) {
      expect((await fetch(`${nginx.baseUrl}${bad}`)).status).toBe(404);
    }
    await t.services.manager.stop('via');
  });

  it('passes blocking reloads straight through, and fetches the hinted part once for all its viewers', async () => {
    await start('ll');
    const text = await (await fetch(`${nginx.baseUrl}/streams/ll/stream.m3u8`)).text();
    const msn = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)![1]) + (text.match(/^seg_/gm)?.length ?? 0);
    const parts =
      text
        .split('seg_')
        .at(-1)!
        .match(/#EXT-X-PART:/g)?.length ?? 0;
    const hinted = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="([^"]+)"/.exec(text)![1]!;

    // Ten viewers ask for the hinted part before it exists, and one asks for the playlist that will list it.
    const asked = Date.now();
    const viewers = Array.from({ length: 10 }, () => fetch(`${nginx.baseUrl}/streams/ll/${hinted}`));
    const reload = fetch(`${nginx.baseUrl}/streams/ll/stream.m3u8?_HLS_msn=${msn}&_HLS_part=${parts}`);
    const answers = await Promise.all(viewers);
    const bodies = await Promise.all(answers.map((answer) => answer.arrayBuffer()));
    expect(answers.map((answer) => answer.status)).toEqual(new Array(10).fill(200));
    expect(new Set(bodies.map((body) => Buffer.from(body).toString('base64'))).size).toBe(1);
    // One of them went to the daemon; the others waited on Nginx's cache lock and got its answer.
    const statuses = answers.map((answer) => answer.headers.get('x-cache-status'));
    expect(statuses.filter((status) => status === 'MISS')).toHaveLength(1);
    expect(statuses.filter((status) => status === 'HIT')).toHaveLength(9);
    const reloaded = await (await reload).text();
    expect(reloaded).toContain(`URI="${hinted}"`);
    expect(reloaded).not.toContain(`PRELOAD-HINT:TYPE=PART,URI="${hinted}"`);
    expect(Date.now() - asked).toBeLessThan(1500); // a part is 0.2 s of video: nothing held for long

    // Beyond the live edge is refused, through Nginx too.
    expect((await fetch(`${nginx.baseUrl}/streams/ll/stream.m3u8?_HLS_msn=${msn + 10}`)).status).toBe(400);
    await t.services.manager.stop('ll');
  });

  it('refuses bodies larger than the daemon takes itself, as JSON, never as a 502; detection images may be larger', async () => {
    for (let i = 0; i < 20; i++) {
      const response = await fetch(`${nginx.baseUrl}/api/stream/start`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ indicator_id: 'a'.repeat(100_000) }),
      });
      expect(response.status).toBe(413);
      expect(await response.json()).toEqual({ error: 'payload_too_large', message: 'the request body is too large' });
    }
    // A 1 MB body for detection reaches the daemon, which answers for itself: it is no image.
    const predict = await fetch(`${nginx.baseUrl}/api/predict`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: Buffer.alloc(1024 * 1024),
    });
    expect(predict.status).toBe(400);
    expect(await predict.json()).toMatchObject({ error: 'invalid_image' });
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
