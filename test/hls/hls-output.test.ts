import { mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildHlsArgs } from '../../src/hls/hls-args.js';
import { HlsOutput } from '../../src/hls/hls-output.js';
import { waitFor } from '../support/wait-for.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp() {
  const root = await mkdtemp(path.join(os.tmpdir(), 'sm-hls-'));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  const dir = path.join(root, 'cam');
  const segments: Array<{ file: string; bytes: number | undefined }> = [];
  const output = new HlsOutput({ dir, segmentSeconds: 1, listSize: 6, transcodePreset: 'veryfast', onSegment: (s) => segments.push(s) });
  return { dir, output, segments };
}

/** Writes a playlist the way FFmpeg's temp_file flag does: to a temp file, renamed into place. */
async function writePlaylist(dir: string, mediaSequence: number, segments: string[]) {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:1', `#EXT-X-MEDIA-SEQUENCE:${mediaSequence}`];
  for (const segment of segments) lines.push('#EXTINF:1.000000,', segment);
  await writeFile(path.join(dir, 'stream.m3u8.tmp'), `${lines.join('\n')}\n`);
  await rename(path.join(dir, 'stream.m3u8.tmp'), path.join(dir, 'stream.m3u8'));
}

const plan = { video: 'copy', audio: 'copy' } as const;

describe('HlsOutput', () => {
  it('prepares a first run: its folder, and segments numbered from the epoch second', async () => {
    const { dir, output } = await setUp();
    const before = Math.floor(Date.now() / 1000);
    const { args } = await output.prepare({ plan, restart: false, pipe: undefined });
    const startNumber = Number(args[args.indexOf('-start_number') + 1]);
    expect(startNumber).toBeGreaterThanOrEqual(before);
    expect(startNumber).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    expect(args).toEqual(
      buildHlsArgs({ plan, dir, segmentSeconds: 1, listSize: 6, transcodePreset: 'veryfast', restart: false, startNumber }),
    );
    expect(await readdir(dir)).toEqual([]);
    expect(output).toMatchObject({ kind: 'hls', provesLiveness: true, usesPipe: false, decodes: undefined });
  });

  it('prepares a restart above the previous run, marks the seam and removes its unlisted segments', async () => {
    const { dir, output } = await setUp();
    await output.prepare({ plan, restart: false, pipe: undefined });
    const future = Math.floor(Date.now() / 1000) + 1000; // a run whose numbers ran ahead of the clock
    await writeFile(path.join(dir, `seg_${future}.ts`), 'listed');
    await writeFile(path.join(dir, `seg_${future + 1}.ts`), 'half-written by an FFmpeg that died');
    await writePlaylist(dir, future, [`seg_${future}.ts`]);

    const { args } = await output.prepare({ plan, restart: true, pipe: undefined });
    expect(args[args.indexOf('-start_number') + 1]).toBe(String(future + 1));
    expect(args[args.indexOf('-hls_flags') + 1]).toBe('delete_segments+temp_file+omit_endlist+discont_start');
    expect((await readdir(dir)).sort()).toEqual([`seg_${future}.ts`, 'stream.m3u8']);
  });

  it('reports each new segment of a run, and nothing the previous run had listed', async () => {
    const { dir, output, segments } = await setUp();
    await output.prepare({ plan, restart: false, pipe: undefined });
    await writeFile(path.join(dir, 'seg_100.ts'), 'x'.repeat(100));
    await writePlaylist(dir, 100, ['seg_100.ts']);

    const prepared = await output.prepare({ plan, restart: true, pipe: undefined });
    let progress = 0;
    const run = prepared.open({ pipe: undefined, progress: () => progress++, source: () => undefined });
    cleanups.push(() => run.end());

    await writeFile(path.join(dir, 'seg_101.ts'), 'x'.repeat(1234));
    await writePlaylist(dir, 100, ['seg_100.ts', 'seg_101.ts']);
    await waitFor(() => progress === 1, { what: 'the new segment to be noticed' });
    await writeFile(path.join(dir, 'seg_102.ts'), 'x'.repeat(99));
    await writePlaylist(dir, 101, ['seg_101.ts', 'seg_102.ts']);
    await waitFor(() => progress === 2, { what: 'the next one' });
    expect(segments).toEqual([
      { file: 'seg_101.ts', bytes: 1234 },
      { file: 'seg_102.ts', bytes: 99 },
    ]);
  });
});
