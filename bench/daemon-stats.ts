import type { DaemonProcess } from '../test/support/daemon-process.js';

/** The running streams' FFmpeg pids and restart counts, as the daemon lists them. */
export async function streamProcesses(daemon: DaemonProcess): Promise<Array<{ id: string; pid: number | null; restarts: number }>> {
  const { streams } = (await (await fetch(`${daemon.baseUrl}/api/streams`)).json()) as {
    streams: Array<{ indicator_id: string; pid: number | null; restarts: number }>;
  };
  return streams.map((s) => ({ id: s.indicator_id, pid: s.pid, restarts: s.restarts }));
}

export async function ffmpegPids(daemon: DaemonProcess): Promise<number[]> {
  return (await streamProcesses(daemon)).flatMap((stream) => (stream.pid ? [stream.pid] : []));
}

/**
 * The daemon's own event-loop lag, p99, since the last scrape (prom-client resets its histogram at
 * each). Node's monitorEventLoopDelay records the time between ticks of a 10 ms timer, so an idle
 * loop reads 10 ms: the lag is what lies beyond the histogram's minimum.
 */
export async function eventLoopP99Ms(daemon: DaemonProcess): Promise<number> {
  const text = await (await fetch(`${daemon.baseUrl}/metrics`)).text();
  const gauge = (name: string) =>
    Number(new RegExp(`^stream_manager_nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(text)?.[1]) * 1000;
  return gauge('p99') - gauge('min');
}
