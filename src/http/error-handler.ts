import type { FastifyError, FastifyInstance } from 'fastify';
import { ZodError } from 'zod';
import { AppError, type ErrorCode } from '../errors/app-error.js';
import { redactText } from '../util/redact.js';

/** The JSON shape of every error the API returns. */
interface ErrorBody {
  error: string;
  message: string;
  details?: unknown;
}

/** Every error code's HTTP status: the one place in the daemon that knows status codes. */
export const HTTP_STATUS = {
  invalid_request: 400,
  invalid_image: 400,
  unauthorized: 401,
  source_not_allowed: 403,
  api_sources_disabled: 403,
  playback_forbidden: 403,
  camera_not_found: 404,
  stream_not_found: 404,
  no_recording: 404,
  event_not_found: 404,
  source_conflict: 409,
  playback_unsigned: 409,
  detection_off: 409,
  stream_stopped: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  source_unauthorized: 502,
  source_forbidden: 502,
  source_not_found: 502,
  source_connection_refused: 502,
  source_unreachable: 502,
  source_invalid_data: 502,
  ffmpeg_failed: 502,
  capacity_exceeded: 503,
  // A forwarded start that found the camera on yet another node (leases moved meanwhile): ask again.
  owned_elsewhere: 503,
  shutting_down: 503,
  detection_unavailable: 503,
  no_frame_yet: 503,
  source_timeout: 504,
} as const satisfies Record<ErrorCode, number>;

/** What Fastify and its plugins throw, by status: they carry no code of ours. */
export const FRAMEWORK_ERRORS = {
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
} as const satisfies Record<number, string>;

function toHttpError(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof ZodError) {
    const details = error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message }));
    return { status: 400, body: { error: 'invalid_request', message: details.map((d) => d.message).join('; '), details } };
  }
  if (error instanceof AppError) {
    const body: ErrorBody = { error: error.code, message: error.message };
    if (error.details !== undefined) body.details = error.details;
    return { status: HTTP_STATUS[error.code], body };
  }
  const { statusCode, message } = error as FastifyError;
  if (statusCode && statusCode < 500) {
    const code = (FRAMEWORK_ERRORS as Record<number, string>)[statusCode] ?? 'bad_request';
    const text = statusCode === 415 ? `unsupported content type; ${redactText(message)}` : redactText(message);
    return { status: statusCode, body: { error: code, message: text } };
  }
  return { status: 500, body: { error: 'internal_error', message: 'internal error; see the daemon log' } };
}

export function registerErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const { status, body } = toHttpError(error);
    if (status >= 500 && body.error === 'internal_error') request.log.error({ err: error }, 'unhandled error');
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` }),
  );
}
