import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { CameraRegistry } from '../cameras/camera-registry.js';
import type { ListedNode } from '../cluster/node-registry.js';
import { streamPath } from '../hls/layout.js';
import { type PlaybackTokens, PlaybackUnsigned } from '../security/playback-tokens.js';
import { SourceConflict, StreamNotFound } from '../streams/errors.js';
import type { StreamManager } from '../streams/manager.js';
import type { StartStream } from '../streams/start-stream.js';
import type { Forwarder } from './forwarding.js';
import { errorResponses } from './openapi/responses.js';
import { idRequestSchema, type LinkPolicy, startRequestSchema } from './request-schemas.js';
import {
  camerasResponse,
  scopeQuery,
  startResponse,
  stopResponse,
  streamSnapshot,
  streamsResponse,
  tokenResponse,
} from './schemas/stream-schemas.js';

export interface StreamRoutesDeps {
  manager: StreamManager;
  startStream: StartStream;
  sourcePolicy: LinkPolicy;
  /** Signed playback (PLAYBACK_SECRET); undefined: playlists are open and starts hand out no token. */
  playback: PlaybackTokens | undefined;
  /** CAMERAS_FILE, for listing what can be started by id. */
  cameras: Pick<CameraRegistry, 'ids' | 'get'> | undefined;
  /** In a fleet: starts this node cannot take go to the node that can. */
  forwarder?: Forwarder;
  /** In a fleet: every node as the registry has it, for ?scope=cluster. */
  nodes?: () => Promise<readonly ListedNode[]>;
}

/** Parameters from the query string, overridden by a JSON or form body (backends use either). */
function paramsOf(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  const fromBody = body && typeof body === 'object' && !Array.isArray(body) ? body : {};
  return { ...(request.query as Record<string, unknown>), ...fromBody };
}

export const streamRoutes =
  ({ manager, startStream, sourcePolicy, playback, cameras, forwarder, nodes }: StreamRoutesDeps): FastifyPluginAsync =>
  async (app) => {
    const startSchema = startRequestSchema(sourcePolicy);

    const start = async (request: FastifyRequest, reply: FastifyReply) => {
      const { indicator_id, rtsp_link, wait, detect } = startSchema.parse(paramsOf(request));
      try {
        const { status } = await startStream({ id: indicator_id, rtspLink: rtsp_link, wait, detect });
        return { indicator_id, ...playbackFields(indicator_id), status };
      } catch (error) {
        const forwarded = await forwarder?.rescue(request, reply, error);
        if (forwarded) return forwarded;
        throw error;
      }
    };
    /** stream_path, with a token on it (and the token and its expiry on their own) when playback is signed. */
    const playbackFields = (id: string) => {
      if (!playback) return { stream_path: streamPath(id) };
      const { token, expiresAt } = playback.issue(id);
      return { stream_path: `${streamPath(id)}?token=${token}`, playback_token: token, playback_expires_at: expiresAt.toISOString() };
    };

    const startDocs = {
      tags: ['streams'],
      summary: 'Start a stream, or join it',
      description:
        'Idempotent: every viewer of a camera calls it and shares one FFmpeg. Parameters go in the query string or the body (JSON or form); the body wins. With wait=true (the default) it answers once the playlist is playable.',
      querystring: startSchema,
      response: {
        200: startResponse,
        ...errorResponses(
          'invalid_request',
          'source_not_allowed',
          'api_sources_disabled',
          'camera_not_found',
          'source_conflict',
          'stream_stopped',
          'source_unauthorized',
          'source_forbidden',
          'source_not_found',
          'source_connection_refused',
          'source_unreachable',
          'source_invalid_data',
          'ffmpeg_failed',
          'capacity_exceeded',
          'owned_elsewhere',
          'shutting_down',
          'detection_unavailable',
          'source_timeout',
        ),
      },
    };
    app.get('/api/stream/start', { schema: startDocs }, start);
    app.post('/api/stream/start', { schema: { ...startDocs, querystring: startSchema.partial(), body: startSchema } }, start);

    const stopDocs = {
      tags: ['streams'],
      summary: 'Stop a stream for every viewer',
      querystring: idRequestSchema.partial(),
      body: idRequestSchema,
      response: { 200: stopResponse, ...errorResponses('invalid_request', 'stream_not_found', 'source_conflict') },
    };
    app.post('/api/stream/stop', { schema: stopDocs }, async (request) => {
      const { indicator_id } = idRequestSchema.parse(paramsOf(request));
      if (manager.get(indicator_id)?.alwaysOn) {
        throw new SourceConflict(indicator_id, 'is recorded (record: true in CAMERAS_FILE); it stops when its entry is removed');
      }
      await manager.stop(indicator_id);
      return { indicator_id, status: 'stopped' };
    });

    // A fresh playback token: players renew theirs with it before it expires.
    const tokenDocs = {
      tags: ['streams'],
      summary: 'Renew a playback token',
      description: 'Players call it before their token expires; 409 playback_unsigned without PLAYBACK_SECRET.',
      querystring: idRequestSchema,
      response: { 200: tokenResponse, ...errorResponses('invalid_request', 'playback_unsigned') },
    };
    app.get('/api/stream/token', { config: { playbackAccess: true }, schema: tokenDocs }, async (request) => {
      const { indicator_id } = idRequestSchema.parse(request.query);
      if (!playback) throw new PlaybackUnsigned();
      return { indicator_id, ...playbackFields(indicator_id) };
    });

    const statusDocs = {
      tags: ['streams'],
      summary: "One stream's state",
      querystring: idRequestSchema,
      response: { 200: streamSnapshot, ...errorResponses('invalid_request', 'stream_not_found') },
    };
    app.get('/api/stream/status', { config: { playbackAccess: true }, schema: statusDocs }, async (request) => {
      const { indicator_id } = idRequestSchema.parse(paramsOf(request));
      const stream = manager.get(indicator_id);
      if (!stream) throw new StreamNotFound(indicator_id);
      return stream.snapshot();
    });

    // What can be started by id alone; never the URLs, which hold credentials.
    const camerasDocs = {
      tags: ['streams'],
      summary: 'The cameras of CAMERAS_FILE',
      description: 'What can be started by indicator_id alone; never their URLs, which hold credentials.',
      response: { 200: camerasResponse },
    };
    app.get('/api/cameras', { schema: camerasDocs }, async () => ({
      cameras: (cameras?.ids() ?? []).map((id) => {
        const { detect = null, audio = null, transport = null, record = false } = cameras!.get(id) ?? {};
        return { indicator_id: id, detect, audio, transport, record, state: manager.get(id)?.state ?? null };
      }),
    }));

    const streamsDocs = {
      tags: ['streams'],
      summary: 'Every running stream',
      querystring: scopeQuery,
      response: { 200: streamsResponse, ...errorResponses('invalid_request') },
    };
    app.get('/api/streams', { schema: streamsDocs }, async (request) => {
      const { scope } = scopeQuery.parse(request.query);
      if (scope === 'cluster' && nodes) {
        // Every node's streams as it last told the registry: ids and counts, for an overview of the fleet.
        const listed = await nodes();
        return {
          active_streams: listed.filter((node) => !node.stale).reduce((sum, node) => sum + node.active_streams, 0),
          nodes: listed.map(({ node_id, url, stale, active_streams, max_streams, streams }) => ({
            node_id,
            url,
            stale,
            active_streams,
            max_streams,
            streams,
          })),
        };
      }
      const streams = manager.list().map((stream) => stream.snapshot());
      return { active_streams: manager.activeCount(), streams };
    });
  };
