import { fastifySSE } from '@fastify/sse';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { LiveFeed } from '../cluster/fleet-feed.js';
import type { DetectionEvent } from '../detection/detection-event.js';
import type { DetectionProvider } from '../detection/detection-provider.js';
import { DetectionNotReady } from '../detection/errors.js';
import { drawDetections, frameToJpeg } from '../detection/images.js';
import { type PlaybackTokens, tokenInQuery } from '../security/playback-tokens.js';
import { createStreamPictures } from '../snapshots/stream-picture.js';
import { StreamNotFound } from '../streams/errors.js';
import type { StreamManager } from '../streams/manager.js';
import { openEventStream } from './event-stream.js';
import { errorResponses, fileResponse } from './openapi/responses.js';
import { indicatorIdSchema, queryFlag } from './request-schemas.js';

export interface DetectionRoutesDeps {
  manager: StreamManager;
  ffmpegPath: string;
  detection: DetectionProvider;
  /** Live detections and events: this node's, or the whole fleet's. */
  feed: LiveFeed;
  heartbeatMs: number;
  /** Signed playback: an event stream opened with a playback token ends when the token does. */
  playback: PlaybackTokens | undefined;
}

const eventsQuery = z.object({ indicator_id: indicatorIdSchema.optional() });
const snapshotQuery = z.object({ indicator_id: indicatorIdSchema, boxes: queryFlag, full: queryFlag });

export const detectionRoutes =
  ({ manager, ffmpegPath, detection, feed, heartbeatMs, playback }: DetectionRoutesDeps): FastifyPluginAsync =>
  async (app) => {
    const streamPicture = createStreamPictures(ffmpegPath);
    await app.register(fastifySSE, { heartbeatInterval: heartbeatMs });

    // Server-Sent Events of detections: one stream's, or every stream's without indicator_id.
    const eventsDocs = {
      tags: ['detection'],
      summary: 'Live detections (Server-Sent Events)',
      description:
        'One `detection` message per analysed frame: of one stream, or of every stream without indicator_id. A slow client skips frames.',
      querystring: eventsQuery,
      response: {
        200: fileResponse('An event stream that stays open', 'text/event-stream'),
        ...errorResponses('invalid_request', 'detection_unavailable'),
      },
    };
    app.get('/api/stream/events', { sse: 'only', config: { playbackAccess: true }, schema: eventsDocs }, async (request, reply) => {
      const { indicator_id } = eventsQuery.parse(request.query);
      await detection.get(); // 503 now, rather than an event stream that never says anything
      let sending = false;
      // A slow client skips events rather than piling them up: detections are only worth their newest.
      const unsubscribe = feed.on('detection', (event: DetectionEvent) => {
        if (indicator_id !== undefined && event.indicator_id !== indicator_id) return;
        if (sending || !reply.sse.isConnected) return;
        sending = true;
        reply.sse
          .send({ event: 'detection', data: event })
          .catch(() => {})
          .finally(() => {
            sending = false;
          });
      });
      // Admitted on a playback token: no longer than the token (the player reconnects with its renewed one).
      const token = tokenInQuery(request.query);
      const check = playback && indicator_id && token ? playback.verify(indicator_id, token) : undefined;
      const expiry = check?.verdict === 'valid' ? setTimeout(() => reply.sse.close(), check.secondsLeft * 1000) : undefined;
      openEventStream(reply, () => {
        clearTimeout(expiry);
        unsubscribe();
      });
    });

    const snapshotDocs = {
      tags: ['detection'],
      summary: "A stream's current picture",
      description:
        "The frame detection analysed last (the model's input size), boxes=1 with its detections drawn; full=1: the camera's resolution, with or without detection.",
      querystring: snapshotQuery,
      response: {
        200: fileResponse('A JPEG', 'image/jpeg'),
        ...errorResponses('invalid_request', 'stream_not_found', 'detection_off', 'no_frame_yet', 'detection_unavailable'),
      },
    };
    app.get('/api/stream/snapshot', { config: { playbackAccess: true }, schema: snapshotDocs }, async (request, reply) => {
      const { indicator_id, boxes, full } = snapshotQuery.parse(request.query);
      const stream = manager.get(indicator_id);
      if (!stream) throw new StreamNotFound(indicator_id);
      if (full) {
        // The camera's resolution, detection or not.
        const picture = await streamPicture(stream);
        if (!picture) throw new DetectionNotReady('no_frame_yet', `stream ${indicator_id} has no picture yet; try again shortly`);
        const detections = boxes ? (detection.current()?.slot(indicator_id)?.latest?.detections ?? []) : [];
        const jpeg = detections.length ? await drawDetections(picture, detections) : picture;
        return reply.type('image/jpeg').header('cache-control', 'no-store').send(jpeg);
      }
      if (!stream.output('detection'))
        throw new DetectionNotReady('detection_off', `stream ${indicator_id} runs without detection; start it with detect=true`);
      const latest = detection.current()?.slot(indicator_id)?.latest;
      if (!latest)
        throw new DetectionNotReady('no_frame_yet', `no frame of stream ${indicator_id} has been analysed yet; try again shortly`);
      const jpeg = await frameToJpeg(latest.sample.frame, latest.letterbox, boxes ? latest.detections : undefined);
      return reply.type('image/jpeg').header('cache-control', 'no-store').send(jpeg);
    });
  };
