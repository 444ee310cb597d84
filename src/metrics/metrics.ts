import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { StreamEventBus } from '../events/stream-events.js';

export interface PlaybackObserver {
  /** via: Nginx's auth_request, or a request the daemon serves itself. */
  playbackChecked(via: 'auth_request' | 'direct', verdict: 'valid' | 'expired' | 'invalid'): void;
}

/** Values read at scrape time rather than pushed. */
export interface MetricsSources {
  streamStates(): Record<string, number>;
  detectionFps(): Array<{ id: string; fps: number }>;
}

const PREFIX = 'stream_manager_';

/**
 * The Prometheus registry of one daemon (a registry of its own, not prom-client's
 * global one, so tests can build many apps in one process). Stream series come
 * from the event bus; playback checks are reported by the HTTP layer.
 */
export class Metrics implements PlaybackObserver {
  readonly registry = new Registry();
  private readonly starts = new Counter({
    name: `${PREFIX}stream_starts_total`,
    help: 'Start calls by result (started, joined, failed, stopped while starting) and failure cause',
    labelNames: ['result', 'cause'],
    registers: [this.registry],
  });
  private readonly startDuration = new Histogram({
    name: `${PREFIX}start_duration_seconds`,
    help: 'Time from a start call that spawned FFmpeg to a playable playlist',
    buckets: [0.5, 1, 1.5, 2, 3, 5, 8, 13, 20],
    registers: [this.registry],
  });
  private readonly restarts = new Counter({
    name: `${PREFIX}ffmpeg_restarts_total`,
    help: 'FFmpeg restarts after exits, crashes and stalls',
    registers: [this.registry],
  });
  private readonly exits = new Counter({
    name: `${PREFIX}ffmpeg_exits_total`,
    help: 'FFmpeg exits by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  private readonly bytes = new Counter({
    name: `${PREFIX}stream_bytes_written_total`,
    help: 'HLS segment bytes written per stream',
    labelNames: ['indicator_id'],
    registers: [this.registry],
  });
  private readonly playlists = new Counter({
    name: `${PREFIX}playlist_requests_total`,
    help: 'Playlist fetches per stream (viewer heartbeats)',
    labelNames: ['indicator_id'],
    registers: [this.registry],
  });
  private readonly inference = new Histogram({
    name: `${PREFIX}inference_seconds`,
    help: 'Model time per analysed frame',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly playbackChecks = new Counter({
    name: `${PREFIX}playback_checks_total`,
    help: 'Playback token checks (signed playback) by where they came from and verdict',
    labelNames: ['via', 'verdict'],
    registers: [this.registry],
  });
  private readonly drops = new Counter({
    name: `${PREFIX}detection_dropped_frames_total`,
    help: 'Frames replaced by a newer one before the model got to them',
    labelNames: ['indicator_id'],
    registers: [this.registry],
  });

  // Runs and frames apart: their ratio is the batch size the model actually gets.
  private readonly modelRuns = new Counter({
    name: `${PREFIX}model_runs_total`,
    help: 'Completed model runs, by what asked for them (stream frames or predict calls)',
    labelNames: ['source'],
    registers: [this.registry],
  });
  private readonly modelFrames = new Counter({
    name: `${PREFIX}model_frames_total`,
    help: 'Pictures through the model, by what asked for them (stream frames or predict calls)',
    labelNames: ['source'],
    registers: [this.registry],
  });

  private unsubscribe: Array<() => void> = [];

  constructor(private readonly bus: StreamEventBus) {
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX }); // includes event-loop lag
  }

  start(): void {
    const { bus } = this;
    this.unsubscribe = [
      bus.on('start.finished', ({ result, seconds, cause = '' }) => {
        this.starts.inc({ result, cause });
        if (result === 'started' && seconds !== undefined) this.startDuration.observe(seconds);
      }),
      bus.on('ffmpeg.exited', ({ reason }) => this.exits.inc({ reason })),
      bus.on('ffmpeg.restarting', () => this.restarts.inc()),
      bus.on('segment.written', ({ id, bytes }) => this.bytes.inc({ indicator_id: id }, bytes)),
      bus.on('playlist.requested', ({ id }) => this.playlists.inc({ indicator_id: id })),
      bus.on('detection', ({ inference_ms }) => this.inference.observe(inference_ms / 1000)),
      bus.on('detection.run', ({ source, frames }) => {
        this.modelRuns.inc({ source });
        this.modelFrames.inc({ source }, frames);
      }),
      bus.on('detection.dropped', ({ id }) => this.drops.inc({ indicator_id: id })),
      // Per-stream series end with the stream, so stopped cameras do not linger in every scrape.
      bus.on('stream.removed', ({ id }) => {
        for (const metric of [this.bytes, this.playlists, this.drops]) metric.remove({ indicator_id: id });
      }),
    ];
  }

  close(): void {
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
  }

  /** The gauges read at scrape time, once what they read exists. */
  readFrom(sources: MetricsSources): void {
    new Gauge({
      name: `${PREFIX}streams`,
      help: 'Streams by state',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        for (const [state, count] of Object.entries(sources.streamStates())) this.set({ state }, count);
      },
    });
    new Gauge({
      name: `${PREFIX}detection_fps`,
      help: 'Frames analysed per second, per stream',
      labelNames: ['indicator_id'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const { id, fps } of sources.detectionFps()) this.set({ indicator_id: id }, fps);
      },
    });
  }

  playbackChecked(via: 'auth_request' | 'direct', verdict: 'valid' | 'expired' | 'invalid'): void {
    this.playbackChecks.inc({ via, verdict });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
