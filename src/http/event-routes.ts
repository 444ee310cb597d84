import { fastifySSE } from '@fastify/sse';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { LiveFeed } from '../cluster/fleet-feed.js';
import { AppError } from '../errors/app-error.js';
import type { EventPictures } from '../object-events/event-pictures.js';
import { type EventStore, InvalidCursor } from '../object-events/event-store.js';
import { renderPicture } from '../object-events/render-picture.js';
import { openEventStream } from './event-stream.js';
import { errorResponses, fileResponse } from './openapi/responses.js';
import { type RecordingRoutesDeps, replyWithClip } from './recording-routes.js';
import { indicatorIdSchema, queryFlag } from './request-schemas.js';
import { eventDeletedResponse, eventListResponse, objectEvent } from './schemas/event-schemas.js';

export interface EventRoutesDeps {
  store: EventStore;
  pictures: EventPictures;
  /** Live detections and events: this node's, or the whole fleet's. */
  feed: LiveFeed;
  heartbeatMs: number;
  /** For clips: the recordings. */
  recordings: RecordingRoutesDeps;
  /** EVENT_PRE_CAPTURE_SECONDS, EVENT_POST_CAPTURE_SECONDS, in ms. */
  preCaptureMs: number;
  postCaptureMs: number;
}

const pictureQuery = z.object({ boxes: queryFlag, crop: queryFlag, h: z.coerce.number().int().min(16).max(4320).optional() });
const clipQuery = z.object({ download: queryFlag });

export class EventNotFound extends AppError {
  constructor(id: string) {
    super('event_not_found', `no event with id ${id}`);
  }
}

/** Epoch seconds (Frigate's unit) or ISO 8601. */
const time = (name: string) =>
  z.string().transform((value, ctx) => {
    const seconds = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Date.parse(value) / 1000;
    if (Number.isNaN(seconds)) {
      ctx.addIssue({ code: 'custom', message: `${name} must be epoch seconds or an ISO 8601 time` });
      return z.NEVER;
    }
    return seconds;
  });

const listQuery = z.object({
  camera: indicatorIdSchema.optional(),
  label: z.string().min(1).max(64).optional(),
  after: time('after').optional(),
  before: time('before').optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});
const idParams = z.object({ id: z.string().regex(/^\d+\.\d{6}-[0-9a-f]{6}$/, 'is not an event id') });
const streamQuery = z.object({ indicator_id: indicatorIdSchema.optional() });

/** Tracked-object events: the stored ones, one by id, deleting one, and new/update/end as they happen. */
export const eventRoutes =
  ({ store, pictures, feed, heartbeatMs, recordings, preCaptureMs, postCaptureMs }: EventRoutesDeps): FastifyPluginAsync =>
  async (app) => {
    const eventOf = (params: unknown) => {
      const { id } = idParams.parse(params);
      const event = store.get(id);
      if (!event) throw new EventNotFound(id);
      return event;
    };

    await app.register(fastifySSE, { heartbeatInterval: heartbeatMs });

    const tags = ['events'];
    app.get(
      '/api/events',
      {
        schema: {
          tags,
          summary: 'Stored events, newest first',
          querystring: listQuery,
          response: { 200: eventListResponse, ...errorResponses('invalid_request') },
        },
      },
      async (request) => {
        const query = listQuery.parse(request.query);
        try {
          return store.list(query);
        } catch (error) {
          if (error instanceof InvalidCursor) throw new AppError('invalid_request', error.message);
          throw error;
        }
      },
    );

    // Server-Sent Events: every new/update/end, of one camera or all.
    const liveDocs = {
      tags,
      summary: 'Live event changes (Server-Sent Events)',
      description: 'One `event` message per new, update and end: `{"type", "before", "after"}`, of one camera or all.',
      querystring: streamQuery,
      response: {
        200: fileResponse('An event stream that stays open', 'text/event-stream'),
        ...errorResponses('invalid_request'),
      },
    };
    app.get('/api/events/stream', { sse: 'only', schema: liveDocs }, async (request, reply) => {
      const { indicator_id } = streamQuery.parse(request.query);
      // Unlike detections, none may be skipped: each message is a change of state a client must see.
      const unsubscribe = feed.on('object.event', (message) => {
        if (indicator_id !== undefined && message.after.camera !== indicator_id) return;
        if (reply.sse.isConnected) reply.sse.send({ event: 'event', data: message }).catch(() => {});
      });
      openEventStream(reply, unsubscribe);
    });

    const notFound = errorResponses('invalid_request', 'event_not_found');
    app.get(
      '/api/events/:id',
      { schema: { tags, summary: 'One event', params: idParams, response: { 200: objectEvent, ...notFound } } },
      async (request) => eventOf(request.params),
    );

    // The event's best frame at the camera's resolution; boxes=1 draws the object, crop=1 cuts it out, h= scales.
    const snapshotDocs = {
      tags,
      summary: "The event's best picture",
      description: 'boxes=1 draws the object, crop=1 cuts it out, h= scales to that height.',
      params: idParams,
      querystring: pictureQuery,
      response: { 200: fileResponse('A JPEG', 'image/jpeg'), ...errorResponses('invalid_request', 'event_not_found', 'no_recording') },
    };
    app.get('/api/events/:id/snapshot.jpg', { schema: snapshotDocs }, async (request, reply) => {
      const event = eventOf(request.params);
      const options = pictureQuery.parse(request.query);
      const jpeg = event.snapshot ? await pictures.read(event.id) : undefined;
      if (!event.snapshot || !jpeg) throw new AppError('no_recording', `event ${event.id} has no snapshot`);
      const picture = await renderPicture(
        jpeg,
        { ...event.snapshot, label: event.label },
        { boxes: options.boxes, crop: options.crop, height: options.h },
      );
      return reply
        .type('image/jpeg')
        .header('cache-control', event.end_time === null ? 'no-cache' : 'private, max-age=3600')
        .send(picture);
    });

    // The event from EVENT_PRE_CAPTURE_SECONDS before to EVENT_POST_CAPTURE_SECONDS after, from the camera's recordings.
    const clipDocs = {
      tags,
      summary: "The event's clip from the recordings",
      description:
        'From EVENT_PRE_CAPTURE_SECONDS before it began to EVENT_POST_CAPTURE_SECONDS after it ended; cameras with record: true only.',
      params: idParams,
      querystring: clipQuery,
      response: { 200: fileResponse('An MP4', 'video/mp4'), ...errorResponses('invalid_request', 'event_not_found', 'no_recording') },
    };
    app.get('/api/events/:id/clip.mp4', { schema: clipDocs }, async (request, reply) => {
      const event = eventOf(request.params);
      const { download } = clipQuery.parse(request.query);
      if (!event.has_clip) {
        throw new AppError(
          'no_recording',
          `event ${event.id} has no clip: camera ${event.camera} does not record (record: true in CAMERAS_FILE)`,
        );
      }
      const start = event.start_time * 1000 - preCaptureMs;
      const end = (event.end_time ?? Date.now() / 1000) * 1000 + postCaptureMs;
      return replyWithClip(reply, recordings, {
        id: event.camera,
        start,
        end,
        download,
        name: `${event.camera}_${event.label}_${event.id}.mp4`,
      });
    });

    const deleteDocs = {
      tags,
      summary: 'Delete an event and its picture',
      params: idParams,
      response: { 200: eventDeletedResponse, ...notFound },
    };
    app.delete('/api/events/:id', { schema: deleteDocs }, async (request) => {
      const { id } = idParams.parse(request.params);
      if (!store.delete(id)) throw new EventNotFound(id);
      await pictures.remove([id]);
      request.log.info({ event: id }, 'event deleted by an operator');
      return { deleted: id };
    });
  };
