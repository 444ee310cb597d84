import type { Logger } from 'pino';
import { buildFfmpegArgs } from '../ffmpeg/command.js';
import { type FfmpegRun, startFfmpeg } from '../ffmpeg/ffmpeg-run.js';
import type { OutputPlan } from '../ffmpeg/output-plan.js';
import type { Input, SourceInfo } from '../ffmpeg/source-info.js';
import type { RunControl } from '../process/supervisor.js';
import type { StreamOutput } from './output.js';

export interface OutputsRunOptions {
  ffmpegPath: string;
  input: Input;
  plan: OutputPlan;
  outputs: readonly StreamOutput[];
  restart: boolean;
  ioTimeoutMs: number;
  stopGraceMs: number;
  control: RunControl;
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
export async function runOutputs(options: OutputsRunOptions): Promise<FfmpegRun> {
  const { outputs, control } = options;
  let fd = 3;
  const pipes = outputs.map((output) => (output.usesPipe ? fd++ : undefined));
  const prepared = await Promise.all(
    outputs.map((output, i) =>
      output.prepare({ plan: options.plan, restart: options.restart, pipe: pipes[i] === undefined ? undefined : `pipe:${pipes[i]}` }),
    ),
  );
  const run = await startFfmpeg({
    ffmpegPath: options.ffmpegPath,
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
  const opened = prepared.map((output, i) =>
    output.open({
      pipe: pipes[i] === undefined ? undefined : run.pipes[pipes[i] - 3],
      progress: outputs[i]!.provesLiveness ? control.progress : () => {},
      source: options.source,
    }),
  );
  const done = run.done.then(async (end) => {
    await Promise.all(opened.map((output) => output.end()));
    return end;
  });
  return { ...run, done };
}
