import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlaybackTokens } from '../../src/security/playback-tokens.js';
import { type RunningNginx, startNginxFor } from '../support/nginx.js';
import { type RtspCamera, startRtspCamera } from '../support/rtsp-camera.js';
import { SseClient } from '../support/sse-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

const API_TOKEN = 'api-token-0123456789abcdef';
const SECRET = 'playback-secret-0123456789abcdef-0123';
const TTL_S = 120;

describe('signed playback, from the daemon and through Nginx', () => {
  let camera: RtspCamera;
  let t: TestApp;
  let nginx: RunningNginx;

  beforeAll(async () => {
    camera = await startRtspCamera();
    t = await startTestApp({ API_TOKEN, PLAYBACK_SECRET: SECRET, PLAYBACK_TOKEN_TTL_SECONDS: String(TTL_S) });
    nginx = await startNginxFor(t);
  }, 60_000);
  afterAll(async () => {
    await nginx?.stop();
    await t?.close();
    await camera?.stop();
  });

  const api = (base: string, route: string) => fetch(`${base}${route}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
  const start = async (base: string, id: string) => {
    const response = await api(base, `/api/stream/start?indicator_id=${id}&rtsp_link=${encodeURIComponent(camera.url)}`);
    expect(response.status).toBe(200);
    return (await response.json()) as { stream_path: string; playback_token: string; playback_expires_at: string };
  };
  /** Same secret, a clock two hours back: a genuine token that has run out. */
  const expiredToken = (id: string) =>
    createPlaybackTokens({ secrets: [SECRET], ttlSeconds: 60, now: () => Date.now() - 7_200_000 }).issue(id).token;
  /** What a playlist lists that exists already: segments, parts and the init segment (not the hinted part). */
  const mediaUris = (text: string) => [
    ...text.split('\n').filter((line) => line !== '' && !line.startsWith('#')),
    ...[...text.matchAll(/#EXT-X-(?:PART|MAP):[^\n]*URI="([^"]+)"/g)].map((match) => match[1]!),
  ];
  const checks = async () => {
    const text = await t.services.metrics.render();
    return Number(/stream_manager_playback_checks_total\{via="auth_request",verdict="valid"\} (\d+)/.exec(text)?.[1] ?? 0);
  };

  for (const via of ['daemon', 'nginx'] as const) {
    const base = () => (via === 'daemon' ? t.baseUrl : nginx.baseUrl);

    it(`${via}: start hands out a token; the playlist and every segment need it`, async () => {
      const id = `signed-${via}`;
      const started = await start(base(), id);
      expect(started.stream_path).toBe(`/streams/${id}/stream.m3u8?token=${started.playback_token}`);
      const expiresIn = (Date.parse(started.playback_expires_at) - Date.now()) / 1000;
      expect(expiresIn).toBeGreaterThan(TTL_S - 5);
      expect(expiresIn).toBeLessThanOrEqual(TTL_S + 1);

      const bare = await fetch(`${base()}/streams/${id}/stream.m3u8`);
      expect(bare.status).toBe(403);
      expect(await bare.json()).toMatchObject({ error: 'playback_forbidden' });
      const playlist = await fetch(`${base()}${started.stream_path}`);
      expect(playlist.status).toBe(200);
      // Every URI a player may follow: segment lines, and the URI="…" of the init segment, parts and the hint.
      const text = await playlist.text();
      const uris = [
        ...text.split('\n').filter((line) => line !== '' && !line.startsWith('#')),
        ...[...text.matchAll(/URI="([^"]+)"/g)].map((match) => match[1]!),
      ];
      expect(uris.length).toBeGreaterThan(2);
      for (const uri of uris)
        expect(uri).toMatch(new RegExp(`^[\\w-]+\\.(ts|m4s|mp4)\\?token=${started.playback_token.replace('.', '\\.')}$`));

      // The init segment and the first part exist as soon as the start call has answered.
      const segment = /#EXT-X-MAP:URI="([^"?]+)/.exec(text)![1]!;
      const part = /#EXT-X-PART:[^\n]*URI="([^"?]+)/.exec(text)![1]!;
      const partWithToken = await fetch(`${base()}/streams/${id}/${part}?token=${started.playback_token}`);
      expect(partWithToken.status).toBe(200);
      expect((await fetch(`${base()}/streams/${id}/${part}`)).status).toBe(403);
      const withToken = await fetch(`${base()}/streams/${id}/${segment}?token=${started.playback_token}`);
      expect(withToken.status).toBe(200);
      expect((await withToken.arrayBuffer()).byteLength).toBeGreaterThan(500);
      if (via === 'nginx') expect(withToken.headers.get('server')).toMatch(/^nginx/);
      const otherId = createPlaybackTokens({ secrets: [SECRET], ttlSeconds: 60 }).issue('someone-else').token;
      for (const token of ['', `?token=${otherId}`, `?token=${expiredToken(id)}`, `?token=${started.playback_token}x`]) {
        const refused = await fetch(`${base()}/streams/${id}/${segment}${token}`);
        expect(refused.status, token).toBe(403);
        expect(await refused.json()).toMatchObject({ error: 'playback_forbidden' });
        expect((await fetch(`${base()}/streams/${id}/stream.m3u8${token}`)).status, token).toBe(403);
      }
      await t.services.manager.stop(id);
    });

    it(`${via}: a playback token opens its stream's status, snapshot and renewal, and nothing else`, async () => {
      const id = `viewer-${via}`;
      const { playback_token: token } = await start(base(), id);
      const asViewer = (route: string) => fetch(`${base()}${route}`);
      expect((await asViewer(`/api/stream/status?indicator_id=${id}&token=${token}`)).status).toBe(200);
      // Past authentication: the stream runs without detection, which is the answer.
      expect((await asViewer(`/api/stream/snapshot?indicator_id=${id}&token=${token}`)).status).toBe(409);
      const renewed = await asViewer(`/api/stream/token?indicator_id=${id}&token=${token}`);
      expect(renewed.status).toBe(200);
      const body = (await renewed.json()) as { playback_token: string; stream_path: string };
      expect(t.services.playback!.verify(id, body.playback_token).verdict).toBe('valid');
      expect(body.stream_path).toBe(`/streams/${id}/stream.m3u8?token=${body.playback_token}`);

      for (const route of [
        `/api/stream/status?indicator_id=other&token=${token}`,
        `/api/stream/token?indicator_id=${id}&token=${expiredToken(id)}`,
        `/api/stream/start?indicator_id=${id}&token=${token}`,
        `/api/streams?indicator_id=${id}&token=${token}`,
      ]) {
        expect((await asViewer(route)).status, route).toBe(401);
      }
      const stop = await fetch(`${base()}/api/stream/stop?indicator_id=${id}&token=${token}`, { method: 'POST' });
      expect(stop.status).toBe(401);
      expect(t.services.manager.get(id)).toBeDefined();
      // Bearer credentials, even short-lived ones, stay out of the log.
      for (const line of t.logs) expect(line).not.toContain(token.split('.')[1]);
      await t.services.manager.stop(id);
    });
  }

  it('ends an event stream opened with a playback token when the token expires', async () => {
    const id = 'events-expire';
    await start(t.baseUrl, id);
    // Same secret, a clock 57 s back: a 60 s token with about 3 s to go.
    const shortLived = createPlaybackTokens({ secrets: [SECRET], ttlSeconds: 60, now: () => Date.now() - 57_000 }).issue(id).token;
    const events = await SseClient.open(`${nginx.baseUrl}/api/stream/events?indicator_id=${id}&token=${shortLived}`);
    try {
      expect(events.status).toBe(200);
      expect(events.ended).toBe(false);
      await waitFor(() => events.ended, { timeoutMs: 10_000, what: 'the event stream to end with its token' });
    } finally {
      await events.close();
      await t.services.manager.stop(id);
    }
  });

  it('nginx: asks the daemon once per stream and token for a few seconds, not once per segment', async () => {
    const id = 'cached';
    const { stream_path, playback_token: token } = await start(nginx.baseUrl, id);
    const segments = mediaUris(await (await fetch(`${nginx.baseUrl}${stream_path}`)).text());
    const before = await checks();
    let served = 0;
    for (let round = 0; round < 4; round++) {
      for (const line of segments) served += (await fetch(`${nginx.baseUrl}/streams/${id}/${line}`)).status === 200 ? 1 : 0;
    }
    expect(served).toBe(segments.length * 4);
    expect(served).toBeGreaterThanOrEqual(4);
    // The cache lives 5 s; the loop takes well under that, give or take one expiry.
    expect((await checks()) - before).toBeLessThanOrEqual(2);
    expect(t.services.playback!.verify(id, token).verdict).toBe('valid');
    await t.services.manager.stop(id);
  });

  it('nginx: a token for one stream never opens another, however the path is spelled', async () => {
    const [a, b] = await Promise.all([start(nginx.baseUrl, 'stream-a'), start(nginx.baseUrl, 'stream-b')]);
    const segmentOfB = mediaUris(await (await fetch(`${nginx.baseUrl}${b.stream_path}`)).text())[0]!.split('?')[0]!;
    const tokenA = a.playback_token;
    for (const spelled of [
      `/streams/stream-a/..%2Fstream-b%2F${segmentOfB}?token=${tokenA}`,
      `/streams/stream-a/%2E%2E%2Fstream-b%2F${segmentOfB}?token=${tokenA}`,
      `/streams/stream-b/${segmentOfB}?token=${tokenA}`,
      `/streams/stream-b/${segmentOfB}?TOKEN=junk&token=${tokenA}`,
      `/streams/stream-b/${segmentOfB}?token=${tokenA}`, // again: nothing allowed may have been cached
    ]) {
      expect([403, 404], spelled).toContain((await fetch(`${nginx.baseUrl}${spelled}`)).status);
    }
    expect((await fetch(`${nginx.baseUrl}/streams/stream-b/${segmentOfB}?token=${b.playback_token}`)).status).toBe(200);
    await Promise.all([t.services.manager.stop('stream-a'), t.services.manager.stop('stream-b')]);
  });

  it('nginx: keeps its own question to the daemon to itself', async () => {
    const response = await fetch(`${nginx.baseUrl}/api/playback/authorize`, { headers: { 'x-stream-id': 'x' } });
    expect(response.status).toBe(404);
  });
});
