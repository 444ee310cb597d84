import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, videoAdvances } from '../support/chromium.js';
import { type RunningNginx, startNginxFor } from '../support/nginx.js';
import { type RtspCamera, startRtspCamera } from '../support/rtsp-camera.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

const ASTRONAUT = fileURLToPath(new URL('../fixtures/media/astronaut.png', import.meta.url));

let camera: RtspCamera;
let faceCamera: RtspCamera;
let t: TestApp;
let nginx: RunningNginx;
let browser: Awaited<ReturnType<typeof launchChromium>>;

beforeAll(async () => {
  [camera, faceCamera] = await Promise.all([
    startRtspCamera({ width: 640, height: 360 }),
    startRtspCamera({ image: ASTRONAUT, width: 512, height: 512 }),
  ]);
  t = await startTestApp();
  nginx = await startNginxFor(t);
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await nginx?.stop();
  await t?.close();
  await Promise.all([camera?.stop(), faceCamera?.stop()]);
});

const playerUrl = () => `${nginx.baseUrl}/player?indicator_id=cam&rtsp_link=${encodeURIComponent(camera.url)}`;

describe('the player in a real browser, through Nginx', () => {
  it('plays the camera: the clock advances at the camera’s size, and the page says it is live', async () => {
    const page = await browser.context.newPage();
    await page.goto(playerUrl());
    const playback = await videoAdvances(page);
    expect(playback).toMatchObject({ width: 640, height: 360 });
    expect(playback.second).toBeGreaterThan(playback.first);
    await page.waitForFunction(() => document.querySelector('#state')?.textContent === 'Live', undefined, { timeout: 10_000 });
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}player.png` });
    await page.close();
  });

  it('ten tabs on one camera share one FFmpeg and one camera session', async () => {
    const sessionsBefore = camera.clients.total;
    const running = t.services.manager.get('cam');
    const pages = await Promise.all(Array.from({ length: 10 }, () => browser.context.newPage()));
    try {
      await Promise.all(pages.map((page) => page.goto(playerUrl())));
      const playbacks = await Promise.all(pages.map(videoAdvances));
      expect(playbacks.every((p) => p.width === 640 && p.second > p.first)).toBe(true);
      expect(t.services.manager.list()).toHaveLength(1);
      // The same stream the first test started, still on its first FFmpeg.
      if (running) expect(t.services.manager.get('cam')?.pid).toBe(running.pid);
      expect(camera.clients.active).toBe(1);
      expect(camera.clients.total - sessionsBefore).toBeLessThanOrEqual(running ? 0 : 1);
    } finally {
      await Promise.all(pages.map((page) => page.close()));
    }
  }, 60_000);

  it('draws live detections over the video when the stream has detection', async () => {
    const page = await browser.context.newPage();
    try {
      await page.goto(`${nginx.baseUrl}/player?indicator_id=face&detect=true&rtsp_link=${encodeURIComponent(faceCamera.url)}`);
      await videoAdvances(page);
      await page.waitForFunction(() => document.querySelector('#detections')?.textContent?.includes('face'), undefined, {
        timeout: 15_000,
      });
      // The box is drawn in green on the canvas over the video, around the face (upper middle of the picture).
      const green = await page.evaluate(() => {
        const canvas = document.querySelector('#boxes') as HTMLCanvasElement;
        const { data, width, height } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        let count = 0;
        let sumX = 0;
        let sumY = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 1]! > 180 && data[i]! < 80 && data[i + 3]! > 0) {
            count += 1;
            sumX += (i / 4) % width;
            sumY += Math.floor(i / 4 / width);
          }
        }
        return { count, x: sumX / count / width, y: sumY / count / height };
      });
      expect(green.count).toBeGreaterThan(100);
      expect(green.x).toBeGreaterThan(0.35);
      expect(green.x).toBeLessThan(0.6);
      expect(green.y).toBeLessThan(0.45);
      await page.screenshot({ path: `${ARTIFACTS}player-detection.png` });
    } finally {
      await page.close();
    }
  });

  it('lists running streams on the index page', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${nginx.baseUrl}/`);
    await page.waitForSelector('#streams tbody tr', { timeout: 10_000 });
    expect(await page.textContent('#streams tbody')).toContain('cam');
    await page.close();
  });

  it('explains a camera that cannot be reached', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${nginx.baseUrl}/player?indicator_id=nowhere&rtsp_link=${encodeURIComponent(camera.url.replace('/cam', '/nope'))}`);
    await page.waitForFunction(() => document.querySelector('#state')?.textContent?.startsWith('Could not start'), undefined, {
      timeout: 15_000,
    });
    expect(await page.textContent('#state')).toContain('no stream at that path');
    await page.close();
  });
});
