import { fastifySSE } from '@fastify/sse';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { AppError } from '../errors/app-error.js';
import type { StreamEventBus } from '../events/stream-events.js';
import { type EventStore, InvalidCursor } from '../object-events/event-store.js';
import { indicatorIdSchema } from './request-schemas.js';

export interface EventRoutesDeps {
  store: EventStore;
  bus: StreamEventBus;
  heartbeatMs: number;
}

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
  ({ store, bus, heartbeatMs }: EventRoutesDeps): FastifyPluginAsync =>
  async (app) => {
    await app.register(fastifySSE, { heartbeatInterval: heartbeatMs });

    app.get('/api/events', async (request) => {
      const query = listQuery.parse(request.query);
      try {
        return store.list(query);
      } catch (error) {
        if (error instanceof InvalidCursor) throw new AppError('invalid_request', error.message);
        throw error;
      }
    });

    // Server-Sent Events: every new/update/end, of one camera or all.
    app.get('/api/events/stream', { sse: 'only' }, async (request, reply) => {
      const { indicator_id } = streamQuery.parse(request.query);
      // Unlike detections, none may be skipped: each message is a change of state a client must see.
      const unsubscribe = bus.on('object.event', (message) => {
        if (indicator_id !== undefined && message.after.camera !== indicator_id) return;
        if (reply.sse.isConnected) reply.sse.send({ event: 'event', data: message }).catch(() => {});
      });
      reply.sse.onClose(unsubscribe);
      reply.sse.keepAlive();
      reply.sse.sendHeaders();
    });

    app.get('/api/events/:id', async (request) => {
      const { id } = idParams.parse(request.params);
      const event = store.get(id);
      if (!event) throw new EventNotFound(id);
      return event;
    });

    app.delete('/api/events/:id', async (request) => {
      const { id } = idParams.parse(request.params);
      if (!store.delete(id)) throw new EventNotFound(id);
      request.log.info({ event: id }, 'event deleted by an operator');
      return { deleted: id };
    });
  };
