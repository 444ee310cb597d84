import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUrl } from '../support/api.js';
import { type RunningNginx, startNginxFor } from '../support/nginx.js';
import { type RtspCamera, startRtspCamera } from '../support/rtsp-camera.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

const PASSWORD = 'pa55-Registry-Secret';

describe('the camera registry (CAMERAS_FILE) with ALLOW_API_SOURCES=false', () => {
  let dir: string;
  let file: string;
  let front: RtspCamera;
  let back: RtspCamera;
  let backMoved: RtspCamera;
  let t: TestApp;
  let nginx: RunningNginx;

  const withPassword = (camera: RtspCamera) => camera.url.replace('rtsp://', `rtsp://admin:${PASSWORD}@`);
  /** Written aside and renamed over the file, the way editors and deploy tools replace it. */
  const writeCameras = async (yaml: string) => {
    await writeFile(`${file}.tmp`, yaml);
    await rename(`${file}.tmp`, file);
  };

  beforeAll(async () => {
    [front, back, backMoved] = await Promise.all([
      startRtspCamera({ user: 'admin', password: PASSWORD }),
      startRtspCamera({ user: 'admin', password: PASSWORD }),
      startRtspCamera({ user: 'admin', password: PASSWORD }),
    ]);
    dir = await mkdtemp(path.join(os.tmpdir(), 'sm-cameras-'));
    file = path.join(dir, 'cameras.yml');
    await writeCameras(`cameras:\n  front:\n    url: ${withPassword(front)}\n  back:\n    url: ${withPassword(back)}\n    audio: false\n`);
    t = await startTestApp({ CAMERAS_FILE: file, ALLOW_API_SOURCES: 'false' });
    nginx = await startNginxFor(t);
  }, 60_000);
  afterAll(async () => {
    await nginx?.stop();
    await t?.close();
    await Promise.all([front?.stop(), back?.stop(), backMoved?.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('starts a camera by its id alone, directly and through Nginx, and never shows its URL', async () => {
    for (const [base, id] of [
      [t.baseUrl, 'front'],
      [nginx.baseUrl, 'back'],
    ] as const) {
      const response = await fetch(startUrl(base, { indicator_id: id }));
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'started', stream_path: `/streams/${id}/stream.m3u8` });
    }
    await front.waitForClients((c) => c.active === 1);
    await back.waitForClients((c) => c.active === 1);
    const listed = await (await fetch(`${nginx.baseUrl}/api/cameras`)).json();
    expect(listed).toEqual({
      cameras: [
        { indicator_id: 'back', detect: null, audio: false, transport: null, record: false, state: 'running' },
        { indicator_id: 'front', detect: null, audio: null, transport: null, record: false, state: 'running' },
      ],
    });
    const everything = [
      JSON.stringify(listed),
      await (await fetch(`${t.baseUrl}/api/streams`)).text(),
      await t.services.metrics.render(),
      ...t.logs,
    ];
    for (const text of everything) expect(text).not.toContain(PASSWORD);
  });

  it('refuses rtsp_link and unknown ids, starting nothing', async () => {
    const before = t.services.manager.list().map((s) => s.id);
    const cases: Array<[string, number, string]> = [
      [`indicator_id=elsewhere&rtsp_link=${encodeURIComponent(front.url)}`, 403, 'api_sources_disabled'],
      ['indicator_id=elsewhere', 404, 'camera_not_found'],
      [`indicator_id=front&rtsp_link=${encodeURIComponent(back.url)}`, 409, 'source_conflict'],
    ];
    for (const [query, status, error] of cases) {
      for (const base of [t.baseUrl, nginx.baseUrl]) {
        const response = await fetch(`${base}/api/stream/start?${query}`);
        expect(response.status, query).toBe(status);
        expect(await response.json()).toMatchObject({ error });
      }
    }
    expect(t.services.manager.list().map((s) => s.id)).toEqual(before);
    expect(await t.streamFolders()).toEqual(before.sort());
  });

  it('follows edits: a changed camera restarts from its new entry, a removed one stops, the others keep running', async () => {
    const frontPid = t.services.manager.get('front')!.pid;
    const backPid = t.services.manager.get('back')!.pid;
    expect(frontPid).toBeDefined();
    // A half-written file changes nothing.
    await writeCameras('cameras:\n  front: {url: ');
    await waitFor(() => t.logs.some((line) => line.includes('camera file rejected')), {
      timeoutMs: 5000,
      what: 'the bad file to be rejected',
    });
    expect(t.services.cameras!.ids()).toEqual(['back', 'front']);

    await writeCameras(
      `cameras:\n  front:\n    url: ${withPassword(front)}\n  back:\n    url: ${withPassword(backMoved)}\n    audio: false\n`,
    );
    await backMoved.waitForClients((c) => c.active === 1, 15_000);
    await back.waitForClients((c) => c.active === 0, 15_000);
    await waitFor(() => t.services.manager.get('back')?.state === 'running', { timeoutMs: 15_000, what: 'back to run again' });
    expect(t.services.manager.get('back')!.pid).not.toBe(backPid);
    expect(t.services.manager.get('front')!.pid).toBe(frontPid);
    expect(front.clients.total).toBe(1);

    await writeCameras(`cameras:\n  back:\n    url: ${withPassword(backMoved)}\n    audio: false\n`);
    await waitFor(() => t.services.manager.get('front') === undefined, { timeoutMs: 10_000, what: 'front to stop' });
    await front.waitForClients((c) => c.active === 0);
    expect(t.services.manager.get('back')?.state).toBe('running');
    expect((await fetch(startUrl(t.baseUrl, { indicator_id: 'front' }))).status).toBe(404);
    for (const line of t.logs) expect(line).not.toContain(PASSWORD);
  }, 60_000);
});
