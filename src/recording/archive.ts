import path from 'node:path';
import type { Logger } from 'pino';
import type { ArchiveConfig } from '../config/archive-config.js';
import type { StreamEventBus } from '../events/stream-events.js';
import { Handoff } from '../handoff/handoff.js';
import { createS3Target } from '../handoff/s3-target.js';
import { createWebhookTarget } from '../handoff/webhook-target.js';
import { isFmp4Feed } from '../hls/fmp4/feed.js';
import { SnapshotOutput } from '../snapshots/snapshot-output.js';
import type { StreamOutput } from '../streams/output.js';
import type { RecordingRequest } from '../streams/sources.js';
import { RecordingCatalogue } from './catalogue.js';
import { FragmentRecordingOutput } from './fragment-recording-output.js';
import { cameraDir } from './layout.js';
import { ffprobeDuration } from './probe-duration.js';
import { RecordingOutput } from './recording-output.js';
import { type FreeBytes, RecordingRetention } from './retention.js';
import type { RecordedSegment } from './segment.js';

export interface ArchiveDeps {
  config: ArchiveConfig;
  ffprobePath: string;
  transcodePreset: string;
  /** Each camera's record_retain_hours, when its entry has one. */
  retainHoursOf(id: string): number | undefined;
  bus: StreamEventBus;
  log: Logger;
  freeBytes?: FreeBytes;
}

const HOUR_MS = 3_600_000;
/** Where the hand-off queues live: a name no camera id can take (ids have no dot). */
const HANDOFF_DIR = '.handoff';

/**
 * Recordings as one component: the catalogue of what is on disk, retention,
 * the hand-off of finished segments and snapshots, and the outputs each
 * archived camera's FFmpeg gets (recording, snapshots). Started before any stream (the catalogue is read
 * first), closed after all of them (their last segments are still handed on).
 */
export function createArchive({ config, ffprobePath, transcodePreset, retainHoursOf, bus, log, freeBytes }: ArchiveDeps) {
  const root = path.resolve(config.dir);
  const archiveLog = log.child({ component: 'recordings' });
  const catalogue = new RecordingCatalogue({ root, probe: ffprobeDuration(ffprobePath), log: archiveLog });
  const retention = new RecordingRetention({
    catalogue,
    root,
    retainMs: (id) => (retainHoursOf(id) ?? config.retainHours) * HOUR_MS,
    maxBytes: config.maxBytes,
    minFreeBytes: config.minFreeBytes,
    intervalMs: config.retentionIntervalMs,
    freeBytes,
    log: archiveLog,
  });
  const s3 = config.s3 ? { target: createS3Target(config.s3), prefix: config.s3.prefix } : undefined;
  const handoff = new Handoff({
    dir: path.join(root, HANDOFF_DIR),
    root,
    catalogue,
    s3,
    webhook: config.webhook ? createWebhookTarget(config.webhook) : undefined,
    deleteLocal: config.deleteLocalAfterUpload,
    queueMax: config.queueMax,
    retry: { initialMs: 1000, maxMs: config.retryMaxMs },
    log: archiveLog,
  });

  /** A finished segment or snapshot: listed, announced, handed on. */
  const kept = (id: string, request: RecordingRequest, streamLog: Logger) => async (file: RecordedSegment) => {
    try {
      await catalogue.add(id, file);
      bus.emit('recording.kept', { id, name: file.name, bytes: file.bytes, duration: file.duration });
      if (request.upload !== false) await handoff.add(id, file);
    } catch (error) {
      streamLog.error({ err: error, file: file.name }, 'cannot keep a finished recording');
    }
  };

  /**
   * Where the stream's HLS is fragmented MP4 packaged by the daemon, the recording is written from
   * it (FFmpeg muxes once); with MPEG-TS HLS, FFmpeg muxes the recording as an output of its own.
   */
  const recordingOutputs = (id: string, request: RecordingRequest, others: readonly StreamOutput[]): StreamOutput[] => {
    const outputs: StreamOutput[] = [];
    const feed = others.find(isFmp4Feed);
    if (request.video) {
      const streamLog = log.child({ stream: id, output: 'recording' });
      const dir = cameraDir(root, id);
      const onSegment = kept(id, request, streamLog);
      outputs.push(
        feed
          ? new FragmentRecordingOutput(feed, { dir, segmentSeconds: config.segmentSeconds, log: streamLog, onSegment })
          : new RecordingOutput({
              dir,
              segmentSeconds: config.segmentSeconds,
              transcodePreset,
              log: streamLog,
              onSegment,
              // What a killed FFmpeg left unfinished is probed and listed.
              onRunEnded: () =>
                void catalogue.reconcile(id).catch((error: unknown) => streamLog.error({ err: error }, 'cannot list recordings')),
            }),
      );
    }
    if (request.snapshotSeconds !== undefined) {
      const streamLog = log.child({ stream: id, output: 'snapshots' });
      outputs.push(
        new SnapshotOutput({
          dir: cameraDir(root, id),
          intervalSeconds: request.snapshotSeconds,
          log: streamLog,
          onSnapshot: kept(id, request, streamLog),
        }),
      );
    }
    return outputs;
  };

  return {
    root,
    catalogue,
    retention,
    handoff,
    recordingOutputs,
    async start() {
      await catalogue.load();
      retention.start();
      await handoff.start();
    },
    async close() {
      await handoff.close();
      await retention.close();
      s3?.target.close();
    },
  };
}

export type Archive = ReturnType<typeof createArchive>;
