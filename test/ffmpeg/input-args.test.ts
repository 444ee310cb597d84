import { describe, expect, it } from 'vitest';
import { inputArgs } from '../../src/ffmpeg/input-args.js';
import type { Input } from '../../src/ffmpeg/source-info.js';

const io = { ioTimeoutMs: 5000, keyframesOnly: false };

describe('FFmpeg input arguments per source kind', () => {
  it.each<[string, Input, boolean, string[]]>([
    [
      'a file: looped at its own rate, file protocol only',
      { kind: 'file', path: '/srv/media/TextileFactory.mp4' },
      false,
      ['-re', '-stream_loop', '-1', '-protocol_whitelist', 'file', '-i', 'file:/srv/media/TextileFactory.mp4'],
    ],
    [
      'a file whose name has a colon: still the file protocol',
      { kind: 'file', path: '/srv/media/http:evil.mp4' },
      false,
      ['-re', '-stream_loop', '-1', '-protocol_whitelist', 'file', '-i', 'file:/srv/media/http:evil.mp4'],
    ],
    [
      'a file for keyframe-only detection',
      { kind: 'file', path: '/m/a.mp4' },
      true,
      ['-re', '-stream_loop', '-1', '-skip_frame', 'nokey', '-threads', '1', '-protocol_whitelist', 'file', '-i', 'file:/m/a.mp4'],
    ],
    [
      'a stored MP4 over HTTP: looped like a file',
      { kind: 'http', url: 'http://10.0.0.9/clips/yard.mp4', stored: true, hls: false },
      false,
      [
        '-re',
        '-stream_loop',
        '-1',
        '-protocol_whitelist',
        'http,https,tcp,tls',
        '-format_whitelist',
        'mov,matroska,mpegts,flv,mpjpeg,jpeg_pipe,mjpeg,h264,hevc',
        '-max_redirects',
        '0',
        '-rw_timeout',
        '5000000',
        '-i',
        'http://10.0.0.9/clips/yard.mp4',
      ],
    ],
    [
      'a live MJPEG camera over HTTP: neither paced nor looped',
      { kind: 'http', url: 'http://10.0.0.9/video.cgi', stored: false, hls: false },
      false,
      [
        '-protocol_whitelist',
        'http,https,tcp,tls',
        '-format_whitelist',
        'mov,matroska,mpegts,flv,mpjpeg,jpeg_pipe,mjpeg,h264,hevc',
        '-max_redirects',
        '0',
        '-rw_timeout',
        '5000000',
        '-i',
        'http://10.0.0.9/video.cgi',
      ],
    ],
    [
      'an HLS playlist: crypto for AES-128 segments, the HLS demuxer and its segment formats',
      { kind: 'http', url: 'https://cdn.example/live/index.m3u8', stored: false, hls: true },
      false,
      [
        '-protocol_whitelist',
        'http,https,tcp,tls,crypto',
        '-format_whitelist',
        'hls,mpegts,mov,aac,mp3',
        '-max_redirects',
        '0',
        '-rw_timeout',
        '5000000',
        '-i',
        'https://cdn.example/live/index.m3u8',
      ],
    ],
    [
      'a V4L2 device by index, driver defaults',
      { kind: 'device', path: '/dev/video0', options: {} },
      false,
      ['-f', 'v4l2', '-i', '/dev/video0'],
    ],
    [
      'a V4L2 device by name, with capture settings',
      {
        kind: 'device',
        path: '/dev/v4l/by-id/usb-046d_C920-video-index0',
        options: { input_format: 'mjpeg', framerate: '30', video_size: '1280x720' },
      },
      false,
      [
        '-f',
        'v4l2',
        '-input_format',
        'mjpeg',
        '-framerate',
        '30',
        '-video_size',
        '1280x720',
        '-i',
        '/dev/v4l/by-id/usb-046d_C920-video-index0',
      ],
    ],
  ])('%s', (_name, input, keyframesOnly, expected) => {
    expect(inputArgs(input, { ...io, keyframesOnly })).toEqual(expected);
  });

  it('refuses a file path that has not been confined to MEDIA_DIR', () => {
    expect(() => inputArgs({ kind: 'file', path: 'TextileFactory.mp4' }, io)).toThrow(/confined to MEDIA_DIR/);
  });
});
