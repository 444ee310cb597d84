import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { makeTestVideo } from '../support/media-files.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** The file is this long; the browser watches it for more than twice that. */
const CLIP_SECONDS = 3;
const WATCH_PAST_SECONDS = 2 * CLIP_SECONDS + 1;

let dir: string;
let t: TestApp;
let browser: Awaited<ReturnType<typeof launchChromium>>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sm-loop-'));
  const media = path.join(dir, 'media');
  await mkdir(media);
  await makeTestVideo(path.join(media, 'TextileFactory.mp4'), { seconds: CLIP_SECONDS, width: 480, height: 270 });
  const cameras = path.join(dir, 'cameras.yml');
  await writeFile(cameras, 'cameras:\n  TextileFactory: { url: "file:TextileFactory.mp4" }\n');
  t = await startTestApp({ MEDIA_DIR: media, CAMERAS_FILE: cameras });
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a looping file source in a real browser', () => {
  it('plays past the end of its file, around the loop, with no hls.js error', async () => {
    const page = await browser.context.newPage();
    // Every hls.js error (fatal or not), from whichever Hls the player makes.
    await page.addInitScript(() => {
      const errors: Array<{ type: string; details: string; fatal: boolean; at: number }> = [];
      (window as unknown as { hlsErrors: typeof errors }).hlsErrors = errors;
      let Hls: unknown;
      Object.defineProperty(window, 'Hls', {
        configurable: true,
        get: () => Hls,
        set: (Original: {
          new (...args: unknown[]): { on(event: string, fn: (e: string, d: never) => void): void };
          Events: { ERROR: string };
        }) => {
          Hls = class extends (
            (Original as unknown as new (
              ...args: unknown[]
            ) => { on(event: string, fn: (e: string, d: never) => void): void })
          ) {
            constructor(...args: unknown[]) {
              super(...args);
              this.on(Original.Events.ERROR, (_event, data: { type: string; details: string; fatal: boolean }) =>
                errors.push({
                  type: data.type,
                  details: data.details,
                  fatal: data.fatal,
                  at: (document.querySelector('video') as HTMLVideoElement | null)?.currentTime ?? -1,
                }),
              );
            }
          };
          Object.assign(Hls as object, Original);
          Object.setPrototypeOf(Hls as object, Original);
        },
      });
    });
    const failed: string[] = [];
    page.on('response', (response) => {
      if (response.status() >= 400) failed.push(`${response.status()} ${new URL(response.url()).pathname}`);
    });
    try {
      await page.goto(`${t.baseUrl}/player?indicator_id=TextileFactory`);
      await page.waitForFunction(() => (document.querySelector('video') as HTMLVideoElement).currentTime > 0.2, undefined, {
        timeout: 20_000,
      });
      const first = await page.evaluate(() => (document.querySelector('video') as HTMLVideoElement).currentTime);
      await page.waitForFunction(
        (until) => (document.querySelector('video') as HTMLVideoElement).currentTime > until,
        first + WATCH_PAST_SECONDS,
        { timeout: (WATCH_PAST_SECONDS + 15) * 1000 },
      );
      const state = await page.evaluate(() => ({
        errors: (window as unknown as { hlsErrors: Array<{ details: string; fatal: boolean }> }).hlsErrors,
        size: [
          (document.querySelector('video') as HTMLVideoElement).videoWidth,
          (document.querySelector('video') as HTMLVideoElement).videoHeight,
        ],
        label: document.querySelector('#state')?.textContent,
      }));
      expect(state.size).toEqual([480, 270]);
      // A stall (the browser waited for the next part, on two busy cores) is no fault of the timeline;
      // anything else (a gap, an append or parsing error at the loop's seam) would be.
      expect(state.errors.filter((error) => error.fatal || error.details !== 'bufferStalledError')).toEqual([]);
      expect(state.label).toBe('Live');
      expect(failed).toEqual([]);
      // One FFmpeg all along: the loop is FFmpeg's, not a restart after the file ended.
      expect(t.services.manager.get('TextileFactory')).toMatchObject({ restarts: 0, state: 'running' });
    } finally {
      await page.close();
    }
  }, 60_000);
});
