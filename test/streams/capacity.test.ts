import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUrl } from '../support/api.js';
import { type RtspCamera, startRtspCamera } from '../support/rtsp-camera.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

let camera: RtspCamera;
let t: TestApp;

beforeAll(async () => {
  camera = await startRtspCamera();
  t = await startTestApp({ MAX_STREAMS: '2' });
});
afterAll(async () => {
  await t?.close();
  await camera?.stop();
});

const start = (id: string) => fetch(startUrl(t.baseUrl, { indicator_id: id, rtsp_link: camera.url }));

describe('MAX_STREAMS', () => {
  it('answers 503 past the limit and spawns nothing', async () => {
    expect((await start('one')).status).toBe(200);
    expect((await start('two')).status).toBe(200);
    const sessionsBefore = camera.clients.total;

    const refused = await start('three');
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({
      error: 'capacity_exceeded',
      message: 'the daemon already runs MAX_STREAMS=2 streams; stop one or raise MAX_STREAMS',
    });
    expect(t.services.manager.get('three')).toBeUndefined();
    expect(await t.streamFolders()).toEqual(['one', 'two']);
    expect(camera.clients.total).toBe(sessionsBefore);

    // Joining a running stream is not a new stream, and a freed slot can be reused.
    expect((await start('one')).status).toBe(200);
    await t.services.manager.stop('two');
    expect((await start('three')).status).toBe(200);
  });
});

describe('shutting down', () => {
  it('starts nothing once the manager is closing', async () => {
    const other = await startTestApp();
    try {
      await other.services.manager.close();
      const refused = await fetch(startUrl(other.baseUrl, { indicator_id: 'late', rtsp_link: camera.url }));
      expect(refused.status).toBe(503);
      expect(await refused.json()).toMatchObject({ error: 'shutting_down' });
      expect(other.services.manager.list()).toEqual([]);
      expect(await other.streamFolders()).toEqual([]);
    } finally {
      await other.close();
    }
  });
});
