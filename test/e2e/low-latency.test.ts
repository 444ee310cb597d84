import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUrl } from '../support/api.js';
import { launchChromium } from '../support/chromium.js';
import { type GlassReadings, glassReadings, measureGlassToGlass } from '../support/glass-to-glass.js';
import { type RunningNginx, startNginxFor } from '../support/nginx.js';
import { type RtspCamera, startRtspCamera } from '../support/rtsp-camera.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

const API_TOKEN = 'low-latency-api-token-0123456789';
const SECRET = 'low-latency-playback-secret-0123456789abcdef';
const TTL_S = 10;
const WATCH_MS = 30_000;
/** After FFmpeg is back, how long players get to find the live edge of its new run. */
const RESETTLE_MS = 5000;
/** The first seconds of a viewer: hls.js finds the live edge. */
const SETTLE_MS = 2000;
const NGINX_WATCH_MS = 15_000;
/**
 * How far behind the camera the picture may be while Chromium, the camera and the daemon share two busy cores
 * (alone, the benchmark measures 0.7 s p50: npm run bench:glass). Plain HLS, with its whole segments, sits 1.6 s
 * behind at best, and a player that lost the parts falls back to about 3 s.
 */
const BOUNDS_MS = { p50: 1500, p95: 2000 };
/** The camera sends 25; a starved browser skips some, a stalled one shows none. */
const MIN_FPS_SHOWN = 15;

let camera: RtspCamera;
let daemon: TestApp;
let nginx: RunningNginx;
type Browser = Awaited<ReturnType<typeof launchChromium>>;
/** One browser per viewer, one after the other: a second page of one browser got no video frames. */
const browsers: Browser[] = [];

beforeAll(async () => {
  // Small enough for the camera, the daemon and two Chromiums on two cores; the clock needs 672 px.
  camera = await startRtspCamera({ pattern: 'clock', width: 704, height: 396, fps: 25, keyintSeconds: 1 });
  daemon = await startTestApp({ API_TOKEN, PLAYBACK_SECRET: SECRET, PLAYBACK_TOKEN_TTL_SECONDS: String(TTL_S) });
  nginx = await startNginxFor(daemon);
}, 60_000);
afterAll(async () => {
  await Promise.all(browsers.map((browser) => browser.close()));
  await nginx?.stop();
  await daemon?.close();
  await camera?.stop();
});

/** A page that reads the camera's clock off every frame it shows, and notes every failed request. */
async function watching(url: string): Promise<{ page: Page; refused: string[] }> {
  const browser = await launchChromium();
  browsers.push(browser);
  const page = await browser.context.newPage();
  const refused: string[] = [];
  page.on('response', (response) => {
    if (response.status() >= 400) refused.push(`${response.status()} ${new URL(response.url()).pathname}`);
  });
  await measureGlassToGlass(page);
  await page.goto(url);
  await waitFor(async () => (await glassReadings(page)).samples.length > 0, { timeoutMs: 15_000, what: 'the first stamped frame' });
  return { page, refused };
}

/** Readings from `from` on, outside any [start, end] window to skip. */
function readingsFrom(readings: GlassReadings, from: number, skip?: [number, number]) {
  const outside = (at: number) => at >= from && !(skip && at >= skip[0] && at <= skip[1]);
  return { samples: readings.samples.filter((s) => outside(s.at)), stalls: readings.stalls.filter(outside) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (samples: Array<{ behindMs: number }>, p: number) =>
  samples.map((s) => s.behindMs).sort((a, b) => a - b)[Math.floor((samples.length - 1) * p)]!;
const summary = (samples: Array<{ behindMs: number }>) => `${percentile(samples, 0.5)} (${percentile(samples, 0.95)}) ms`;
const expectNearTheEdge = (samples: Array<{ behindMs: number }>, what: string) => {
  expect(percentile(samples, 0.5), `${what}: p50 ms behind`).toBeLessThanOrEqual(BOUNDS_MS.p50);
  expect(percentile(samples, 0.95), `${what}: p95 ms behind`).toBeLessThanOrEqual(BOUNDS_MS.p95);
};

describe('low-latency HLS in Chromium with hls.js', () => {
  it('plays near the live edge without stalling, from the daemon across an FFmpeg restart and through Nginx, with token renewals', async () => {
    // The backend's part: start (or join) with the API token, hand the browser a playback token (renewed by the player).
    const playbackToken = async () => {
      const response = await fetch(startUrl(nginx.baseUrl, { indicator_id: 'cam', rtsp_link: camera.url }), {
        headers: { authorization: `Bearer ${API_TOKEN}` },
      });
      return ((await response.json()) as { playback_token: string }).playback_token;
    };
    const token = await playbackToken();
    const stream = daemon.services.manager.get('cam')!;

    // From the daemon, 30 s; halfway through, the camera's FFmpeg is killed and the supervisor brings it back.
    const direct = await watching(`${daemon.baseUrl}/player?indicator_id=cam&token=${token}`);
    const settledAt = Date.now() + SETTLE_MS;
    await sleep(WATCH_MS / 2);
    const killedPid = stream.pid!;
    const killedAt = Date.now();
    process.kill(killedPid, 'SIGKILL');
    await waitFor(() => stream.state === 'running' && stream.pid !== killedPid, { timeoutMs: 10_000, what: 'FFmpeg to be back' });
    const backAt = Date.now();
    await sleep(Math.max(0, killedAt + WATCH_MS / 2 - Date.now()));
    const directReadings = await glassReadings(direct.page);
    await browsers.shift()!.close();

    // Through Nginx, long enough for a token renewal (the TTL is 10 s).
    const proxied = await watching(`${nginx.baseUrl}/player?indicator_id=cam&token=${await playbackToken()}`);
    const proxiedFrom = Date.now() + SETTLE_MS;
    await sleep(NGINX_WATCH_MS);
    const proxiedReadings = await glassReadings(proxied.page);
    await browsers.shift()!.close();

    // Left out: from the kill until hls.js has crossed the discontinuity and settled at the live edge again.
    const beforeKill = readingsFrom(directReadings, settledAt, [killedAt, Number.POSITIVE_INFINITY]);
    const afterRestart = readingsFrom(directReadings, backAt + RESETTLE_MS);
    const throughNginx = readingsFrom(proxiedReadings, proxiedFrom);
    const viewers = { beforeKill, afterRestart, throughNginx };
    console.log(
      `glass to glass, p50 (p95): ${Object.entries(viewers)
        .map(([name, r]) => `${name} ${summary(r.samples)}`)
        .join(', ')}; stalls (ms after settling): ${JSON.stringify(Object.values(viewers).map((r) => r.stalls))}, ` +
        `FFmpeg killed at ${killedAt - settledAt}, back at ${backAt - settledAt}`,
    );

    for (const [name, { samples, stalls }] of Object.entries(viewers)) {
      const seconds = (samples.at(-1)!.at - samples[0]!.at) / 1000;
      expect(samples.length / seconds, `${name}: frames shown per second`).toBeGreaterThan(MIN_FPS_SHOWN);
      expect(seconds, `${name}: seconds watched`).toBeGreaterThan(5);
      expectNearTheEdge(samples, name);
      expect(stalls, `${name}: stalls`).toEqual([]);
    }
    // Tokens were renewed and nothing was refused.
    expect(proxied.refused).toEqual([]);
    expect(direct.refused).toEqual([]);
  }, 120_000);
});
