import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../../src/ffmpeg/failure.js';

describe('classifyFailure', () => {
  it.each([
    ['[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized', 'source_unauthorized'],
    ['[rtsp @ 0x1] method DESCRIBE failed: 403 Forbidden', 'source_forbidden'],
    ['[rtsp @ 0x1] method DESCRIBE failed: 404 Not Found', 'source_not_found'],
    ['[tcp @ 0x1] Connection to tcp://127.0.0.1:1 failed: Connection refused', 'source_connection_refused'],
    ['[tcp @ 0x1] Failed to resolve hostname nope.invalid: Name or service not known', 'source_unreachable'],
    ['[tcp @ 0x1] Connection to tcp://10.0.0.9:554 failed: No route to host', 'source_unreachable'],
    ['[tcp @ 0x1] Connection to tcp://cam:554 failed: Connection timed out', 'source_timeout'],
    ['rtsp://cam/x: Invalid data found when processing input', 'source_invalid_data'],
    ['Conversion failed!', 'ffmpeg_failed'],
  ])('%s → %s', (line, cause) => {
    expect(classifyFailure(['some earlier line', line]).cause).toBe(cause);
  });

  it('quotes the last line when nothing specific is recognised', () => {
    expect(classifyFailure(['Conversion failed!'])).toEqual({ cause: 'ffmpeg_failed', message: 'FFmpeg failed: Conversion failed!' });
    expect(classifyFailure([]).message).toBe('FFmpeg exited without saying why');
  });
});
