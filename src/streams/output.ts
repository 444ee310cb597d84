import type { Readable } from 'node:stream';
import type { DecodeNeed } from '../ffmpeg/command.js';
import type { OutputPlan } from '../ffmpeg/output-plan.js';
import type { SourceInfo } from '../ffmpeg/source-info.js';

/** What an output learns about the FFmpeg run it is about to be part of. */
export interface RunPlan {
  plan: OutputPlan;
  /** An earlier run of this stream was healthy: mark the seam, keep numbering above it. */
  restart: boolean;
  /** FFmpeg's name for this output's pipe (pipe:3, …), when it asked for one. */
  pipe: string | undefined;
}

/** One output's share of a running FFmpeg. */
export interface OutputRunContext {
  /** What FFmpeg writes to this output's pipe, when it asked for one. */
  pipe: Readable | undefined;
  /** Proof that the run is alive; heard only from outputs that prove liveness. */
  progress(): void;
  /** What FFmpeg said the source carries, once it has said it. */
  source(): SourceInfo | undefined;
}

/** An output's share of one running FFmpeg. */
export interface OutputRun {
  /** FFmpeg has exited; called (and awaited) before the next run begins. */
  end(): void | Promise<void>;
  /** The run is being replaced at once (a new plan): nothing more it writes is worth keeping. */
  abandon?(): void;
}

export interface PreparedOutput {
  /** This output's part of the FFmpeg command line. */
  args: string[];
  /** Called once FFmpeg runs. */
  open(context: OutputRunContext): OutputRun;
}

/**
 * Something one camera's FFmpeg process produces besides the others: HLS,
 * frames for the detector, and later low-latency parts or recordings. A stream
 * runs every output it was created with in one FFmpeg process, on one camera
 * connection.
 */
export interface StreamOutput {
  /** Names it in status and events ('hls', 'detection', …). */
  readonly kind: string;
  /** Whether its progress proves the run alive (and makes the stream playable). */
  readonly provesLiveness: boolean;
  /** Whether FFmpeg writes it to a pipe the daemon reads. */
  readonly usesPipe: boolean;
  /** How much of the video FFmpeg must decode for it. */
  readonly decodes: DecodeNeed;
  /** Readies one FFmpeg run: learns what it needs (sequence numbers, the previous run's leftovers). */
  prepare(run: RunPlan): Promise<PreparedOutput>;
  /** Its counters for the stream's status, or undefined when it has none. */
  status(): unknown;
  /** The stream is going away; the output lets go of what it holds. */
  close(): void | Promise<void>;
}
