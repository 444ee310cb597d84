import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createSourceHostGuard } from '../../src/security/source-hosts.js';
import { startUrl } from '../support/api.js';
import { type RunningNginx, startNginxFor } from '../support/nginx.js';
import { type RtspCamera, startRtspCamera } from '../support/rtsp-camera.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('source host guard', () => {
  const guard = createSourceHostGuard(['127.0.0.0/8', '::1/128', 'cam.example']);

  it('checks the addresses a name resolves to, and pins plain RTSP to the checked one', async () => {
    expect(await guard('rtsp://admin:pw@localhost:8554/cam')).toBe('rtsp://admin:pw@127.0.0.1:8554/cam');
    expect(await guard('rtsp://127.0.0.9/cam')).toBe('rtsp://127.0.0.9/cam');
    expect(await guard('rtsp://[::1]:8554/cam')).toBe('rtsp://[::1]:8554/cam');
    // rtsps keeps the name: TLS checks the certificate against it.
    expect(await guard('rtsps://localhost/cam')).toBe('rtsps://localhost/cam');
  });

  it('allows a host listed by name without resolving it', async () => {
    const neverResolves = createSourceHostGuard(['cam.example'], () => Promise.reject(new Error('no DNS here')));
    expect(await neverResolves('rtsp://CAM.example/live')).toBe('rtsp://CAM.example/live');
  });

  it('refuses addresses outside the list, and names it cannot resolve', async () => {
    await expect(guard('rtsp://10.0.0.5/x')).rejects.toThrow(/outside the allowed networks/);
    await expect(guard('rtsp://169.254.169.254/latest')).rejects.toThrow(/outside the allowed networks/);
    await expect(createSourceHostGuard(['10.0.0.0/8'])('rtsp://localhost/x')).rejects.toThrow(/outside/);
    // External DNS cannot run here; the resolver is injected for the one case that needs a failure.
    const failing = createSourceHostGuard(['10.0.0.0/8'], () => Promise.reject(new Error('ENOTFOUND')));
    await expect(failing('rtsp://nowhere.example/x')).rejects.toThrow(/does not resolve/);
    // A name that resolves partly outside is refused as a whole.
    const mixed = createSourceHostGuard(['10.0.0.0/8'], async () => [
      { address: '10.1.1.1', family: 4 },
      { address: '192.168.1.1', family: 4 },
    ]);
    await expect(mixed('rtsp://split.example/x')).rejects.toThrow(/outside/);
  });

  it('lets everything through when the list is empty', async () => {
    expect(await createSourceHostGuard([])('rtsp://anything.example/x')).toBe('rtsp://anything.example/x');
  });

  it('names ALLOWED_SOURCE_HOSTS when an entry is malformed', () => {
    expect(() => loadConfig({ ALLOWED_SOURCE_HOSTS: '10.0.0.0/8, bad entry;' })).toThrow(/ALLOWED_SOURCE_HOSTS/);
    expect(loadConfig({ ALLOWED_SOURCE_HOSTS: '10.0.0.0/8, cam-1.local, ::1' }).allowedSourceHosts).toEqual([
      '10.0.0.0/8',
      'cam-1.local',
      '::1',
    ]);
  });
});

describe('ALLOWED_SOURCE_HOSTS at the API, directly and through Nginx', () => {
  let camera: RtspCamera;
  let open: TestApp;
  let closed: TestApp;
  let nginx: RunningNginx;

  beforeAll(async () => {
    camera = await startRtspCamera();
    [open, closed] = await Promise.all([
      startTestApp({ ALLOWED_SOURCE_HOSTS: '127.0.0.0/8' }),
      startTestApp({ ALLOWED_SOURCE_HOSTS: '10.0.0.0/8,cameras.internal' }),
    ]);
    nginx = await startNginxFor(closed);
  }, 60_000);
  afterAll(async () => {
    await nginx?.stop();
    await Promise.all([open?.close(), closed?.close()]);
    await camera?.stop();
  });

  const localhostUrl = () => camera.url.replace('127.0.0.1', 'localhost');

  it('starts a camera inside the list, with FFmpeg given the checked address', async () => {
    const response = await fetch(startUrl(open.baseUrl, { indicator_id: 'ok', rtsp_link: localhostUrl() }));
    expect(response.status).toBe(200);
    const argv = (await readFile(`/proc/${open.services.manager.get('ok')!.pid}/cmdline`, 'utf8')).split('\0');
    expect(argv).toContain(camera.url); // 127.0.0.1, not localhost
    expect(argv.some((arg) => arg.includes('localhost'))).toBe(false);
  });

  for (const via of ['daemon', 'nginx'] as const) {
    it(`${via}: refuses a camera outside the list with 403, and starts nothing`, async () => {
      const base = via === 'daemon' ? closed.baseUrl : nginx.baseUrl;
      const sessions = camera.clients.total;
      const response = await fetch(startUrl(base, { indicator_id: 'no', rtsp_link: localhostUrl() }));
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({
        error: 'source_not_allowed',
        message: expect.stringContaining('ALLOWED_SOURCE_HOSTS'),
      });
      expect(closed.services.manager.list()).toEqual([]);
      expect(await closed.streamFolders()).toEqual([]);
      expect(camera.clients.total).toBe(sessions);
    });
  }
});
