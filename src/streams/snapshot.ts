import type { Failure } from '../ffmpeg/failure.js';
import type { OutputPlan } from '../ffmpeg/output-plan.js';
import type { SourceInfo } from '../ffmpeg/source-info.js';
import { streamPath } from '../hls/layout.js';
import type { SupervisorState } from '../process/supervisor-state.js';

/** A stream as the API shows it (snake_case, like the seed's fields). */
export interface StreamSnapshot {
  indicator_id: string;
  state: SupervisorState;
  stream_path: string;
  pid: number | null;
  started_at: string;
  last_access: string;
  restarts: number;
  mode: 'copy' | 'transcode';
  source: {
    video_codec: string | null;
    width: number | null;
    height: number | null;
    fps: number | null;
    audio_codec: string | null;
  } | null;
  last_error: { cause: string; message: string; at: string; ffmpeg_output: string[] } | null;
  /** Counters and the latest detections, when detection is on for the stream. */
  detection: unknown;
  /** Kept running without viewers (CAMERAS_FILE record: true). */
  always_on: boolean;
  /** Segments written this run, when the stream is recorded. */
  recording: unknown;
}

/** The last thing that went wrong, with FFmpeg's own last words. */
export type LastError = Failure & { at: Date; stderr: string[] };

interface SnapshotSource {
  id: string;
  state: SupervisorState;
  pid: number | undefined;
  startedAt: Date;
  lastAccess: number;
  restarts: number;
  plan: OutputPlan;
  source: SourceInfo | undefined;
  lastError: LastError | undefined;
  alwaysOn: boolean;
  output(kind: string): { status(): unknown } | undefined;
}

export function snapshotOf(stream: SnapshotSource): StreamSnapshot {
  const { source, lastError } = stream;
  return {
    indicator_id: stream.id,
    state: stream.state,
    stream_path: streamPath(stream.id),
    pid: stream.pid ?? null,
    started_at: stream.startedAt.toISOString(),
    last_access: new Date(stream.lastAccess).toISOString(),
    restarts: stream.restarts,
    mode: stream.plan.video,
    source: source
      ? {
          video_codec: source.video?.codec ?? null,
          width: source.video?.width ?? null,
          height: source.video?.height ?? null,
          fps: source.video?.fps ?? null,
          audio_codec: source.audio?.codec ?? null,
        }
      : null,
    last_error: lastError
      ? { cause: lastError.cause, message: lastError.message, at: lastError.at.toISOString(), ffmpeg_output: lastError.stderr }
      : null,
    detection: stream.output('detection')?.status() ?? null,
    always_on: stream.alwaysOn,
    recording: stream.output('recording')?.status() ?? null,
  };
}
