import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { CameraRegistry } from './cameras/camera-registry.js';
import { createRegistryFollower } from './cameras/follow-registry.js';
import { type Cluster, createCluster } from './cluster/cluster.js';
import { createFleetFeed, type LiveFeed } from './cluster/fleet-feed.js';
import type { Config } from './config/config.js';
import { DetectionProvider } from './detection/detection-provider.js';
import { EventBus } from './events/bus.js';
import type { StreamEventBus, StreamEvents } from './events/stream-events.js';
import { type BinaryInfo, detectBinary } from './ffmpeg/binary-info.js';
import { HlsOutput } from './hls/hls-output.js';
import { LiveHlsOutput } from './hls/live/live-hls-output.js';
import { Lifecycle } from './lifecycle/lifecycle.js';
import { registerArchiveMetrics } from './metrics/archive-metrics.js';
import { registerClusterMetrics } from './metrics/cluster-metrics.js';
import { registerEventMetrics } from './metrics/event-metrics.js';
import { Metrics } from './metrics/metrics.js';
import { createEventSystem, type EventSystem } from './object-events/event-system.js';
import { PidRecords } from './process/pid-records.js';
import { createAlwaysOn } from './recording/always-on.js';
import { type Archive, createArchive } from './recording/archive.js';
import type { FreeBytes } from './recording/retention.js';
import { createPlaybackTokens, type PlaybackTokens } from './security/playback-tokens.js';
import { createSourceHostGuard, type Lookup } from './security/source-hosts.js';
import { FrameJpegsOutput, frameJpegsOf } from './snapshots/frame-jpegs-output.js';
import { apiLinkPolicy } from './sources/api-links.js';
import { createRedirectResolver } from './sources/http-redirects.js';
import { createMediaConfiner, type MediaConfiner } from './sources/media-path.js';
import { cleanUpLeftovers } from './streams/leftovers.js';
import { StreamManager } from './streams/manager.js';
import type { StreamOutput } from './streams/output.js';
import { createSourceGate } from './streams/source-gate.js';
import { createSourceResolver } from './streams/sources.js';
import { createStartStream, type StartStream } from './streams/start-stream.js';
import type { Stream } from './streams/stream.js';
import { createSweeper } from './streams/sweeper.js';
import { VERSION } from './version.js';

/** How long FFmpeg waits on a silent camera socket before giving up (and being restarted). */
const RTSP_IO_TIMEOUT_MS = 5000;

export interface Services {
  log: Logger;
  bus: StreamEventBus;
  manager: StreamManager;
  /** Every start goes through here: the API, the camera registry, later MQTT and peers. */
  startStream: StartStream;
  pidRecords: PidRecords;
  ffmpeg: BinaryInfo;
  ffprobe: BinaryInfo;
  detection: DetectionProvider;
  metrics: Metrics;
  playback: PlaybackTokens | undefined;
  /** CAMERAS_FILE, watched for changes; undefined without one. */
  cameras: CameraRegistry | undefined;
  /** Recordings of record: true cameras: catalogue, retention, hand-off. */
  archive: Archive;
  /** Tracked-object events of the streams that run detection: store, pictures, MQTT, webhook. */
  events: EventSystem;
  /** This node's part in a fleet sharing REDIS_URL; undefined on a daemon of its own. */
  cluster: Cluster | undefined;
  /** What event streams follow: the bus, or in a fleet every node's live events. */
  liveFeed: LiveFeed;
  /** Closes every component, in the reverse order of creation. */
  close(): Promise<void>;
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
  /** Free bytes on the recordings' disk (a test cannot fill a real disk). */
  freeBytes?: FreeBytes;
}

/**
 * The composition root: builds every long-lived component from configuration,
 * starts them in order of creation, and hands back one close() for all of
 * them. buildApp only wires them to HTTP.
 */
export async function createServices(config: Config, log: Logger, system: SystemDeps = {}): Promise<Services> {
  await mkdir(config.streamDir, { recursive: true });
  const lifecycle = new Lifecycle(log);
  const bus: StreamEventBus = new EventBus<StreamEvents>(log);
  const metrics = lifecycle.add('metrics', new Metrics(bus));
  const pidRecords = new PidRecords(pidRecordDir(config.streamDir));
  // Before anything can start a stream (recorded cameras start with the daemon): a crashed run's
  // FFmpeg processes and folders go first.
  const leftovers = await cleanUpLeftovers(config.streamDir, pidRecords);
  if (leftovers.killedPids.length || leftovers.removedDirs.length) {
    log.warn(leftovers, 'cleaned up after a previous run that did not shut down');
  }
  // A CAMERAS_FILE is read before the archive, which asks it for each camera's retention.
  const confineMedia = createMediaConfiner(config.mediaDir);
  const cameras = config.camerasFile
    ? await CameraRegistry.open({ file: config.camerasFile, log, allowedSchemes: config.allowedSchemes, confineMedia })
    : undefined;
  // Before the streams: the catalogue is read before any camera records, and closed after the last one has.
  const archive = lifecycle.add(
    'recordings',
    createArchive({
      config: config.archive,
      ffprobePath: config.ffprobePath,
      transcodePreset: config.transcodePreset,
      retainHoursOf: (id) => cameras?.get(id)?.record_retain_hours,
      bus,
      log,
      freeBytes: system.freeBytes,
    }),
  );
  registerArchiveMetrics(metrics.registry, {
    recordings: () =>
      archive.catalogue.cameras().map((id) => {
        const files = archive.catalogue.files(id);
        return { id, segments: archive.catalogue.segments(id).length, bytes: files.reduce((sum, s) => sum + s.bytes, 0) };
      }),
    diskShortBytes: () => archive.retention.shortBytes,
    handoff: () => archive.handoff.stats(),
  });
  // Before the streams, so that it closes after them: a stream that goes away ends its events.
  const events = lifecycle.add(
    'events',
    createEventSystem({
      config: config.events,
      bus,
      log,
      cameras,
      // The manager is made below; streams exist only once it is.
      framesOf: (id) => frameJpegsOf(manager.get(id)),
    }),
  );
  const offEventMetrics = registerEventMetrics(metrics.registry, bus, { mqtt: events.mqtt?.stats, webhook: events.webhook?.stats });
  lifecycle.add('event metrics', { close: offEventMetrics });
  const detection = lifecycle.add('detection', new DetectionProvider(config.detection, log, bus));
  // Before the streams: leases are there before any camera starts, and released as each one stops.
  const cluster = config.cluster
    ? lifecycle.add(
        'cluster',
        createCluster({
          config: config.cluster,
          maxStreams: config.maxStreams,
          version: VERSION,
          streams: () => manager.list(),
          stop: (id) => manager.stop(id),
          bus,
          log,
        }),
      )
    : undefined;
  if (cluster) registerClusterMetrics(metrics.registry, cluster.status);
  const liveFeed: LiveFeed = cluster
    ? lifecycle.add(
        'fleet events',
        createFleetFeed({ redis: cluster.redis, keyPrefix: config.cluster!.keyPrefix, nodeId: cluster.nodeId, bus, log }),
      )
    : bus;
  const manager = new StreamManager({
    streamDir: path.resolve(config.streamDir),
    maxStreams: config.maxStreams,
    idleTimeoutMs: config.idleTimeoutMs,
    log,
    bus,
    settings: {
      ffmpegPath: config.ffmpegPath,
      ffmpegNice: config.ffmpegNice,
      audio: config.audio,
      startTimeoutMs: config.startTimeoutMs,
      stopGraceMs: config.stopGraceMs,
      watchdogTimeoutMs: config.watchdogTimeoutMs,
      ioTimeoutMs: Math.min(RTSP_IO_TIMEOUT_MS, config.watchdogTimeoutMs),
      restartBackoff: config.restartBackoff,
    },
    deps: { log, pidRecords, bus },
  });
  lifecycle.add('streams', { close: () => manager.close() });
  lifecycle.add('sweeper', createSweeper(manager, config.cleanupIntervalMs, log));
  metrics.readFrom({
    streamStates: () => countByState(manager.list()),
    detectionFps: () =>
      manager.list().flatMap((stream) => {
        const slot = detection.current()?.slot(stream.id);
        return slot ? [{ id: stream.id, fps: slot.stats().fps }] : [];
      }),
  });

  if (cameras) lifecycle.add('cameras', { start: () => cameras.watch(), close: () => cameras.close() });
  const baseOutputs = (id: string, dir: string): StreamOutput[] => [hlsOutput(config, { id, dir, bus, log })];
  const startStream = createStartStream({
    manager,
    resolveSource: createSourceResolver({
      demoEnabled: config.demoEnabled,
      rtspTransport: config.rtspTransport,
      cameras,
      allowApiSources: config.allowApiSources,
      apiLinks: apiLinkPolicy(config),
    }),
    checkSource: sourceGate(config, system, confineMedia),
    placement: cluster,
    detection: () => detection.get(),
    detectByDefault: config.detection.enabled,
    baseOutputs,
    recordingOutputs: archive.recordingOutputs,
    detectionCompanions: () => [new FrameJpegsOutput(config.detection.fps, config.detection.keyframesOnly)],
    bus,
  });
  if (cameras) {
    lifecycle.add('camera follower', createRegistryFollower({ registry: cameras, manager, startStream, log }));
    lifecycle.add('recorded cameras', createAlwaysOn({ registry: cameras, manager, startStream, bus, retry: config.restartBackoff, log }));
  }

  const [ffmpeg, ffprobe] = await Promise.all([detectBinary(config.ffmpegPath), detectBinary(config.ffprobePath)]);
  await lifecycle.start();
  return {
    log,
    bus,
    manager,
    startStream,
    pidRecords,
    ffmpeg,
    ffprobe,
    detection,
    metrics,
    playback: config.playback && createPlaybackTokens(config.playback),
    cameras,
    archive,
    events,
    cluster,
    liveFeed,
    close: () => lifecycle.close(),
  };
}

/** The last check of every source before FFmpeg opens it: hosts, redirects, MEDIA_DIR. */
function sourceGate(config: Config, system: SystemDeps, confineMedia: MediaConfiner) {
  const checkHost = createSourceHostGuard(config.allowedSourceHosts, system.lookup);
  return createSourceGate({
    checkHost,
    hostsRestricted: config.allowedSourceHosts.length > 0,
    followRedirects: createRedirectResolver({ checkHost, timeoutMs: RTSP_IO_TIMEOUT_MS }),
    confineMedia,
  });
}

/** The stream's HLS output, in the configured variant. */
function hlsOutput(config: Config, { id, dir, bus, log }: { id: string; dir: string; bus: StreamEventBus; log: Logger }): StreamOutput {
  const { segmentSeconds, listSize, variant, partSeconds } = config.hls;
  const onSegment = ({ file, bytes }: { file: string; bytes: number | undefined }) => {
    if (bytes !== undefined) bus.emit('segment.written', { id, output: 'hls', file, bytes });
  };
  const transcodePreset = config.transcodePreset;
  if (variant === 'mpegts') return new HlsOutput({ dir, segmentSeconds, listSize, transcodePreset, onSegment });
  return new LiveHlsOutput({
    dir,
    segmentSeconds,
    listSize,
    transcodePreset,
    partSeconds,
    onSegment,
    lowLatency: variant === 'lowlatency',
    partsOnDisk: config.hls.partsOnDisk,
    log: log.child({ stream: id, output: 'hls' }),
  });
}

/** Every state, zero included, so dashboards see a series for each. */
function countByState(streams: Stream[]): Record<string, number> {
  const counts: Record<string, number> = { starting: 0, running: 0, restarting: 0, failed: 0 };
  for (const stream of streams) counts[stream.state] = (counts[stream.state] ?? 0) + 1;
  return counts;
}
