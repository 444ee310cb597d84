import { z } from 'zod';
import { STREAM_ID_PATTERN } from '../streams/stream-id.js';

export const indicatorIdSchema = z
  .string({ error: 'indicator_id is required' })
  .regex(STREAM_ID_PATTERN, 'indicator_id must be 1 to 64 characters of A-Z, a-z, 0-9, _ or -');

/** Query strings carry booleans as text; JSON bodies as booleans. */
const flag = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0'])], { error: 'must be true or false' })
  .transform((value) => value === true || value === 'true' || value === '1');

// Whitespace and control characters have no business in a URL and could smuggle options or log lines.
const UNSAFE_CHARACTERS = /[\s\u0000-\u001f\u007f]/;

export interface SourcePolicy {
  allowedSchemes: string[];
  maxLength: number;
}

/** A camera URL: parsed, scheme-allowlisted, length-limited. Messages never echo the value. */
export function rtspLinkSchema({ allowedSchemes, maxLength }: SourcePolicy) {
  return z
    .string({ error: 'rtsp_link must be a string' })
    .min(1, 'rtsp_link is empty')
    .max(maxLength, `rtsp_link is longer than ${maxLength} characters`)
    .superRefine((value, ctx) => {
      if (UNSAFE_CHARACTERS.test(value)) {
        ctx.addIssue({ code: 'custom', message: 'rtsp_link contains whitespace or control characters' });
        return;
      }
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'rtsp_link is not a valid URL' });
        return;
      }
      const scheme = url.protocol.replace(/:$/, '');
      if (!allowedSchemes.includes(scheme)) {
        ctx.addIssue({ code: 'custom', message: `rtsp_link must use one of these schemes: ${allowedSchemes.join(', ')}` });
      } else if (!url.hostname) {
        ctx.addIssue({ code: 'custom', message: 'rtsp_link has no host' });
      }
    });
}

export function startRequestSchema(policy: SourcePolicy) {
  return z.object({
    indicator_id: indicatorIdSchema,
    rtsp_link: rtspLinkSchema(policy).optional(),
    wait: flag.default(true),
    detect: flag.optional(),
  });
}

export const idRequestSchema = z.object({ indicator_id: indicatorIdSchema });
