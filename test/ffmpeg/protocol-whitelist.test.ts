import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildFfmpegArgs } from '../../src/ffmpeg/command.js';
import { buildHlsArgs } from '../../src/hls/hls-args.js';

const run = promisify(execFile);

/**
 * Defence in depth: validation already rejects these URLs, but should one ever
 * reach FFmpeg, the protocol whitelist must stop it before anything is read.
 */
describe('FFmpeg protocol whitelist', () => {
  it.each([
    'file:/etc/passwd',
    'concat:/etc/passwd|/etc/hostname',
    'subfile:,start,0,end,100,:/etc/passwd',
    'http://127.0.0.1:9/x',
    'pipe:0',
  ])('refuses %s', async (url) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sm-whitelist-'));
    try {
      const plan = { video: 'copy', audio: 'none' } as const;
      const args = buildFfmpegArgs({
        input: { kind: 'rtsp', url, transport: 'tcp' },
        plan,
        ioTimeoutMs: 2000,
        decoding: [undefined],
        outputs: [buildHlsArgs({ plan, dir, segmentSeconds: 1, listSize: 6, transcodePreset: 'veryfast', restart: false, startNumber: 1 })],
      });
      const result = await run('ffmpeg', args, { timeout: 10_000 }).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code: number; stderr: string }) => error,
      );
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/not on whitelist/);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
