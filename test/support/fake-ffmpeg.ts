import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type FakeFfmpegMode = 'hang' | 'exit-early' | 'flood';

const SCRIPT = fileURLToPath(new URL('../fixtures/fake-ffmpeg.mjs', import.meta.url));

/**
 * An executable to pass as FFMPEG_PATH that acts out one failure mode.
 * The daemon gives FFmpeg a minimal environment, so the mode travels in the
 * wrapper rather than in an environment variable.
 */
export async function fakeFfmpeg(mode: FakeFfmpegMode): Promise<{ path: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sm-fake-ffmpeg-'));
  const wrapper = path.join(dir, 'ffmpeg');
  await writeFile(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${SCRIPT}" ${mode} "$@"\n`);
  await chmod(wrapper, 0o755);
  return { path: wrapper, remove: () => rm(dir, { recursive: true, force: true }) };
}
