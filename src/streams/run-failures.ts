import type { Failure, FailureCause } from '../ffmpeg/failure.js';
import { SourceFailure } from '../ffmpeg/failure.js';
import type { FfmpegRunEnd } from '../ffmpeg/ffmpeg-run.js';
import type { RunOutcome } from '../process/supervisor.js';

/** How long the supervisor waited for signs of life, for messages that say so. */
export interface LivenessLimits {
  startTimeoutMs: number;
  watchdogTimeoutMs: number;
}

/** The first segment of a run waits for the camera's keyframes, and may take as long as a start. */
export function firstSegmentMs({ startTimeoutMs, watchdogTimeoutMs }: LivenessLimits): number {
  return Math.max(watchdogTimeoutMs, startTimeoutMs);
}

/** What went wrong in a run: the watchdog's verdict, else what FFmpeg's stderr says. */
export function failureOf(outcome: RunOutcome<FfmpegRunEnd>, limits: LivenessLimits): Failure {
  if (outcome.reason !== 'stalled') return outcome.end.failure;
  const ms = outcome.progressed ? limits.watchdogTimeoutMs : firstSegmentMs(limits);
  return { cause: 'source_timeout', message: `no new segment for ${ms / 1000} s` };
}

/** Why a start gave up at its timeout, naming what the last run ran into when FFmpeg was specific. */
export function startTimeoutFailure(last: RunOutcome<FfmpegRunEnd> | undefined, limits: LivenessLimits): SourceFailure {
  const failure = last && failureOf(last, limits);
  const specific = failure && failure.cause !== 'ffmpeg_failed' ? ` (${failure.message})` : '';
  return new SourceFailure(
    { cause: 'source_timeout', message: `no playable segment within ${limits.startTimeoutMs / 1000} s${specific}` },
    last?.end.stderr ?? [],
  );
}

/** Cameras lock accounts after repeated bad logins. */
export function rejectedCredentials({ cause }: Failure): boolean {
  return cause === 'source_unauthorized' || cause === 'source_forbidden';
}

const CONNECTION_FAILURES = new Set<FailureCause>(['source_connection_refused', 'source_unreachable', 'source_timeout']);

/** The camera is not there at all (rather than there and refusing us). */
export function cameraAway({ cause }: Failure): boolean {
  return CONNECTION_FAILURES.has(cause);
}
