import { z } from 'zod';
import type { ErrorCode } from '../../errors/app-error.js';
import { type FRAMEWORK_ERRORS, HTTP_STATUS } from '../error-handler.js';

/** Every `error` value an answer can carry: ours, the framework's, and the edge's own. */
export type DocumentedError =
  | ErrorCode
  | (typeof FRAMEWORK_ERRORS)[keyof typeof FRAMEWORK_ERRORS]
  | 'bad_request'
  | 'not_found'
  | 'internal_error';

// The compiler keeps this complete: a new code anywhere must be given its status here too.
const STATUS_OF: Record<DocumentedError, number> = {
  ...HTTP_STATUS,
  rate_limited: 429,
  bad_request: 400,
  not_found: 404,
  internal_error: 500,
};

/**
 * The error answers of a route, one per HTTP status: the body every error has
 * (see error-handler.ts) with `error` narrowed to the codes that status carries.
 */
export function errorResponses(...codes: DocumentedError[]): Record<number, z.ZodType> {
  const byStatus = new Map<number, DocumentedError[]>();
  for (const code of new Set(codes)) byStatus.set(STATUS_OF[code], [...(byStatus.get(STATUS_OF[code]) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, group]) => [
      status,
      z
        .object({
          error: z.enum(group as [DocumentedError, ...DocumentedError[]]),
          message: z.string().describe('Written for people; never holds credentials.'),
          details: z
            .unknown()
            .optional()
            .describe("Specifics: the fields at fault (invalid_request), FFmpeg's last lines (source errors), the limit passed (413)"),
        })
        .describe(group.join(', ')),
    ]),
  );
}

/**
 * A route's responses with more error answers added; where both have one for a
 * status, the answer is either.
 */
export function withErrors(responses: Record<number, unknown> | undefined, extra: Record<number, z.ZodType>): Record<number, unknown> {
  const merged: Record<number, unknown> = { ...responses };
  for (const [status, schema] of Object.entries(extra)) {
    const own = merged[Number(status)];
    merged[Number(status)] =
      own instanceof z.ZodType ? z.union([own, schema]).describe(`${own.description}, ${schema.description}`) : (own ?? schema);
  }
  return merged;
}

/** What any route with a body may answer before its handler runs: malformed JSON, too big, a type it does not take. */
export const BODY_ERRORS = ['bad_request', 'payload_too_large', 'unsupported_media_type'] as const;

/** A non-JSON answer (a picture, a video, a playlist) as OpenAPI describes one. */
export function fileResponse(description: string, ...contentTypes: string[]) {
  const schema = z.string().meta({ format: 'binary' });
  return { description, content: Object.fromEntries(contentTypes.map((type) => [type, { schema }])) };
}

/** A conditional GET of a file the client has. */
export const NOT_MODIFIED = z.null().describe('Not modified since If-Modified-Since');

/** An ISO 8601 time. */
export const isoTime = z.string().meta({ format: 'date-time', examples: ['2026-12-04T18:30:00.000Z'] });

/** A JSON answer with a description of its own (a schema with an id is a $ref, which cannot carry one). */
export function jsonResponse(description: string, schema: z.ZodType) {
  return { description, content: { 'application/json': { schema } } };
}
