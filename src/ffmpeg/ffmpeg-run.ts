import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { spawnChild } from '../process/child.js';
import type { RunEnd, RunHandle } from '../process/supervisor.js';
import { classifyFailure, type Failure } from './failure.js';
import { InputDumpParser } from './input-dump.js';
import type { SourceInfo } from './source-info.js';
import { StderrTail } from './stderr-tail.js';

/** Muxers announce every file they open; that is noise, not something to keep for errors. */
const FILE_OPENED = /^\[[a-z0-9_]+ @ 0x[0-9a-f]+\] Opening '/;

export interface FfmpegRunEnd extends RunEnd {
  /** Why it ended, as far as its stderr tells (meaningful when it was not asked to stop). */
  failure: Failure;
  /** Its last stderr lines, credentials redacted. */
  stderr: string[];
}

export interface FfmpegRun extends RunHandle<FfmpegRunEnd> {
  readonly pid: number;
  /** The extra output pipes, as pipe:3, pipe:4, … in the order asked for. */
  readonly pipes: Readable[];
}

export interface FfmpegRunOptions {
  ffmpegPath: string;
  args: string[];
  pipes: number;
  stopGraceMs: number;
  /** FFMPEG_NICE: how far below the daemon's CPU priority FFmpeg runs. */
  nice: number;
  /** Added to FFmpeg's environment (the pid record's marker). */
  env: Record<string, string>;
  log: Logger;
  /** Once FFmpeg has opened its input and said what it carries. */
  onSourceInfo(info: SourceInfo): void;
}

/** Starts one FFmpeg: stderr drained into a redacted tail, the input report parsed, the exit classified. */
export async function startFfmpeg(options: FfmpegRunOptions): Promise<FfmpegRun> {
  const tail = new StderrTail();
  const inputDump = new InputDumpParser();
  const child = await spawnChild({
    command: options.ffmpegPath,
    args: options.args,
    pipes: options.pipes,
    env: options.env,
    // An FFmpeg outliving its daemon would hold the camera's session and folder while another node starts it.
    dieWithParent: true,
    nice: options.nice,
    onStderrLine: (line) => {
      const info = inputDump.push(line);
      if (info) options.onSourceInfo(info);
      if (FILE_OPENED.test(line)) return;
      options.log.debug({ ffmpeg: tail.push(line) }, 'ffmpeg stderr');
    },
  });
  return {
    pid: child.pid,
    pipes: child.pipes,
    done: child.exited.then((exit) => {
      const stderr = tail.snapshot();
      return { exit, failure: classifyFailure(stderr), stderr };
    }),
    stop: () => void child.stop(options.stopGraceMs),
  };
}

/** The end of a run that never started (FFmpeg missing, EAGAIN, a binary replaced mid-upgrade…). */
export function ffmpegNeverRan(error: unknown): FfmpegRunEnd {
  return {
    exit: { code: null, signal: null, requested: false },
    failure: { cause: 'ffmpeg_failed', message: (error as Error).message },
    stderr: [],
  };
}
