import { z } from 'zod';
import { type LinkPolicy, parseSourceLink } from '../sources/source-link.js';
import { STREAM_ID_PATTERN } from '../streams/stream-id.js';

export type { LinkPolicy };

export const indicatorIdSchema = z
  .string({ error: 'indicator_id is required' })
  .regex(STREAM_ID_PATTERN, 'indicator_id must be 1 to 64 characters of A-Z, a-z, 0-9, _ or -')
  .meta({ description: 'Names the stream (and its folder); a CAMERAS_FILE id starts that camera', examples: ['lobby-cam'] });

/** Query strings carry booleans as text; JSON bodies as booleans. */
const flag = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0'])], { error: 'must be true or false' })
  .transform((value) => value === true || value === 'true' || value === '1');

/** An optional yes/no of a query string (`boxes=1`, `download=true`); absent is no. */
export const queryFlag = z
  .enum(['0', '1', 'true', 'false'])
  .optional()
  .transform((v) => v === '1' || v === 'true');

/** A camera link: parsed, kind- and scheme-allowlisted, length-limited. Messages never echo the value. */
// No example in its documentation: Swagger UI would send it with every "Try it out".
export function rtspLinkSchema(policy: LinkPolicy) {
  return z
    .string({ error: 'rtsp_link must be a string' })
    .superRefine((value, ctx) => {
      const parsed = parseSourceLink(value, policy);
      if ('problem' in parsed) ctx.addIssue({ code: 'custom', message: `rtsp_link ${parsed.problem}` });
    })
    .meta({
      description:
        'The camera, for ids not in CAMERAS_FILE (unless ALLOW_API_SOURCES=false): rtsp:// or rtsps://; with ALLOW_API_FILE_SOURCES=true also file: (under MEDIA_DIR) and http(s)://. Never logged',
    });
}

export function startRequestSchema(policy: LinkPolicy) {
  return z.object({
    indicator_id: indicatorIdSchema,
    rtsp_link: rtspLinkSchema(policy).optional(),
    wait: flag.default(true).describe('Answer once the playlist is playable (default), or at once'),
    detect: flag.optional().describe("Run detection on it (default: the camera's detect, else DETECT_ENABLED)"),
  });
}

export const idRequestSchema = z.object({ indicator_id: indicatorIdSchema });

const required = (field: string, expected: string) => (issue: { input: unknown }) =>
  issue.input === undefined ? `${field} is required` : `${field} must be ${expected}`;

/** One picture of a predict batch, as the pipeline seed's consumer sends it. */
const predictFrameSchema = z.object({
  frame_number: z
    .number({ error: required('frame_number', 'an integer') })
    .int('frame_number must be an integer')
    .nonnegative('frame_number must not be negative')
    .describe('The caller’s number for the frame; answered back with its result'),
  frame_data: z
    .string({ error: required('frame_data', 'a base64 string') })
    .min(1, 'frame_data is empty')
    .describe('A JPEG or PNG picture, base64 (a data: URL prefix is accepted)'),
});

/**
 * The JSON form of POST /api/predict. Frame count and byte limits are not
 * here: past them the answer is 413, not a validation error (see predict-batch.ts).
 */
export const predictBatchSchema = z.object({
  stream_id: z.string({ error: 'stream_id must be a string' }).min(1).max(256).optional().describe('Answered back as it came'),
  frames: z
    .array(predictFrameSchema, { error: required('frames', 'an array of frames') })
    .min(1, 'frames must hold at least one frame')
    .describe('Answered in the same order'),
});
