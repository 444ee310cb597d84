import { describe, expect, it } from 'vitest';
import { redactRequestUrl, redactText } from '../../src/util/redact.js';

describe('redactText', () => {
  it.each([
    ['rtsp://admin:secret@10.0.0.5/live', 'rtsp://***@10.0.0.5/live'],
    ['rtsp://admin@10.0.0.5/live', 'rtsp://***@10.0.0.5/live'],
    ['rtsp://admin:p@ss@cam:554/x: Connection refused', 'rtsp://***@cam:554/x: Connection refused'],
    ['[rtsp @ 0x5] rtsps://u:p@h/a and rtsp://v:q@i/b', '[rtsp @ 0x5] rtsps://***@h/a and rtsp://***@i/b'],
    ['rtsp://cam.local/live', 'rtsp://cam.local/live'],
    ['user@example.com wrote', 'user@example.com wrote'],
  ])('%s', (input, expected) => {
    expect(redactText(input)).toBe(expected);
  });
});

describe('redactRequestUrl', () => {
  it('decodes query values before redacting', () => {
    const url = `/api/stream/start?indicator_id=1&rtsp_link=${encodeURIComponent('rtsp://admin:secret@cam/x')}`;
    const redacted = redactRequestUrl(url);
    expect(redacted).not.toContain('secret');
    expect(redacted).not.toContain('admin');
    expect(decodeURIComponent(redacted)).toContain('rtsp://***@cam/x');
  });

  it('hides playback tokens whole', () => {
    expect(redactRequestUrl('/api/stream/status?indicator_id=a&token=1790000000.abcDEF_-')).toBe(
      '/api/stream/status?indicator_id=a&token=***',
    );
    expect(redactRequestUrl('/api/stream/token?TOKEN=x')).toBe('/api/stream/token?TOKEN=***');
  });

  it('leaves URLs without a query alone', () => {
    expect(redactRequestUrl('/api/health')).toBe('/api/health');
  });
});
