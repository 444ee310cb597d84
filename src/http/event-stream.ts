import type { FastifyReply } from 'fastify';

/**
 * Commits a reply as an event stream now: status and headers go out at once
 * (Node holds written headers back until the first body byte, which would keep
 * a client waiting for the first event or heartbeat), then heartbeats follow.
 */
export function openEventStream(reply: FastifyReply, onClose: () => void): void {
  reply.sse.onClose(onClose);
  reply.sse.keepAlive();
  reply.sse.sendHeaders();
  reply.raw.flushHeaders();
}
