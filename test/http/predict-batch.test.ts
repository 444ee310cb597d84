import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors/app-error.js';
import { decodeBatch } from '../../src/http/predict-batch.js';

const LIMITS = { maxFrames: 3, maxFrameBytes: 12 };
const b64 = (text: string) => Buffer.from(text).toString('base64');
const frame = (frame_number: number, frame_data: unknown) => ({ frame_number, frame_data });

function failure(body: unknown): { code: string; message: string; details: unknown } {
  try {
    decodeBatch(body, LIMITS);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    const { code, message, details } = error as AppError;
    return { code, message, details };
  }
  throw new Error('decodeBatch accepted the body');
}

describe('decodeBatch', () => {
  it('decodes the frames in order, with their numbers and the stream id', () => {
    const batch = decodeBatch({ stream_id: 'cam-1', frames: [frame(7, b64('first')), frame(3, b64('second'))] }, LIMITS);
    expect(batch.streamId).toBe('cam-1');
    expect(batch.frames.map((f) => [f.frameNumber, f.image.toString()])).toEqual([
      [7, 'first'],
      [3, 'second'],
    ]);
  });

  it.each([
    ['a data: URL', `data:image/jpeg;base64,${b64('jpeg?')}`, 'jpeg?'],
    ['URL-safe base64 without padding', Buffer.from([0xfb, 0xff]).toString('base64url'), '\ufffd\ufffd'],
    ['MIME line breaks', `${b64('abcdef').slice(0, 4)}\r\n${b64('abcdef').slice(4)}`, 'abcdef'],
  ])('accepts %s', (_name, data, text) => {
    expect(decodeBatch({ frames: [frame(0, data)] }, LIMITS).frames[0]!.image.toString()).toBe(text);
  });

  it.each([
    [
      'too many frames',
      { frames: [1, 2, 3, 4].map((n) => frame(n, b64('x'))) },
      'payload_too_large',
      /4 frames.*at most 3 \(PREDICT_MAX_FRAMES\)/,
    ],
    [
      'a frame past its byte limit',
      { frames: [frame(0, b64('x')), frame(9, b64('thirteen byte'))] },
      'payload_too_large',
      /^frames\[1\] \(frame_number 9\): 13 bytes; at most 12/,
    ],
    ['no frames field', { stream_id: 'cam' }, 'invalid_request', /^frames: frames is required/],
    ['no frames', { frames: [] }, 'invalid_request', /at least one frame/],
    ['not an object', 'hello', 'invalid_request', /expected object/],
    [
      'no frame_data',
      { frames: [frame(0, b64('x')), { frame_number: 1 }] },
      'invalid_request',
      /^frames\[1\]\.frame_data: frame_data is required/,
    ],
    ['no frame_number', { frames: [{ frame_data: b64('x') }] }, 'invalid_request', /^frames\[0\]\.frame_number: frame_number is required/],
    ['a fractional frame_number', { frames: [frame(1.5, b64('x'))] }, 'invalid_request', /frame_number must be an integer/],
    ['frame_data of a number', { frames: [frame(0, 42)] }, 'invalid_request', /frame_data must be a base64 string/],
    [
      'frame_data not base64',
      { frames: [frame(0, b64('x')), frame(5, 'not base64!')] },
      'invalid_request',
      /^frames\[1\] \(frame_number 5\): frame_data is not base64$/,
    ],
    ['base64 of an impossible length', { frames: [frame(0, 'abcde')] }, 'invalid_request', /frames\[0\].*not base64/],
  ])('refuses %s', (_name, body, code, message) => {
    const error = failure(body);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it('says which frame and field failed in details', () => {
    expect(failure({ frames: [frame(0, b64('x')), frame(4, '%%%')] }).details).toEqual([
      { field: 'frames.1.frame_data', message: 'not base64', frame_index: 1, frame_number: 4 },
    ]);
    expect(failure({ frames: [frame(0, b64('x')), { frame_number: 1 }] }).details).toEqual([
      { field: 'frames.1.frame_data', message: 'frame_data is required' },
    ]);
  });
});
