import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startUrl } from '../support/api.js';
import { segmentsAdvance } from '../support/hls.js';
import { writeModel } from '../support/onnx-models.js';
import { startRtspCamera } from '../support/rtsp-camera.js';
import { startTestApp } from '../support/test-app.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('a slow model never stalls the stream', () => {
  it('keeps HLS at its cadence and FFmpeg’s pipe drained while the model takes seconds per frame', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sm-slow-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    // A YOLO-shaped model that does ~120 large matrix products per frame: seconds on this CPU.
    const model = await writeModel(path.join(dir, 'slow.onnx'), {
      width: 64,
      height: 64,
      outputDims: [1, 7, 8],
      output: new Array(56).fill(0),
      slowMatMuls: 120,
    });
    const camera = await startRtspCamera();
    cleanups.push(() => camera.stop());
    const t = await startTestApp({ DETECT_ENABLED: 'true', DETECT_MODEL: model, DETECT_FPS: '5' });
    cleanups.push(() => t.close());

    const response = await fetch(startUrl(t.baseUrl, { indicator_id: 'cam', rtsp_link: camera.url }));
    expect(response.status).toBe(200);
    const stream = t.services.manager.get('cam')!;
    const stats = () =>
      stream.snapshot().detection as { frames_in: number; inferred: number; dropped: number; mean_inference_ms: number | null };

    // Eight new segments at the camera's 1 s cadence, while the model is busy.
    const startedAt = Date.now();
    await segmentsAdvance(t.baseUrl, 'cam', 8, 14_000, { wholeGops: true });
    const elapsedS = (Date.now() - startedAt) / 1000;
    expect(elapsedS).toBeLessThan(11); // 8 × 1 s segments, with slack for a loaded machine

    const { frames_in, inferred, dropped, mean_inference_ms } = stats();
    // FFmpeg kept writing ~5 frames a second into the pipe, and they were all read...
    expect(frames_in).toBeGreaterThanOrEqual(Math.floor(elapsedS * 5 * 0.7));
    // ...but the model only got to a few of them; the rest were dropped, not queued.
    expect(mean_inference_ms).toEqual(expect.any(Number));
    expect(mean_inference_ms).toBeGreaterThan(500);
    expect(inferred).toBeLessThan(frames_in / 2);
    expect(dropped).toBeGreaterThan(frames_in / 2);
    expect(frames_in - inferred - dropped).toBeLessThanOrEqual(2); // at most one waiting, one in the model
    expect(stream.restarts).toBe(0);
    expect(stream.state).toBe('running');
  });
});
