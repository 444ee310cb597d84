import { execFile } from 'node:child_process';

export type ProbeDuration = (file: string) => Promise<number | undefined>;

/** A segment's duration as ffprobe reads it (a partial file left by a crash too); undefined when unreadable. */
export function ffprobeDuration(ffprobePath: string): ProbeDuration {
  return (file) =>
    new Promise((resolve) => {
      execFile(
        ffprobePath,
        ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file],
        { timeout: 30_000 },
        (error, stdout) => {
          const seconds = Number(stdout.trim());
          resolve(!error && Number.isFinite(seconds) && seconds > 0 ? seconds : undefined);
        },
      );
    });
}
