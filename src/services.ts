import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { CameraRegistry } from './cameras/camera-registry.js';
import { followRegistry } from './cameras/follow-registry.js';
import type { Config } from './config/config.js';
import { DetectionProvider } from './detection/detection-provider.js';
import { type BinaryInfo, detectBinary } from './ffmpeg/binary-info.js';
import { Metrics } from './metrics/metrics.js';
import { PidRecords } from './process/pid-records.js';
import { createPlaybackTokens, type PlaybackTokens } from './security/playback-tokens.js';
import { createSourceHostGuard, type Lookup, type SourceHostGuard } from './security/source-hosts.js';
import { StreamManager } from './streams/manager.js';
import { createSourceResolver, type SourceResolver } from './streams/sources.js';
import type { Stream } from './streams/stream.js';

/** How long FFmpeg waits on a silent camera socket before giving up (and being restarted). */
const RTSP_IO_TIMEOUT_MS = 5000;

export interface Services {
  log: Logger;
  manager: StreamManager;
  resolveSource: SourceResolver;
  pidRecords: PidRecords;
  ffmpeg: BinaryInfo;
  ffprobe: BinaryInfo;
  detection: DetectionProvider;
  metrics: Metrics;
  checkSourceHost: SourceHostGuard;
  playback: PlaybackTokens | undefined;
  /** CAMERAS_FILE, watched for changes; undefined without one. */
  cameras: CameraRegistry | undefined;
}

/**
 * Where pid records live: outside STREAM_DIR (which Nginx may serve), keyed by
 * STREAM_DIR so the next run with the same folder finds the previous run's records.
 */
export function pidRecordDir(streamDir: string): string {
  const key = createHash('sha256').update(path.resolve(streamDir)).digest('hex').slice(0, 16);
  return path.join(os.tmpdir(), 'stream-manager', key);
}

/** What the services take from the system, replaceable where the system cannot be used (tests without DNS). */
export interface SystemDeps {
  lookup?: Lookup;
}

/** Builds every long-lived service from configuration; buildApp only wires them to HTTP. */
export async function createServices(config: Config, log: Logger, system: SystemDeps = {}): Promise<Services> {
  await mkdir(config.streamDir, { recursive: true });
  const pidRecords = new PidRecords(pidRecordDir(config.streamDir));
  const metrics = new Metrics();
  const manager = new StreamManager({
    streamDir: path.resolve(config.streamDir),
    maxStreams: config.maxStreams,
    idleTimeoutMs: config.cleanupDelayMs,
    log,
    settings: {
      ffmpegPath: config.ffmpegPath,
      hls: config.hls,
      transcodePreset: config.transcodePreset,
      audio: config.audio,
      startTimeoutMs: config.startTimeoutMs,
      stopGraceMs: config.stopGraceMs,
      watchdogTimeoutMs: config.watchdogTimeoutMs,
      ioTimeoutMs: Math.min(RTSP_IO_TIMEOUT_MS, config.watchdogTimeoutMs),
      restartBackoff: config.restartBackoff,
    },
    deps: { log, pidRecords, observer: metrics },
    observer: metrics,
  });
  const detection = new DetectionProvider(config.detection, log, metrics);
  metrics.readFrom({
    streamStates: () => countByState(manager.list()),
    detectionFps: () =>
      manager.list().flatMap((stream) => {
        const slot = detection.current()?.slot(stream.id);
        return slot ? [{ id: stream.id, fps: slot.stats().fps }] : [];
      }),
  });
  const cameras = config.camerasFile
    ? await CameraRegistry.open({ file: config.camerasFile, log, allowedSchemes: config.allowedSchemes })
    : undefined;
  const resolveSource = createSourceResolver({
    demoEnabled: config.demoEnabled,
    rtspTransport: config.rtspTransport,
    cameras,
    allowApiSources: config.allowApiSources,
  });
  if (cameras) {
    followRegistry({ registry: cameras, manager, resolveSource, detection: () => detection.get(), log });
    cameras.watch();
  }
  return {
    log,
    manager,
    pidRecords,
    resolveSource,
    ffmpeg: await detectBinary(config.ffmpegPath),
    ffprobe: await detectBinary(config.ffprobePath),
    detection,
    metrics,
    checkSourceHost: createSourceHostGuard(config.allowedSourceHosts, system.lookup),
    playback: config.playback && createPlaybackTokens(config.playback),
    cameras,
  };
}

/** Every state, zero included, so dashboards see a series for each. */
function countByState(streams: Stream[]): Record<string, number> {
  const counts: Record<string, number> = { starting: 0, running: 0, restarting: 0, failed: 0 };
  for (const stream of streams) counts[stream.state] = (counts[stream.state] ?? 0) + 1;
  return counts;
}
