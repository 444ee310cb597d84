import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventMessage } from '../../src/tracking/object-event.js';
import { launchChromium } from '../support/chromium.js';
import { type RtspCamera, startRtspCamera } from '../support/rtsp-camera.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

const ASTRONAUT = fileURLToPath(new URL('../fixtures/media/astronaut.png', import.meta.url));
const TOKEN = 'event-pages-token-0123456789';

let camera: RtspCamera;
let t: TestApp;
let browser: Awaited<ReturnType<typeof launchChromium>>;
const messages: EventMessage[] = [];

beforeAll(async () => {
  camera = await startRtspCamera({ image: ASTRONAUT, width: 512, height: 512 });
  t = await startTestApp({ DETECT_ENABLED: 'true', API_TOKEN: TOKEN });
  t.services.bus.on('object.event', (m) => messages.push(m));
  const started = await fetch(`${t.baseUrl}/api/stream/start`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ indicator_id: 'porch', rtsp_link: camera.url }),
  });
  expect(started.status).toBe(200);
  await waitFor(() => messages.find((m) => m.type === 'new' && m.after.has_snapshot), {
    timeoutMs: 30_000,
    what: 'an event with a picture',
  });
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
  await camera?.stop();
});

async function signedIn(path: string) {
  const page = await browser.context.newPage();
  await page.goto(`${t.baseUrl}${path}`);
  await page.locator('#api-token').waitFor({ state: 'visible', timeout: 10_000 });
  await page.fill('#api-token', TOKEN);
  await page.click('#login button[type=submit]');
  return page;
}

/** Waits until the image at `selector` has loaded a picture `width` wide (any width when undefined). */
const imageLoaded = (page: Awaited<ReturnType<typeof signedIn>>, selector: string, width?: number) =>
  page.waitForFunction(
    ([s, w]) => {
      const shown = (document.querySelector(s as string) as HTMLImageElement | null)?.naturalWidth ?? 0;
      return w === null ? shown > 0 : shown === w;
    },
    [selector, width ?? null] as const,
    { timeout: 10_000 },
  );

describe('the event pages in a real browser', () => {
  it('the events page lists the event with a thumbnail and shows its full-size picture', async () => {
    const page = await signedIn('/events');
    try {
      const row = page.locator('.event').first();
      await row.waitFor({ timeout: 10_000 });
      expect(await row.textContent()).toMatch(/porch · face \d+% · in view/);
      await imageLoaded(page, '.event img');
      await row.click();
      await imageLoaded(page, '#picture', 512);
      expect(await page.locator('#note').textContent()).toBe('no clip: porch does not record');
      expect(await page.locator('#clip').isHidden()).toBe(true);
    } finally {
      await page.close();
    }
  }, 40_000);

  it('the camera wall shows the stream with a recent full-size picture and the face in view; a click plays it', async () => {
    const page = await signedIn('/wall');
    try {
      const tile = page.locator('.tile[data-id="porch"]');
      await tile.waitFor({ timeout: 10_000 });
      await page.waitForFunction(
        () => document.querySelector('.tile[data-id="porch"] .caption')?.textContent === 'porch · running · face 1',
        undefined,
        {
          timeout: 10_000,
        },
      );
      await imageLoaded(page, '.tile[data-id="porch"] img', 512);
      await tile.click();
      await page.waitForURL(/\/player\?indicator_id=porch$/, { timeout: 10_000 });
    } finally {
      await page.close();
    }
  }, 40_000);
});
