import multipart from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { PredictConfig } from '../config/config.js';
import type { DetectionProvider } from '../detection/detection-provider.js';
import type { DetectionService } from '../detection/detection-service.js';
import { InvalidImage, imageToModelInput, UnsupportedImageType } from '../detection/images.js';
import type { LabelledResult } from '../detection/labelling.js';
import { round } from '../detection/labelling.js';
import { presenceFlags } from '../detection/presence.js';
import { errorResponses } from './openapi/responses.js';
import { decodeBatch } from './predict-batch.js';
import { predictBatchSchema } from './request-schemas.js';
import { predictResponse } from './schemas/predict-schemas.js';

export interface PredictRoutesDeps {
  detection: DetectionProvider;
  limits: PredictConfig;
  /** CONFIDENCE_THRESHOLD: a classifier's classes from here on count as found (has_<label>). */
  confidenceThreshold: number;
}

const IMAGE_TYPES = ['image/jpeg', 'image/png', 'application/octet-stream'];

/**
 * POST /api/predict: one picture (raw body or multipart file), or the
 * pipeline seed's JSON batch of base64 frames, answered per frame in order.
 */
export const predictRoutes =
  ({ detection, limits, confidenceThreshold }: PredictRoutesDeps): FastifyPluginAsync =>
  async (app) => {
    await app.register(multipart, { limits: { fileSize: limits.maxBodyBytes, files: 1 } });
    app.addContentTypeParser(IMAGE_TYPES, { parseAs: 'buffer', bodyLimit: limits.maxBodyBytes }, (_request, body, done) =>
      done(null, body),
    );

    const answer = (service: DetectionService, result: LabelledResult) => ({
      detections: result.detections,
      ...(service.detector.kind === 'classifier' ? { classifications: result.classifications } : {}),
      ...presenceFlags(result, confidenceThreshold, limits.personLabels),
    });
    const modelOf = ({ detector }: DetectionService) => ({
      kind: detector.kind,
      width: detector.input.width,
      height: detector.input.height,
    });

    const picture = z.string().meta({ format: 'binary' });
    const schema = {
      tags: ['detection'],
      summary: 'Detect (or classify) posted pictures',
      description: `One picture as the raw body or a multipart file, or a JSON batch of base64 frames (at most ${limits.maxFrames}, ${limits.maxFrameBytes} bytes each, ${limits.maxBodyBytes} in all) answered per frame in order, in one model run when the model takes a batch.`,
      body: {
        content: {
          'application/json': { schema: predictBatchSchema },
          'image/jpeg': { schema: picture },
          'image/png': { schema: picture },
          'application/octet-stream': { schema: picture },
          'multipart/form-data': { schema: z.object({ file: picture }) },
        },
      },
      response: {
        200: predictResponse,
        ...errorResponses('invalid_request', 'invalid_image', 'payload_too_large', 'unsupported_media_type', 'detection_unavailable'),
      },
    };
    app.post('/api/predict', { bodyLimit: limits.maxBodyBytes, schema }, async (request) => {
      if (isJson(request)) {
        // Validated before the model is loaded or asked: a bad batch costs no inference.
        const batch = decodeBatch(request.body, limits);
        const service = await detection.get();
        const images = await modelInputs(batch.frames, service);
        const { results, inferenceMs } = await service.detectImages(images);
        return {
          ...(batch.streamId === undefined ? {} : { stream_id: batch.streamId }),
          model: modelOf(service),
          results: results.map((result, i) => ({ frame_number: batch.frames[i]!.frameNumber, ...answer(service, result) })),
          inference_ms: round(inferenceMs, 2),
        };
      }
      const service = await detection.get();
      const [image] = await modelInputs([{ image: await readImageBody(request) }], service);
      const { results, inferenceMs } = await service.detectImages([image!]);
      return { ...answer(service, results[0]!), inference_ms: round(inferenceMs, 2), model: modelOf(service) };
    });
  };

function isJson(request: FastifyRequest): boolean {
  return request.headers['content-type']?.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

/**
 * Every picture letterboxed to the model input, all before any inference. A
 * picture that is not one fails the call naming it, the lowest index first
 * whichever decode finishes first.
 */
async function modelInputs(pictures: ReadonlyArray<{ image: Buffer; frameNumber?: number }>, service: DetectionService) {
  const { width, height } = service.detector.input;
  const inBatch = (frameNumber: number | undefined): frameNumber is number => frameNumber !== undefined;
  const settled = await Promise.allSettled(
    pictures.map(({ image, frameNumber }) => imageToModelInput(image, width, height, inBatch(frameNumber) ? 'frame_data' : undefined)),
  );
  return settled.map((outcome, index) => {
    if (outcome.status === 'fulfilled') return outcome.value;
    const error = outcome.reason as Error;
    const frameNumber = pictures[index]!.frameNumber;
    if (!(error instanceof InvalidImage) || !inBatch(frameNumber)) throw error;
    throw new InvalidImage(`frames[${index}] (frame_number ${frameNumber}): ${error.message}`, {
      frame_index: index,
      frame_number: frameNumber,
    });
  });
}

/** The image of a single-picture call: a raw JPEG/PNG body, or the first file of a multipart form. */
async function readImageBody(request: FastifyRequest): Promise<Buffer> {
  if (request.isMultipart()) {
    try {
      const file = await request.file();
      if (!file) throw new InvalidImage('the multipart body holds no file');
      return await file.toBuffer();
    } catch (error) {
      // The size limit keeps its own answer (413); anything else the parser hit is a broken form.
      if (error instanceof InvalidImage || (error as { statusCode?: number }).statusCode === 413) throw error;
      throw new InvalidImage('the multipart body is malformed');
    }
  }
  const body = request.body;
  if (!Buffer.isBuffer(body)) throw new UnsupportedImageType(request.headers['content-type']);
  if (body.length === 0) throw new InvalidImage('the body is empty');
  return body;
}
