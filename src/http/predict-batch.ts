import { AppError } from '../errors/app-error.js';
import { predictBatchSchema } from './request-schemas.js';

interface BatchLimits {
  maxFrames: number;
  /** One picture, decoded. */
  maxFrameBytes: number;
}

/** A predict call past a limit of count or size: 413, with the limit in details. */
class PredictTooLarge extends AppError {
  constructor(message: string, details: Record<string, number>) {
    super('payload_too_large', message, details);
  }
}

/** A batch body of the wrong shape, or a frame that is not base64: 400, naming the frame. */
class InvalidPredictRequest extends AppError {
  constructor(message: string, details: unknown) {
    super('invalid_request', message, details);
  }
}

interface BatchFrame {
  frameNumber: number;
  image: Buffer;
}

interface DecodedBatch {
  streamId: string | undefined;
  frames: BatchFrame[];
}

const DATA_URL = /^data:image\/[a-z+.-]+;base64,/i;
// Standard and URL-safe alphabets, padding optional: Node decodes both, and encoders differ.
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
// MIME encoders wrap lines at 76 characters.
const LINE_BREAKS = /[\r\n]+/g;

/**
 * A parsed JSON body → the pictures to run, in order, or the first problem
 * found. Cheap checks come first: a body of 1000 frames is refused before any
 * base64 is decoded.
 */
export function decodeBatch(body: unknown, limits: BatchLimits): DecodedBatch {
  const count = (body as { frames?: unknown } | null)?.frames;
  if (Array.isArray(count) && count.length > limits.maxFrames) {
    throw new PredictTooLarge(`${count.length} frames in one request; at most ${limits.maxFrames} (PREDICT_MAX_FRAMES)`, {
      max_frames: limits.maxFrames,
    });
  }
  const parsed = predictBatchSchema.safeParse(body);
  if (!parsed.success) {
    // details as every validation error has them (field paths joined by dots); the message says frames[2].frame_data.
    const { issues } = parsed.error;
    const message = issues.map((issue) => (issue.path.length ? `${fieldName(issue.path)}: ${issue.message}` : issue.message)).join('; ');
    throw new InvalidPredictRequest(
      message,
      issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message })),
    );
  }
  const frames = parsed.data.frames.map(({ frame_number, frame_data }, index) => {
    const where = `frames[${index}] (frame_number ${frame_number})`;
    const text = frame_data.replace(DATA_URL, '').replace(LINE_BREAKS, '');
    if (!BASE64.test(text) || text.length % 4 === 1) {
      throw new InvalidPredictRequest(`${where}: frame_data is not base64`, [
        { field: `frames.${index}.frame_data`, message: 'not base64', frame_index: index, frame_number },
      ]);
    }
    const bytes = Math.floor((text.replace(/=+$/, '').length * 3) / 4);
    if (bytes > limits.maxFrameBytes) {
      throw new PredictTooLarge(`${where}: ${bytes} bytes; at most ${limits.maxFrameBytes} per frame (PREDICT_MAX_FRAME_BYTES)`, {
        max_frame_bytes: limits.maxFrameBytes,
        frame_index: index,
        frame_number,
      });
    }
    return { frameNumber: frame_number, image: Buffer.from(text, 'base64') };
  });
  return { streamId: parsed.data.stream_id, frames };
}

/** ['frames', 2, 'frame_data'] → frames[2].frame_data */
function fieldName(path: readonly PropertyKey[]): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i > 0 ? '.' : ''}${String(part)}`)).join('');
}
