import { describe, expect, it } from 'vitest';
import { InputDumpParser } from '../../src/ffmpeg/input-dump.js';
import type { SourceInfo } from '../../src/ffmpeg/source-info.js';

function parse(lines: string[]): SourceInfo | undefined {
  const parser = new InputDumpParser();
  let result: SourceInfo | undefined;
  for (const line of lines) result ??= parser.push(line);
  return result;
}

describe('InputDumpParser', () => {
  it.each<[string, string[], SourceInfo]>([
    [
      'H.264 from the RTSP fixture, rate from tbr when fps is not estimated',
      [
        '[rtsp @ 0x55] Stream #0: not enough frames to estimate rate; consider increasing probesize',
        "Input #0, rtsp, from 'rtsp://***@127.0.0.1:8554/cam':",
        '  Metadata:',
        '    title           : Session streamed with GStreamer',
        '  Duration: N/A, start: 0.066667, bitrate: N/A',
        '  Stream #0:0: Video: h264 (Constrained Baseline), yuv420p(tv, smpte170m, progressive), 640x360 [SAR 1:1 DAR 16:9], 25 tbr, 90k tbn',
        "Output #0, hls, to '/tmp/x/stream.m3u8':",
      ],
      { video: { codec: 'h264', width: 640, height: 360, fps: 25 } },
    ],
    [
      'HEVC with G.711 audio',
      [
        "Input #0, rtsp, from 'rtsp://cam/live':",
        '  Stream #0:0: Video: hevc (Main), yuvj420p(pc), 2560x1440, 20 fps, 20 tbr, 90k tbn',
        '  Stream #0:1: Audio: pcm_mulaw, 8000 Hz, mono, s16, 64 kb/s',
        'Stream mapping:',
      ],
      { video: { codec: 'hevc', width: 2560, height: 1440, fps: 20 }, audio: { codec: 'pcm_mulaw', sampleRate: 8000, channels: 1 } },
    ],
    [
      'MJPEG with AAC, stream ids in brackets',
      [
        "Input #0, rtsp, from 'rtsp://cam/x':",
        '  Stream #0:0[0x1]: Video: mjpeg (Baseline), yuvj420p(pc, bt470bg/unknown/unknown), 640x480, 12.50 tbr, 90k tbn',
        '  Stream #0:1[0x2]: Audio: aac (LC), 48000 Hz, stereo, fltp',
        '[hls @ 0x1] Opening ...',
      ],
      { video: { codec: 'mjpeg', width: 640, height: 480, fps: 12.5 }, audio: { codec: 'aac', sampleRate: 48000, channels: 2 } },
    ],
    [
      'a camera whose SDP lacks its picture size',
      ["Input #0, rtsp, from 'rtsp://cam/x':", '  Stream #0:0: Video: h264, none, 90k tbr, 90k tbn', 'Output #0'],
      { video: { codec: 'h264', width: undefined, height: undefined, fps: undefined } },
    ],
  ])('%s', (_name, lines, expected) => {
    expect(parse(lines)).toEqual(expected);
  });

  it('says nothing until the block is complete', () => {
    const parser = new InputDumpParser();
    expect(parser.push("Input #0, rtsp, from 'x':")).toBeUndefined();
    expect(parser.push('  Stream #0:0: Video: h264, yuv420p, 640x360, 25 fps')).toBeUndefined();
    expect(parser.push('Output #0, hls')).toEqual({ video: { codec: 'h264', width: 640, height: 360, fps: 25 } });
    expect(parser.push('Output #0, hls')).toBeUndefined();
  });
});
