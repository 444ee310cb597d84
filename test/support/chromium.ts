import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium, headless, with nothing that reaches for the network on its own. */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'sm-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--autoplay-policy=no-user-gesture-required',
      // Every tab plays as if it were in front: the multi-tab test watches all of them.
      '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding',
      '--disable-backgrounding-occluded-windows',
    ],
    viewport: { width: 1000, height: 700 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** The video's clock, read twice: it must move forward between the readings. */
export async function videoAdvances(page: Page): Promise<{ width: number; height: number; first: number; second: number }> {
  await page.waitForFunction(() => (document.querySelector('video') as HTMLVideoElement).currentTime > 0.5, undefined, { timeout: 20_000 });
  const first = await page.evaluate(() => (document.querySelector('video') as HTMLVideoElement).currentTime);
  await page.waitForFunction((t0) => (document.querySelector('video') as HTMLVideoElement).currentTime > t0 + 1, first, {
    timeout: 10_000,
  });
  return page.evaluate((t0) => {
    const video = document.querySelector('video') as HTMLVideoElement;
    return { width: video.videoWidth, height: video.videoHeight, first: t0, second: video.currentTime };
  }, first);
}
