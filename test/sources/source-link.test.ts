import { describe, expect, it } from 'vitest';
import { type LinkPolicy, parseSourceLink } from '../../src/sources/source-link.js';

const ALL: LinkPolicy = { kinds: ['rtsp', 'file', 'http', 'device'], rtspSchemes: ['rtsp', 'rtsps'], maxLength: 2048 };
const API: LinkPolicy = { ...ALL, kinds: ['rtsp'] };
const SECRET = 's3cr3t-pass';

describe('parseSourceLink', () => {
  it.each([
    ['rtsp://cam/live', { kind: 'rtsp', url: 'rtsp://cam/live' }],
    ['file:TextileFactory.mp4', { kind: 'file', path: 'TextileFactory.mp4' }],
    ['file:presets/yard.mp4', { kind: 'file', path: 'presets/yard.mp4' }],
    ['file:/srv/media/yard.mp4', { kind: 'file', path: '/srv/media/yard.mp4' }],
    ['https://cam.example/video.mjpg', { kind: 'http', url: 'https://cam.example/video.mjpg' }],
    ['device:0', { kind: 'device', path: '/dev/video0', options: {} }],
    ['device:12', { kind: 'device', path: '/dev/video12', options: {} }],
    [
      'device:usb-046d_C920-video-index0?video_size=1280x720&framerate=30&input_format=mjpeg',
      {
        kind: 'device',
        path: '/dev/v4l/by-id/usb-046d_C920-video-index0',
        options: { video_size: '1280x720', framerate: '30', input_format: 'mjpeg' },
      },
    ],
  ])('reads %s', (value, link) => {
    expect(parseSourceLink(value, ALL)).toEqual({ link });
  });

  it.each([
    ['file://host/x.mp4', /not file:\/\//],
    ['file:', /names no file/],
    ['device:../../etc/passwd', /device:N/],
    ['device:a/b', /device:N/],
    ['device:0?rate=30', /unknown device option "rate"/],
    ['device:0?__proto__=1', /unknown device option/],
    ['device:0?video_size=big', /malformed device option "video_size"/],
    ['ftp://x/y', /schemes: rtsp, rtsps, file, http, https, device/],
    [`http://admin:${SECRET}@/x`, /not a valid URL|has no host/],
    ['no scheme at all', /whitespace/],
    ['noscheme', /not a valid URL/],
  ])('refuses %s', (value, problem) => {
    const parsed = parseSourceLink(value, ALL);
    expect(parsed).toEqual({ problem: expect.stringMatching(problem) });
    expect(JSON.stringify(parsed)).not.toContain(SECRET);
  });

  it.each(['file:a.mp4', 'http://10.0.0.5/a.mp4', 'device:0'])('keeps %s out of an API that takes RTSP only', (value) => {
    expect(parseSourceLink(value, API)).toEqual({ problem: 'must use one of these schemes: rtsp, rtsps' });
  });
});
