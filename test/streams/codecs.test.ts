import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { startUrl } from '../support/api.js';
import { fetchPlaylist, playableSegments, wholeGopSegments } from '../support/hls.js';
import { type RtspCameraOptions, startRtspCamera } from '../support/rtsp-camera.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const run = promisify(execFile);
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startFrom(cameraOptions: RtspCameraOptions, env: Record<string, string> = {}) {
  const camera = await startRtspCamera(cameraOptions);
  cleanups.push(() => camera.stop());
  const t = await startTestApp(env);
  cleanups.push(() => t.close());
  const response = await fetch(startUrl(t.baseUrl, { indicator_id: 'cam', rtsp_link: camera.url }));
  expect(response.status, await response.text()).toBe(200);
  return { t, camera, stream: t.services.manager.get('cam')! };
}

/** Waits for `count` complete segments and returns files ffprobe can open (fetched as a player would). */
async function segments(t: TestApp, count: number): Promise<string[]> {
  const fetched = await playableSegments(t.baseUrl, 'cam', count);
  cleanups.push(() => fetched.remove());
  return fetched.files;
}

async function probeFile(file: string) {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'stream=codec_type,codec_name,width,height',
    '-of',
    'json',
    file,
  ]);
  return (JSON.parse(stdout) as { streams: Array<Record<string, unknown>> }).streams;
}

/** Keyframe flags of the video packets of one segment, in order. */
async function keyframeFlags(file: string): Promise<boolean[]> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v', '-show_entries', 'packet=flags', '-of', 'csv=p=0', file]);
  return stdout
    .trim()
    .split('\n')
    .map((flags) => flags.startsWith('K'));
}

describe.each(['lowlatency', 'mpegts'])('copy when possible (HLS_VARIANT=%s)', (variant) => {
  it('remuxes H.264 untouched: copy mode, one keyframe per 1 s segment, each segment starts on it', async () => {
    const { t, stream } = await startFrom({}, { HLS_VARIANT: variant });
    expect(stream.snapshot().mode).toBe('copy');
    const files = await segments(t, 3);
    for (const file of files.slice(0, 2)) {
      const flags = await keyframeFlags(file);
      expect(flags[0]).toBe(true);
      expect(flags.filter(Boolean)).toHaveLength(1);
      expect(flags.length).toBeGreaterThanOrEqual(20); // 25 fps × 1 s, give or take the edges
    }
    expect(await probeFile(files[0]!)).toEqual([{ codec_type: 'video', codec_name: 'h264', width: 640, height: 360 }]);
  });

  it('transcodes MJPEG to H.264 with a keyframe at every segment boundary', async () => {
    const { t, stream } = await startFrom({ codec: 'jpeg' }, { HLS_VARIANT: variant });
    expect(stream.snapshot()).toMatchObject({ mode: 'transcode', source: { video_codec: 'mjpeg' } });
    const files = await segments(t, 3);
    expect(await probeFile(files[1]!)).toEqual([{ codec_type: 'video', codec_name: 'h264', width: 640, height: 360 }]);
    const durations = wholeGopSegments((await fetchPlaylist(t.baseUrl, 'cam')).segments).map((s) => s.duration);
    expect(durations.length).toBeGreaterThanOrEqual(3);
    for (const duration of durations) expect(duration).toBeCloseTo(1, 0);
    expect((await keyframeFlags(files[1]!))[0]).toBe(true);
  });
});

describe('audio', () => {
  it('copies AAC', async () => {
    const { t, stream } = await startFrom({ audio: 'aac' });
    expect(stream.snapshot()).toMatchObject({ mode: 'copy', source: { audio_codec: 'aac' } });
    expect(stream.plan).toEqual({ video: 'copy', audio: 'copy' });
    const [file] = await segments(t, 1);
    expect((await probeFile(file!)).map((s) => s.codec_name)).toEqual(['h264', 'aac']);
  });

  it('transcodes G.711 to AAC by default', async () => {
    const { t, stream } = await startFrom({ audio: 'pcmu' });
    expect(stream.plan).toEqual({ video: 'copy', audio: 'transcode' });
    expect(stream.snapshot().source?.audio_codec).toBe('pcm_mulaw');
    const files = await segments(t, 2);
    expect((await probeFile(files[1]!)).map((s) => s.codec_name)).toEqual(['h264', 'aac']);
  });

  it('drops G.711 when AUDIO_TRANSCODE=false', async () => {
    const { t, stream } = await startFrom({ audio: 'pcmu' }, { AUDIO_TRANSCODE: 'false' });
    expect(stream.plan).toEqual({ video: 'copy', audio: 'none' });
    const files = await segments(t, 2);
    expect((await probeFile(files[1]!)).map((s) => s.codec_name)).toEqual(['h264']);
  });
});
