import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildFramesArgs } from '../../src/detection/frames-args.js';
import { buildFrameJpegsArgs } from '../../src/snapshots/frame-jpegs-args.js';
import { MpjpegSplitter } from '../../src/snapshots/mpjpeg-splitter.js';
import { buildSnapshotArgs } from '../../src/snapshots/snapshot-args.js';

const run = promisify(execFile);

describe('buildSnapshotArgs', () => {
  it.each([
    [10, 'pipe:5', '9.95'],
    [1, 'pipe:3', '0.95'],
    [0.05, 'pipe:3', '0.05'],
  ])('every %s s on %s: keyframes only, at least %s s apart, full-size JPEG on mpjpeg', (interval, pipe, gap) => {
    expect(buildSnapshotArgs(interval, pipe)).toEqual([
      '-map',
      '0:v:0',
      '-an',
      '-sn',
      '-dn',
      '-vf',
      `select='eq(pict_type,I)*(isnan(prev_selected_t)+gte(t-prev_selected_t,${gap}))',format=yuvj420p`,
      '-fps_mode',
      'passthrough',
      '-c:v',
      'mjpeg',
      '-q:v',
      '3',
      '-threads',
      '1',
      '-flush_packets',
      '1',
      '-f',
      'mpjpeg',
      pipe,
    ]);
  });
});

describe('buildFrameJpegsArgs', () => {
  it.each([
    [2, 'pipe:6', '0.495'],
    [10, 'pipe:4', '0.095'],
  ])('at DETECT_FPS %s on %s: the detector’s own sampling, at least %s s apart, full-size JPEG', (fps, pipe, gap) => {
    const args = buildFrameJpegsArgs(fps, pipe);
    expect(args.slice(0, 7)).toEqual([
      '-map',
      '0:v:0',
      '-an',
      '-sn',
      '-dn',
      '-vf',
      `select='isnan(prev_selected_t)+gte(t-prev_selected_t,${gap})',format=yuvj420p`,
    ]);
    expect(args.slice(7)).toEqual(buildSnapshotArgs(1, pipe).slice(7));
    // The same selection as the detector's frames output.
    expect(buildFramesArgs({ fps, width: 128, height: 128 }, pipe)[4]).toContain(
      `select='isnan(prev_selected_t)+gte(t-prev_selected_t,${gap})'`,
    );
  });
});

/** What FFmpeg writes for the snapshot output, from its test source with a keyframe every 5 frames. */
async function ffmpegSnapshots(intervalSeconds: number, seconds: number): Promise<Buffer> {
  const args = buildSnapshotArgs(intervalSeconds, 'pipe:1');
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', '-f', 'lavfi', '-i', `testsrc2=size=320x240:rate=10,format=yuv420p`, '-t', String(seconds), ...args],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}

const isJpeg = (b: Buffer) => b[0] === 0xff && b[1] === 0xd8 && b.at(-2) === 0xff && b.at(-1) === 0xd9;

describe('MpjpegSplitter on what FFmpeg writes', () => {
  it('cuts whole JPEGs however the pipe chunks the stream, one per interval', async () => {
    // lavfi's frames are all intra-coded: the interval alone decides, 4 s of video every 1 s → 4 images.
    const stream = await ffmpegSnapshots(1, 4);
    const whole: Buffer[] = [];
    new MpjpegSplitter((jpeg) => whole.push(jpeg)).push(stream);
    expect(whole).toHaveLength(4);
    expect(whole.every(isJpeg)).toBe(true);

    for (const size of [1, 7, 4096]) {
      const cut: Buffer[] = [];
      const splitter = new MpjpegSplitter((jpeg) => cut.push(jpeg));
      for (let at = 0; at < stream.length; at += size) splitter.push(stream.subarray(at, at + size));
      expect(cut.map((b) => b.toString('base64'))).toEqual(whole.map((b) => b.toString('base64')));
    }
  });

  it('skips garbage and parts without a length, and finds the next image', async () => {
    const stream = await ffmpegSnapshots(1, 2);
    const images: Buffer[] = [];
    const splitter = new MpjpegSplitter((jpeg) => images.push(jpeg));
    splitter.push(Buffer.from('x'.repeat(5000)));
    splitter.push(Buffer.from('--ffmpeg\r\nContent-type: image/jpeg\r\n\r\n'));
    splitter.push(stream);
    expect(images).toHaveLength(2);
    expect(images.every(isJpeg)).toBe(true);
  });
});
