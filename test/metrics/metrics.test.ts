import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUrl } from '../support/api.js';
import { type RtspCamera, startRtspCamera } from '../support/rtsp-camera.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

let camera: RtspCamera;
let t: TestApp;

beforeAll(async () => {
  camera = await startRtspCamera();
  t = await startTestApp({ RESTART_BACKOFF_INITIAL_SECONDS: '0.2' });
});
afterAll(async () => {
  await t?.close();
  await camera?.stop();
});

const scrape = async () => (await fetch(`${t.baseUrl}/metrics`)).text();
/** The value of one series, e.g. value(text, 'stream_manager_streams{state="running"}'). */
const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('GET /metrics', () => {
  it('exposes streams, starts, viewers, bytes, restarts and process metrics for Prometheus', async () => {
    const response = await fetch(`${t.baseUrl}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');

    await fetch(startUrl(t.baseUrl, { indicator_id: 'm1', rtsp_link: camera.url }));
    await fetch(startUrl(t.baseUrl, { indicator_id: 'm1', rtsp_link: camera.url }));
    await fetch(startUrl(t.baseUrl, { indicator_id: 'bad', rtsp_link: camera.url.replace('/cam', '/nope') }));
    for (let i = 0; i < 3; i++) await fetch(`${t.baseUrl}/streams/m1/stream.m3u8`);
    await fetch(`${t.baseUrl}/streams/ghost/stream.m3u8`); // unknown ids get no series

    let text = await waitFor(
      async () => {
        const scraped = await scrape();
        return (value(scraped, 'stream_manager_stream_bytes_written_total{indicator_id="m1"}') ?? 0) > 10_000 ? scraped : undefined;
      },
      { what: 'bytes written' },
    );
    expect(value(text, 'stream_manager_streams{state="running"}')).toBe(1);
    expect(value(text, 'stream_manager_streams{state="failed"}')).toBe(0);
    expect(value(text, 'stream_manager_stream_starts_total{result="started",cause=""}')).toBe(1);
    expect(value(text, 'stream_manager_stream_starts_total{result="joined",cause=""}')).toBe(1);
    expect(value(text, 'stream_manager_stream_starts_total{result="failed",cause="source_not_found"}')).toBe(1);
    expect(value(text, 'stream_manager_start_duration_seconds_count')).toBe(1);
    expect(value(text, 'stream_manager_playlist_requests_total{indicator_id="m1"}')).toBe(3);
    expect(text).not.toContain('indicator_id="ghost"');
    expect(text).toContain('stream_manager_nodejs_eventloop_lag_seconds');
    expect(text).toContain('stream_manager_process_resident_memory_bytes');

    // A crash: one exit by reason, one restart.
    process.kill(t.services.manager.get('m1')!.pid!, 'SIGKILL');
    text = await waitFor(
      async () => {
        const scraped = await scrape();
        return value(scraped, 'stream_manager_ffmpeg_restarts_total') === 1 ? scraped : undefined;
      },
      { what: 'a restart' },
    );
    expect(value(text, 'stream_manager_ffmpeg_exits_total{reason="crashed"}')).toBe(1);

    // Per-stream series end with the stream (stopped once its new FFmpeg runs).
    await waitFor(() => t.services.manager.get('m1')?.state === 'running', { what: 'running again' });
    await t.services.manager.stop('m1');
    text = await scrape();
    expect(text).not.toContain('indicator_id="m1"');
    expect(value(text, 'stream_manager_ffmpeg_exits_total{reason="requested"}')).toBe(1);
  });
});
