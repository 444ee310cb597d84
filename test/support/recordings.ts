import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { readClockStamp } from './clock-code.js';

const run = promisify(execFile);

/** A CAMERAS_FILE in a folder of its own; `remove` deletes both. */
export async function camerasFile(cameras: Record<string, Record<string, unknown>>): Promise<{ file: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sm-cameras-'));
  const file = path.join(dir, 'cameras.json');
  await writeFile(file, JSON.stringify({ cameras }));
  return { file, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** ffprobe's duration of a media file, in seconds. */
export async function probeDuration(file: string): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
  return Number(stdout.trim());
}

/**
 * Decodes every frame of a file without error (FFmpeg exits 0 and says nothing at level error).
 * Frames keep their own timestamps and time base: a loaded camera's run a little off its nominal
 * rate, and rounded to that rate's grid two of them would collide in the null muxer, which
 * complains about its own rounding, not about the file.
 */
export async function decodesCleanly(file: string): Promise<boolean> {
  const args = ['-v', 'error', '-i', file, '-fps_mode', 'passthrough', '-enc_time_base', '-1', '-f', 'null', '-'];
  const { stderr } = await run('ffmpeg', args).catch((error: { stderr: string }) => ({
    stderr: error.stderr || 'failed',
  }));
  return stderr.trim() === '';
}

/**
 * The clock camera's stamps (epoch ms, low 32 bits) of every frame in a file, in order
 * (frames whose stamp does not read are left out). Width: the camera's.
 */
export function clockStamps(file: string, width: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const rows = 32;
    const frameBytes = width * rows;
    const child = spawn('ffmpeg', ['-v', 'error', '-i', file, '-vf', `crop=${width}:${rows}:0:0,format=gray`, '-f', 'rawvideo', 'pipe:1'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const stamps: number[] = [];
    let pending = Buffer.alloc(0);
    child.stdout.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= frameBytes) {
        const frame = pending.subarray(0, frameBytes);
        pending = pending.subarray(frameBytes);
        const stamp = readClockStamp((x, y) => frame[Math.floor(y) * width + Math.floor(x)]!);
        if (stamp !== undefined) stamps.push(stamp);
      }
    });
    child.once('error', reject);
    child.once('close', () => resolve(stamps));
  });
}
