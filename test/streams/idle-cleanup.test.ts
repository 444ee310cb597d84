import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUrl } from '../support/api.js';
import { type RtspCamera, startRtspCamera } from '../support/rtsp-camera.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { isAlive, waitFor } from '../support/wait-for.js';

const DELAY_S = 3;
const INTERVAL_S = 0.5;

let camera: RtspCamera;
let t: TestApp;

beforeAll(async () => {
  camera = await startRtspCamera();
  t = await startTestApp({ CLEANUP_DELAY_SECONDS: String(DELAY_S), CLEANUP_INTERVAL_SECONDS: String(INTERVAL_S) });
});
afterAll(async () => {
  await t?.close();
  await camera?.stop();
});

const start = (id: string) => fetch(startUrl(t.baseUrl, { indicator_id: id, rtsp_link: camera.url })).then((r) => r.json());

describe('viewer-aware idle cleanup', () => {
  it('keeps a watched stream and sweeps an unwatched one within delay + interval', async () => {
    await Promise.all([start('watched'), start('unwatched')]);
    const unwatchedPid = t.services.manager.get('unwatched')!.pid!;
    const watchedPid = t.services.manager.get('watched')!.pid!;
    const startedAt = Date.now();

    // A player fetching the playlist once a second, for three times the idle delay.
    let playerFetches = 0;
    while (Date.now() - startedAt < 3 * DELAY_S * 1000) {
      const response = await fetch(`${t.baseUrl}/streams/watched/stream.m3u8`);
      expect(response.status).toBe(200);
      playerFetches += 1;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      if (!t.services.manager.get('unwatched')) continue;
      // The unwatched one must be gone once delay + interval (+ stop time) has passed.
      expect(Date.now() - startedAt).toBeLessThan((DELAY_S + INTERVAL_S) * 1000 + 3000);
    }
    expect(playerFetches).toBeGreaterThanOrEqual(8);

    expect(t.services.manager.get('unwatched')).toBeUndefined();
    await waitFor(() => !isAlive(unwatchedPid), { what: 'the unwatched FFmpeg to exit' });
    expect(await t.streamFolders()).toEqual(['watched']);

    expect(t.services.manager.get('watched')?.state).toBe('running');
    expect(t.services.manager.get('watched')?.pid).toBe(watchedPid);

    // Once the player leaves, the watched stream goes too.
    await waitFor(async () => !t.services.manager.get('watched') && (await t.streamFolders()).length === 0, {
      timeoutMs: (DELAY_S + INTERVAL_S) * 1000 + 5000,
      what: 'the watched stream to be swept',
    });
    expect(isAlive(watchedPid)).toBe(false);
  });

  it('counts a start call as activity', async () => {
    await start('kept');
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect((await start('kept')).status).toBe('running');
    }
    expect(t.services.manager.get('kept')?.restarts).toBe(0);
    await t.services.manager.stop('kept');
  });
});
