import type { Page } from 'playwright-core';
import { msBehind, readClockStamp } from './clock-code.js';

export interface GlassSample {
  /** Wall clock when the frame was presented (ms). */
  at: number;
  /** How far behind the camera's clock that frame was (ms). */
  behindMs: number;
}

export interface GlassReadings {
  samples: GlassSample[];
  /** When (wall clock, ms) the video stalled ('waiting' after playback first began). */
  stalls: number[];
}

/**
 * Installs, before the page's own scripts, a reader of the clock camera's stamp
 * (test/fixtures/rtsp-camera.py --pattern clock) on every frame the page's first
 * <video> presents: the frame is drawn onto a canvas, the stamp read back, and
 * the difference with the browser's clock kept as glass-to-glass latency.
 */
export async function measureGlassToGlass(page: Page): Promise<void> {
  await page.addInitScript(`
    (() => {
      const readClockStamp = ${readClockStamp.toString()};
      const msBehind = ${msBehind.toString()};
      const readings = { samples: [], stalls: [] };
      window.__glass = readings;
      const attach = (video) => {
        const canvas = document.createElement('canvas');
        const context = canvas.getContext('2d', { willReadFrequently: true });
        let playing = false;
        video.addEventListener('playing', () => { playing = true; });
        video.addEventListener('waiting', () => { if (playing) readings.stalls.push(Date.now()); });
        const onFrame = () => {
          const now = Date.now();
          if (video.videoWidth > 0) {
            canvas.width = video.videoWidth;
            canvas.height = 32;
            context.drawImage(video, 0, 0, video.videoWidth, 32, 0, 0, video.videoWidth, 32);
            const { data, width } = context.getImageData(0, 0, video.videoWidth, 32);
            const luma = (x, y) => {
              const i = (Math.floor(y) * width + Math.floor(x)) * 4;
              return 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
            };
            const stamp = readClockStamp(luma);
            if (stamp !== undefined) readings.samples.push({ at: now, behindMs: msBehind(stamp, now) });
          }
          video.requestVideoFrameCallback(onFrame);
        };
        video.requestVideoFrameCallback(onFrame);
      };
      const find = () => {
        const video = document.querySelector('video');
        if (video) attach(video);
        else requestAnimationFrame(find);
      };
      document.addEventListener('DOMContentLoaded', find);
    })();
  `);
}

export function glassReadings(page: Page): Promise<GlassReadings> {
  return page.evaluate(() => (window as unknown as { __glass: GlassReadings }).__glass);
}
