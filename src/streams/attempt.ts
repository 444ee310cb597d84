import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { classifyFailure, type Failure } from '../ffmpeg/failure.js';
import { InputDumpParser } from '../ffmpeg/input-dump.js';
import type { SourceInfo } from '../ffmpeg/source-info.js';
import { StderrTail } from '../ffmpeg/stderr-tail.js';
import { type ExitInfo, spawnChild } from '../process/child.js';
import { newestSegment, readPlaylist } from './playlist.js';

/** FFmpeg announces every segment it opens; that is noise, not something to keep for errors. */
const SEGMENT_OPENED = /^\[hls @ [^\]]+\] Opening '/;

/** Poll fast while a viewer waits for the first segment, slowly once it flows. */
const POLL_WAITING_MS = 100;
const POLL_FLOWING_MS = 1000;

export interface AttemptOptions {
  ffmpegPath: string;
  args: string[];
  playlistPath: string;
  stopGraceMs: number;
  /** Kill FFmpeg when the playlist has not gained a segment for this long. */
  watchdogMs: number;
  /** The same for the first segment of a run, which waits for the camera's keyframes. */
  firstSegmentMs: number;
  /** Aborting stops FFmpeg (stream closed, start timed out). */
  signal: AbortSignal;
  log: Logger;
  onSpawn(pid: number): void;
  /** Each time a new segment appears in the playlist. */
  onAdvance(segment: string): void;
  /** Once FFmpeg has opened its input and said what it carries. */
  onSourceInfo(info: SourceInfo): void;
  /** FFmpeg's stdout (the detector's frames), when there is a second output. */
  onStdout?: (chunk: Uint8Array) => void;
}

export interface AttemptOutcome {
  exit: ExitInfo;
  failure: Failure;
  stderr: string[];
  /** Whether this attempt produced at least one segment. */
  advanced: boolean;
  ranMs: number;
  /** The watchdog stopped it. */
  stalled: boolean;
}

/** One FFmpeg run, watched through its playlist, from spawn to exit. */
export async function runAttempt(options: AttemptOptions): Promise<AttemptOutcome> {
  const { log, signal } = options;
  const tail = new StderrTail();
  const inputDump = new InputDumpParser();
  const startedAt = Date.now();
  const child = await spawnChild({
    command: options.ffmpegPath,
    args: options.args,
    onStdout: options.onStdout,
    onStderrLine: (line) => {
      const info = inputDump.push(line);
      if (info) options.onSourceInfo(info);
      if (SEGMENT_OPENED.test(line)) return;
      log.debug({ ffmpeg: tail.push(line) }, 'ffmpeg stderr');
    },
  });
  options.onSpawn(child.pid);

  const stop = () => void child.stop(options.stopGraceMs);
  if (signal.aborted) stop();
  signal.addEventListener('abort', stop, { once: true });

  let advanced = false;
  let stalled = false;
  let running = true;
  const watch = (async () => {
    let last = newestSegment(await readPlaylist(options.playlistPath).catch(() => undefined));
    let lastAdvanceAt = Date.now();
    while (running) {
      await delay(advanced ? POLL_FLOWING_MS : POLL_WAITING_MS);
      if (!running) break;
      const newest = newestSegment(await readPlaylist(options.playlistPath).catch(() => undefined));
      // FFmpeg flushes a last short segment when told to stop; that is no sign of life.
      if (signal.aborted || stalled) continue;
      if (newest !== undefined && newest !== last) {
        last = newest;
        lastAdvanceAt = Date.now();
        advanced = true;
        options.onAdvance(newest);
      } else if (Date.now() - lastAdvanceAt > (advanced ? options.watchdogMs : options.firstSegmentMs)) {
        stalled = true;
        log.warn({ pid: child.pid, stalledMs: Date.now() - lastAdvanceAt }, 'playlist stopped advancing; restarting FFmpeg');
        stop();
      }
    }
  })();

  const exit = await child.exited;
  running = false;
  signal.removeEventListener('abort', stop);
  await watch;

  const stderr = tail.snapshot();
  const failure: Failure = stalled
    ? { cause: 'source_timeout', message: `no new segment for ${(advanced ? options.watchdogMs : options.firstSegmentMs) / 1000} s` }
    : classifyFailure(stderr);
  return { exit, failure, stderr, advanced, ranMs: Date.now() - startedAt, stalled };
}
