import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pidRecordDir } from '../../src/services.js';
import { startUrl } from '../support/api.js';
import { startDaemonProcess } from '../support/daemon-process.js';
import { type RtspCamera, startRtspCamera } from '../support/rtsp-camera.js';
import { isAlive, waitFor } from '../support/wait-for.js';

let camera: RtspCamera;
let work: string;

beforeAll(async () => {
  camera = await startRtspCamera({ width: 320, height: 180, shared: true });
  work = await mkdtemp(path.join(os.tmpdir(), 'sm-orphans-'));
});
afterAll(async () => {
  await camera?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('a kill -9 of the daemon alone (its machine lives on)', () => {
  // MPEG-TS HLS writes no pipe to the daemon: nothing would tell FFmpeg its daemon is gone.
  it.each(['mpegts', 'lowlatency'])(
    'ends its FFmpeg processes within a second or two (HLS_VARIANT=%s)',
    async (variant) => {
      const streamDir = path.join(work, variant);
      const daemon = await startDaemonProcess({
        STREAM_DIR: streamDir,
        RECORD_DIR: path.join(work, `${variant}-recordings`),
        EVENT_DIR: path.join(work, `${variant}-events`),
        HLS_VARIANT: variant,
      });
      try {
        for (const id of ['a', 'b'])
          expect((await fetch(startUrl(daemon.baseUrl, { indicator_id: id, rtsp_link: camera.url }))).status).toBe(200);
        const { streams } = (await (await fetch(`${daemon.baseUrl}/api/streams`)).json()) as { streams: Array<{ pid: number }> };
        const pids = streams.map((stream) => stream.pid);
        expect(pids).toHaveLength(2);
        expect(camera.clients.active).toBe(2);
        daemon.child.kill('SIGKILL');
        await daemon.exited;
        const killedAt = Date.now();
        await waitFor(() => pids.every((pid) => !isAlive(pid)), { timeoutMs: 5000, what: 'the FFmpeg processes to end' });
        expect(Date.now() - killedAt).toBeLessThan(2000);
        await camera.waitForClients((counts) => counts.active === 0, 5000);
      } finally {
        await daemon.kill();
        await rm(pidRecordDir(streamDir), { recursive: true, force: true });
      }
    },
    60_000,
  );
});
