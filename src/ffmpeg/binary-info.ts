import { execa } from 'execa';

export interface BinaryInfo {
  found: boolean;
  path: string;
  version: string | null;
}

/** Asks a configured binary (ffmpeg, ffprobe) for its version once, at start-up. */
export async function detectBinary(path: string): Promise<BinaryInfo> {
  const result = await execa(path, ['-hide_banner', '-version'], { reject: false, timeout: 5000, stdin: 'ignore' });
  const version = /version (\S+)/.exec(result.stdout)?.[1] ?? null;
  return { found: !result.failed && version !== null, path, version };
}
