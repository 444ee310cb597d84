import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, videoAdvances } from '../support/chromium.js';
import { type Fleet, placement, startFleet } from '../support/fleet.js';
import { type RtspCamera, startRtspCamera } from '../support/rtsp-camera.js';
import { isAlive, waitFor } from '../support/wait-for.js';

const LEASE_TTL_SECONDS = 2;

let fleet: Fleet;
let camera: RtspCamera;
let browser: Awaited<ReturnType<typeof launchChromium>>;

beforeAll(async () => {
  camera = await startRtspCamera({ width: 640, height: 360, keyintSeconds: 1 });
  fleet = await startFleet({ ids: ['n1', 'n2', 'n3'], leaseTtlSeconds: LEASE_TTL_SECONDS, nginx: true });
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await fleet?.close();
  await camera?.stop();
}, 30_000);

interface Tick {
  at: number;
  time: number;
}

describe('the bundled player in Chromium, through Nginx, in front of a fleet', () => {
  it('keeps playing a camera, after a short rebuffer, when the node running it is killed', async () => {
    const page = await browser.context.newPage();
    try {
      await page.goto(`${fleet.nginx!.baseUrl}/player?indicator_id=cam&rtsp_link=${encodeURIComponent(camera.url)}`);
      await videoAdvances(page);
      // Every moment the picture moved, by the page's clock (the element stays; its MediaSource may not).
      await page.evaluate(() => {
        const ticks: Tick[] = [];
        Object.assign(window, { ticks });
        const video = document.querySelector('video') as HTMLVideoElement;
        video.addEventListener('timeupdate', () => ticks.push({ at: performance.now(), time: video.currentTime }));
      });

      const [owner] = (await placement(fleet.nodes)).get('cam')!;
      const victim = fleet.nodes.find((node) => node.id === owner)!;
      const [ffmpeg] = (
        (await (await fetch(`${victim.daemon.baseUrl}/api/streams`)).json()) as { streams: Array<{ pid: number }> }
      ).streams.map((s) => s.pid);
      const killedAt = await page.evaluate(() => performance.now());
      victim.daemon.child.kill('SIGKILL');
      await victim.daemon.exited;

      // Playing again: the picture has moved for two seconds on end, after the lease expired.
      const ticks = () => page.evaluate((since) => (window as unknown as { ticks: Tick[] }).ticks.filter((t) => t.at > since), killedAt);
      const after = await waitFor(
        async () => {
          const seen = await ticks();
          const last = seen.at(-1);
          // The first tick after the last pause of more than half a second.
          const resumed = [...seen].reverse().find((t, i, back) => i < back.length - 1 && t.at - back[i + 1]!.at > 500) ?? seen[0];
          return last &&
            resumed &&
            last.at > killedAt + LEASE_TTL_SECONDS * 1000 &&
            last.at - resumed.at > 2000 &&
            last.time > resumed.time + 1.5
            ? seen
            : undefined;
        },
        { timeoutMs: 45_000, intervalMs: 250, what: 'the video to play again after its node was killed' },
      );
      const longestStall = Math.max(...after.map((t, i) => (i === 0 ? t.at - killedAt : t.at - after[i - 1]!.at)));
      console.info(`player failover: longest stall ${Math.round(longestStall)} ms (lease TTL ${LEASE_TTL_SECONDS} s)`);
      // The lease TTL, hls.js's own retries and a start: a rebuffer, not an outage.
      expect(longestStall).toBeLessThan(LEASE_TTL_SECONDS * 1000 + 10_000);

      // One FFmpeg for the camera, on a node still alive; the dead node's is gone.
      const survivors = fleet.nodes.filter((node) => node !== victim);
      const now = await placement(survivors);
      expect(now.get('cam')).toHaveLength(1);
      expect(isAlive(ffmpeg!)).toBe(false);
      await page.waitForFunction(() => document.querySelector('#state')?.textContent === 'Live', undefined, { timeout: 10_000 });
    } finally {
      await page.close();
    }
  }, 120_000);
});
