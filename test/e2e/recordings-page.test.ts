import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { camerasFile, probeDuration } from '../support/recordings.js';
import { type RtspCamera, startRtspCamera } from '../support/rtsp-camera.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

const TOKEN = 'recordings-page-token-0123456789';

let camera: RtspCamera;
let cameras: Awaited<ReturnType<typeof camerasFile>>;
let t: TestApp;
let browser: Awaited<ReturnType<typeof launchChromium>>;

beforeAll(async () => {
  camera = await startRtspCamera({ pattern: 'clock', width: 704, height: 396, fps: 25, keyintSeconds: 1 });
  cameras = await camerasFile({ yard: { url: camera.url, record: true } });
  t = await startTestApp({ CAMERAS_FILE: cameras.file, RECORD_SEGMENT_SECONDS: '2', API_TOKEN: TOKEN });
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
  await cameras?.remove();
  await camera?.stop();
});

type Span = { start: string; end: string };
const spans = async (): Promise<Span[]> => {
  const response = await fetch(`${t.baseUrl}/api/recordings?indicator_id=yard`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return ((await response.json()) as { spans: Span[] }).spans;
};

describe('the recordings page in a real browser', () => {
  it('asks for the API token, shows the recorded span on the timeline, and a click plays the footage from there', async () => {
    // A few seconds of footage, so that the span is there when the page asks for it.
    await waitFor(
      async () => ((await spans())[0] && Date.parse((await spans())[0]!.end) - Date.parse((await spans())[0]!.start) >= 6000) || undefined,
      {
        timeoutMs: 40_000,
        what: 'six seconds recorded',
      },
    );
    const page = await browser.context.newPage();
    try {
      await page.goto(`${t.baseUrl}/recordings?indicator_id=yard`);
      // The page cannot list anything without the token: it asks for it.
      await page.locator('#api-token').waitFor({ state: 'visible', timeout: 10_000 });
      expect(await page.locator('.timeline .span').count()).toBe(0);
      await page.fill('#api-token', TOKEN);
      await page.click('button[type=submit]');
      const bar = page.locator('.timeline .span').first();
      await bar.waitFor({ timeout: 10_000 });
      expect(await page.locator('#camera').inputValue()).toBe('yard');

      const box = (await bar.boundingBox())!;
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      // The video plays recorded footage: its clock moves and the page says which time it shows.
      await page.waitForFunction(() => (document.querySelector('video') as HTMLVideoElement).currentTime > 1, undefined, {
        timeout: 20_000,
      });
      const shown = await page.locator('#state').textContent();
      expect(shown).toMatch(/^playing \d{2}:\d{2}:\d{2} UTC$/);
      const [span] = await spans();
      const hms = shown!.slice(8, 16);
      const day = span!.start.slice(0, 10);
      const at = Date.parse(`${day}T${hms}Z`);
      expect(at).toBeGreaterThanOrEqual(Date.parse(span!.start) - 1000);
      expect(at).toBeLessThanOrEqual(Date.parse(span!.end) + 1000);
      expect(await page.evaluate(() => (document.querySelector('video') as HTMLVideoElement).videoWidth)).toBe(704);

      // The download button asks for one minute from there as an attachment, with the token the page holds.
      const href = await page.locator('#download').getAttribute('data-clip');
      expect(href).toMatch(/^\/api\/recordings\/clip\?indicator_id=yard&start=\d+&end=\d+&download=1$/);
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: 20_000 }), page.click('#download')]);
      expect(download.suggestedFilename()).toMatch(/^yard-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.mp4$/);
      const saved = await download.path();
      expect(await probeDuration(saved)).toBeGreaterThan(1);
    } finally {
      await page.close();
    }
  }, 90_000);
});
