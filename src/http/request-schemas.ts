import { z } from 'zod';
import { type LinkPolicy, parseSourceLink } from '../sources/source-link.js';
import { STREAM_ID_PATTERN } from '../streams/stream-id.js';

export type { LinkPolicy };

export const indicatorIdSchema = z
  .string({ error: 'indicator_id is required' })
  .regex(STREAM_ID_PATTERN, 'indicator_id must be 1 to 64 characters of A-Z, a-z, 0-9, _ or -');

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
export function rtspLinkSchema(policy: LinkPolicy) {
  return z.string({ error: 'rtsp_link must be a string' }).superRefine((value, ctx) => {
    const parsed = parseSourceLink(value, policy);
    if ('problem' in parsed) ctx.addIssue({ code: 'custom', message: `rtsp_link ${parsed.problem}` });
  });
}

export function startRequestSchema(policy: LinkPolicy) {
  return z.object({
    indicator_id: indicatorIdSchema,
    rtsp_link: rtspLinkSchema(policy).optional(),
    wait: flag.default(true),
    detect: flag.optional(),
  });
}

export const idRequestSchema = z.object({ indicator_id: indicatorIdSchema });
