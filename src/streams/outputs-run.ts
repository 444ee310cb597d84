import type { Logger } from 'pino';
import { buildFfmpegArgs } from '../ffmpeg/command.js';
import { type FfmpegRun, startFfmpeg } from '../ffmpeg/ffmpeg-run.js';
import type { OutputPlan } from '../ffmpeg/output-plan.js';
import type { Input, SourceInfo } from '../ffmpeg/source-info.js';
import type { RunControl } from '../process/supervisor.js';
import type { OutputRun, StreamOutput } from './output.js';

export interface OutputsRunOptions {
  ffmpegPath: string;
  ffmpegNice: number;
  input: Input;
  plan: OutputPlan;
  outputs: readonly StreamOutput[];
  restart: boolean;
  ioTimeoutMs: number;
  stopGraceMs: number;
  control: RunControl;
  /** The run is no longer wanted: nothing is spawned once it aborts. */
  signal: AbortSignal;
  env: Record<string, string>;
  log: Logger;
  /** What the source carries, as far as known. */
  source(): SourceInfo | undefined;
  onSourceInfo(info: SourceInfo): void;
}

/**
 * One FFmpeg process for all of a stream's outputs: each readies itself and
 * adds its fragment to one command line; piped outputs get fds 3, 4, … in
 * order; once FFmpeg exits, every output's run ends before `done` settles.
 */
export async function runOutputs(options: OutputsRunOptions): Promise<FfmpegRun & { abandon(): void }> {
  const { outputs, control } = options;
  let fd = 3;
  const pipes = outputs.map((output) => (output.usesPipe ? fd++ : undefined));
  const prepared = await Promise.all(
    outputs.map((output, i) =>
      output.prepare({ plan: options.plan, restart: options.restart, pipe: pipes[i] === undefined ? undefined : `pipe:${pipes[i]}` }),
    ),
  );
  // Readying the outputs takes a moment (folders, the previous playlist): a close meanwhile must not reach the camera.
  if (options.signal.aborted) throw new Error('the run was called off before FFmpeg started');
  const run = await startFfmpeg({
    ffmpegPath: options.ffmpegPath,
    nice: options.ffmpegNice,
    args: buildFfmpegArgs({
      input: options.input,
      plan: options.plan,
      ioTimeoutMs: options.ioTimeoutMs,
      decoding: outputs.map((output) => output.decodes),
      outputs: prepared.map((output) => output.args),
    }),
    pipes: fd - 3,
    stopGraceMs: options.stopGraceMs,
    env: options.env,
    log: options.log,
    onSourceInfo: options.onSourceInfo,
  });
  let opened: OutputRun[];
  try {
    opened = prepared.map((output, i) =>
      output.open({
        pipe: pipes[i] === undefined ? undefined : run.pipes[pipes[i] - 3],
        progress: outputs[i]!.provesLiveness ? control.progress : () => {},
        source: options.source,
      }),
    );
  } catch (error) {
    // An FFmpeg nobody reads from must not outlive the attempt.
    run.stop();
    await run.done;
    throw error;
  }
  const done = run.done.then(async (end) => {
    await Promise.all(opened.map((output) => output.end()));
    return end;
  });
  const abandon = () => {
    for (const output of opened) output.abandon?.();
  };
  return { ...run, done, abandon };
}
