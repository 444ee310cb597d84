import { describe, expect, it } from 'vitest';
import { startRequestSchema } from '../../src/http/request-schemas.js';

const schema = startRequestSchema({ kinds: ['rtsp'], rtspSchemes: ['rtsp', 'rtsps'], maxLength: 100 });

describe('start request validation', () => {
  it.each([
    ['cam_1', 'rtsp://10.0.0.5:554/Streaming/Channels/101'],
    ['A-z_09', 'rtsps://user:p%40ss@cam.example/live'],
    ['x'.repeat(64), 'rtsp://[::1]:8554/cam'],
  ])('accepts %s', (indicator_id, rtsp_link) => {
    expect(schema.parse({ indicator_id, rtsp_link })).toEqual({ indicator_id, rtsp_link, wait: true });
  });

  it.each([
    [{ indicator_id: '', rtsp_link: 'rtsp://h/x' }, 'indicator_id must be'],
    [{ indicator_id: 'x'.repeat(65), rtsp_link: 'rtsp://h/x' }, 'indicator_id must be'],
    [{ indicator_id: '../etc', rtsp_link: 'rtsp://h/x' }, 'indicator_id must be'],
    [{ indicator_id: 'a b', rtsp_link: 'rtsp://h/x' }, 'indicator_id must be'],
    [{ rtsp_link: 'rtsp://h/x' }, 'indicator_id is required'],
    [{ indicator_id: 7, rtsp_link: 'rtsp://h/x' }, 'indicator_id is required'],
    [{ indicator_id: 'a', rtsp_link: 'file:///etc/passwd' }, 'must use one of these schemes'],
    [{ indicator_id: 'a', rtsp_link: 'http://h/x' }, 'must use one of these schemes'],
    [{ indicator_id: 'a', rtsp_link: 'concat:rtsp://a|rtsp://b' }, 'must use one of these schemes'],
    [{ indicator_id: 'a', rtsp_link: 'not a url' }, 'whitespace'],
    [{ indicator_id: 'a', rtsp_link: 'rtsp://h/x\nINJECTED' }, 'whitespace or control'],
    [{ indicator_id: 'a', rtsp_link: 'rtsp://h/\u0000' }, 'whitespace or control'],
    [{ indicator_id: 'a', rtsp_link: 'rtsp:' }, 'has no host'],
    [{ indicator_id: 'a', rtsp_link: 'rtsp://[bad' }, 'not a valid URL'],
    [{ indicator_id: 'a', rtsp_link: `rtsp://h/${'x'.repeat(100)}` }, 'longer than 100'],
    [{ indicator_id: 'a', rtsp_link: 'rtsp://h/x', wait: 'soon' }, 'must be true or false'],
  ])('rejects %j', (input, message) => {
    const result = schema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message).join(' ')).toContain(message);
  });

  it('reads wait from query strings and JSON alike', () => {
    expect(schema.parse({ indicator_id: 'a', wait: 'false' }).wait).toBe(false);
    expect(schema.parse({ indicator_id: 'a', wait: false }).wait).toBe(false);
    expect(schema.parse({ indicator_id: 'a', wait: '1' }).wait).toBe(true);
  });

  it('never echoes the rejected URL, which may hold credentials', () => {
    const result = schema.safeParse({ indicator_id: 'a', rtsp_link: 'http://admin:hunter2@cam/x' });
    expect(JSON.stringify(result.error?.issues)).not.toContain('hunter2');
  });
});
