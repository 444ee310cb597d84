import replyFrom from '@fastify/reply-from';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Peer } from '../cluster/cluster.js';
import { CapacityExceeded, OwnedElsewhere } from '../streams/errors.js';

/** Marks a request one node sent another: the receiver answers it itself, whatever it finds. */
export const FORWARDED_HEADER = 'x-stream-manager-forwarded-by';

export interface ForwardingDeps {
  nodeId: string;
  /** Whether this node runs the stream (then it answers, forwarding nothing). */
  runsHere(id: string): boolean;
  /** The node running a stream that is not here. */
  ownerOf(id: string): Promise<Peer | undefined>;
  /** Where a start goes when this node is full, best first. */
  spillTargets(): Peer[];
  /** Counts what was forwarded, by why. */
  onForwarded(reason: 'owner' | 'spill'): void;
}

/** Sends one request on to another node and relays its answer; what the API answers elsewhere. */
export interface Forwarder {
  /** For the start route: a start that found the camera running elsewhere, or this node full, goes there. */
  rescue(request: FastifyRequest, reply: FastifyReply, error: unknown): Promise<FastifyReply | undefined>;
}

/** Routes about one stream, by where its id is: a start, stop, status, token, snapshot or event stream, HLS. */
const ID_IN_QUERY_OR_BODY = new Set([
  '/api/stream/start',
  '/api/stream/stop',
  '/api/stream/status',
  '/api/stream/token',
  '/api/stream/snapshot',
  '/api/stream/events',
]);
const ID_IN_PATH = new Set(['/streams/:id/stream.m3u8', '/streams/:id/:file']);

function streamIdOf(request: FastifyRequest): string | undefined {
  const route = request.routeOptions.url ?? '';
  if (ID_IN_PATH.has(route)) return (request.params as { id?: string }).id;
  if (!ID_IN_QUERY_OR_BODY.has(route)) return undefined;
  const body = request.body && typeof request.body === 'object' ? (request.body as Record<string, unknown>) : {};
  const id = body.indicator_id ?? (request.query as Record<string, unknown>).indicator_id;
  return typeof id === 'string' ? id : undefined;
}

/**
 * A fleet node's routing: a request about a stream another node runs is sent
 * there (Nginx's hashing and the leases disagree after a failover, a spill, or
 * a node's return), and a start this node cannot take (the camera's lease is
 * elsewhere, or it is full) goes where it can be. A forwarded request is never
 * forwarded again.
 */
export async function registerForwarding(app: FastifyInstance, deps: ForwardingDeps): Promise<Forwarder> {
  await app.register(replyFrom, { disableRequestLogging: true });

  const forward = (request: FastifyRequest, reply: FastifyReply, peer: Peer, reason: 'owner' | 'spill') => {
    deps.onForwarded(reason);
    const form = String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    const body = form && request.body ? new URLSearchParams(request.body as Record<string, string>).toString() : undefined;
    return reply.from(`${peer.url}${request.url}`, {
      ...(body !== undefined ? { body } : {}),
      rewriteRequestHeaders: (_request, headers) => ({ ...headers, [FORWARDED_HEADER]: deps.nodeId }),
    });
  };
  const forwarded = (request: FastifyRequest) => request.headers[FORWARDED_HEADER] !== undefined;

  app.addHook('preHandler', async (request, reply) => {
    if (forwarded(request)) return;
    const id = streamIdOf(request);
    if (id === undefined || deps.runsHere(id)) return;
    const owner = await deps.ownerOf(id);
    if (!owner) return;
    await forward(request, reply, owner, 'owner');
    return reply;
  });

  return {
    async rescue(request, reply, error) {
      if (forwarded(request)) return undefined;
      const peer =
        error instanceof OwnedElsewhere
          ? await deps.ownerOf(error.id)
          : error instanceof CapacityExceeded
            ? deps.spillTargets()[0]
            : undefined;
      if (!peer) return undefined;
      return forward(request, reply, peer, error instanceof OwnedElsewhere ? 'owner' : 'spill');
    },
  };
}
