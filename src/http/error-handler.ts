import type { FastifyError, FastifyInstance } from 'fastify';
import { ZodError } from 'zod';
import { DetectionUnavailable } from '../detection/detection-provider.js';
import { DetectorError } from '../detection/detector.js';
import { InvalidImage, UnsupportedImageType } from '../detection/images.js';
import { type FailureCause, SourceFailure } from '../ffmpeg/failure.js';
import { Unauthorized } from '../security/api-auth.js';
import { SourceNotAllowed } from '../security/source-hosts.js';
import {
  ApiSourcesDisabled,
  CameraNotFound,
  CapacityExceeded,
  PlaybackUnsigned,
  ShuttingDown,
  SourceConflict,
  SourceRequired,
  StreamNotFound,
} from '../streams/errors.js';
import { redactText } from '../util/redact.js';
import { DetectionNotReady } from './detection-routes.js';
import { PlaybackForbidden } from './hls-static.js';

/** The JSON shape of every error the API returns. */
interface ErrorBody {
  error: string;
  message: string;
  details?: unknown;
}

const SOURCE_FAILURE_STATUS: Record<FailureCause, number> = {
  source_unauthorized: 502,
  source_forbidden: 502,
  source_not_found: 502,
  source_connection_refused: 502,
  source_unreachable: 502,
  source_invalid_data: 502,
  source_timeout: 504,
  ffmpeg_failed: 502,
};

/** Maps typed errors to HTTP at the edge; nothing else in the code knows status codes. */
function toHttpError(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof ZodError) {
    const details = error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message }));
    return {
      status: 400,
      body: { error: 'invalid_request', message: details.map((d) => d.message).join('; '), details },
    };
  }
  if (error instanceof SourceNotAllowed) return { status: 403, body: { error: 'source_not_allowed', message: error.message } };
  if (error instanceof PlaybackForbidden) return { status: 403, body: { error: 'playback_forbidden', message: error.message } };
  if (error instanceof PlaybackUnsigned) return { status: 409, body: { error: 'playback_unsigned', message: error.message } };
  if (error instanceof Unauthorized) return { status: 401, body: { error: 'unauthorized', message: error.message } };
  if (error instanceof ApiSourcesDisabled) return { status: 403, body: { error: 'api_sources_disabled', message: error.message } };
  if (error instanceof CameraNotFound) return { status: 404, body: { error: 'camera_not_found', message: error.message } };
  if (error instanceof StreamNotFound) return { status: 404, body: { error: 'stream_not_found', message: error.message } };
  if (error instanceof SourceRequired) return { status: 400, body: { error: 'invalid_request', message: error.message } };
  if (error instanceof SourceConflict) return { status: 409, body: { error: 'source_conflict', message: error.message } };
  if (error instanceof ShuttingDown) return { status: 503, body: { error: 'shutting_down', message: error.message } };
  if (error instanceof CapacityExceeded) return { status: 503, body: { error: 'capacity_exceeded', message: error.message } };
  if (error instanceof SourceFailure) {
    return {
      status: SOURCE_FAILURE_STATUS[error.failure.cause],
      body: { error: error.failure.cause, message: error.message, details: { ffmpeg_output: error.stderr } },
    };
  }
  if (error instanceof DetectionUnavailable || error instanceof DetectorError) {
    return { status: 503, body: { error: 'detection_unavailable', message: error.message } };
  }
  if (error instanceof DetectionNotReady) {
    return { status: error.code === 'detection_off' ? 409 : 503, body: { error: error.code, message: error.message } };
  }
  if (error instanceof InvalidImage) return { status: 400, body: { error: 'invalid_image', message: error.message } };
  if (error instanceof UnsupportedImageType) return { status: 415, body: { error: 'unsupported_media_type', message: error.message } };
  const fastifyError = error as FastifyError;
  if (fastifyError.statusCode === 415) {
    return {
      status: 415,
      body: { error: 'unsupported_media_type', message: `unsupported content type; ${redactText(fastifyError.message)}` },
    };
  }
  if (fastifyError.statusCode === 429) return { status: 429, body: { error: 'rate_limited', message: fastifyError.message } };
  if (fastifyError.statusCode === 413) return { status: 413, body: { error: 'payload_too_large', message: fastifyError.message } };
  if (fastifyError.statusCode && fastifyError.statusCode < 500) {
    return { status: fastifyError.statusCode, body: { error: 'bad_request', message: redactText(fastifyError.message) } };
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
