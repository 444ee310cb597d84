import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUrl } from '../support/api.js';
import { launchChromium } from '../support/chromium.js';
import { type RunningNginx, startNginxFor } from '../support/nginx.js';
import { type RtspCamera, startRtspCamera } from '../support/rtsp-camera.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const API_TOKEN = 'api-token-0123456789abcdef';
const TTL_S = 10; // the shortest allowed, so that the player must renew twice in the test

let camera: RtspCamera;
let t: TestApp;
let nginx: RunningNginx;
let browser: Awaited<ReturnType<typeof launchChromium>>;

beforeAll(async () => {
  camera = await startRtspCamera({ width: 640, height: 360 });
  t = await startTestApp({
    API_TOKEN,
    PLAYBACK_SECRET: 'playback-secret-0123456789abcdef-0123',
    PLAYBACK_TOKEN_TTL_SECONDS: String(TTL_S),
  });
  nginx = await startNginxFor(t);
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await nginx?.stop();
  await t?.close();
  await camera?.stop();
});

describe('the player with signed playback, in a real browser through Nginx', () => {
  it('plays a stream a backend started, past the first token’s expiry, renewing as it goes', async () => {
    // The backend's part: start with the API token, hand the browser only the playback token.
    const started = await fetch(startUrl(nginx.baseUrl, { indicator_id: 'signed', rtsp_link: camera.url }), {
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    const { playback_token: firstToken, playback_expires_at } = (await started.json()) as {
      playback_token: string;
      playback_expires_at: string;
    };
    const page = await browser.context.newPage();
    const refused: string[] = [];
    const segmentTokens = new Set<string>();
    page.on('response', (response) => {
      const url = new URL(response.url());
      if (response.status() >= 400) refused.push(`${response.status()} ${url.pathname}`);
      if (/\.(ts|m4s|mp4)$/.test(url.pathname)) segmentTokens.add(url.searchParams.get('token') ?? '');
    });
    await page.goto(`${nginx.baseUrl}/player?indicator_id=signed&token=${firstToken}`);
    await page.waitForFunction(() => document.querySelector('#state')?.textContent === 'Live', undefined, { timeout: 20_000 });

    // Play on until well after the first token (and its successor) expired.
    const mustPlayUntil = Date.parse(playback_expires_at) + TTL_S * 1000 + 2000;
    const clock = () => page.evaluate(() => (document.querySelector('video') as HTMLVideoElement).currentTime);
    const [liveAt, atLive] = [Date.now(), await clock()];
    await page.waitForFunction((until) => Date.now() > until, mustPlayUntil, { timeout: 40_000, polling: 500 });
    const now = await clock();
    // The picture kept up with the wall clock (a stall at a renewal would show as a gap).
    expect(now - atLive).toBeGreaterThan((Date.now() - liveAt) / 1000 - 3);
    // Still advancing, and still told it is live.
    await page.waitForFunction((t0) => (document.querySelector('video') as HTMLVideoElement).currentTime > t0 + 1, now, {
      timeout: 10_000,
    });
    expect(await page.textContent('#state')).toBe('Live');
    expect(refused).toEqual([]);
    expect(segmentTokens.has(firstToken)).toBe(true);
    expect(segmentTokens.size).toBeGreaterThanOrEqual(3);
    for (const token of segmentTokens) expect(t.services.playback!.verify('signed', token).verdict).not.toBe('invalid');
    await page.close();
  }, 60_000);

  it('lets an operator type the API token into the stream list, then watch a stream from it', async () => {
    await fetch(startUrl(nginx.baseUrl, { indicator_id: 'listed', rtsp_link: camera.url }), {
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    const page = await browser.context.newPage();
    await page.goto(`${nginx.baseUrl}/`);
    await page.waitForSelector('#login:not([hidden])', { timeout: 10_000 });
    await page.fill('#api-token', API_TOKEN);
    await page.click('#login button');
    await page.waitForSelector('#streams a[href="/player?indicator_id=listed"]', { timeout: 10_000 });
    expect(await page.isHidden('#login')).toBe(true);
    await page.click('#streams a[href="/player?indicator_id=listed"]');
    // The player joins by id with the tab's API token, and plays with the playback token it gets back.
    await page.waitForFunction(() => (document.querySelector('video') as HTMLVideoElement).currentTime > 0.5, undefined, {
      timeout: 20_000,
    });
    expect(await page.textContent('#state')).toBe('Live');
    await page.close();
  });

  it('is refused playback without a token', async () => {
    const page = await browser.context.newPage();
    const playlist = page.waitForResponse((response) => response.url().includes('stream.m3u8'));
    await page.goto(`${nginx.baseUrl}/player?indicator_id=signed&token=123.not-a-real-token`);
    expect((await playlist).status()).toBe(403);
    await page.close();
  });
});
