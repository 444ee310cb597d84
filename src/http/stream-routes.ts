import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { CameraRegistry } from '../cameras/camera-registry.js';
import { SourceFailure } from '../ffmpeg/failure.js';
import type { StreamObserver } from '../metrics/metrics.js';
import type { PlaybackTokens } from '../security/playback-tokens.js';
import type { SourceHostGuard } from '../security/source-hosts.js';
import { PlaybackUnsigned, StreamNotFound } from '../streams/errors.js';
import type { FrameConsumer, StreamManager } from '../streams/manager.js';
import { streamPath } from '../streams/snapshot.js';
import type { SourceResolver } from '../streams/sources.js';
import { idRequestSchema, type SourcePolicy, startRequestSchema } from './request-schemas.js';

export interface StreamRoutesDeps {
  manager: StreamManager;
  resolveSource: SourceResolver;
  sourcePolicy: SourcePolicy;
  /** Streams started without detect=true|false follow this. */
  detectByDefault: boolean;
  /** Loads the detector on first use; throws DetectionUnavailable when it cannot. */
  detection(): Promise<FrameConsumer>;
  observer: Pick<StreamObserver, 'startFinished'>;
  /** ALLOWED_SOURCE_HOSTS: throws for a camera outside it; returns the URL FFmpeg should open. */
  checkSourceHost: SourceHostGuard;
  /** Signed playback (PLAYBACK_SECRET); undefined: playlists are open and starts hand out no token. */
  playback: PlaybackTokens | undefined;
  /** CAMERAS_FILE, for listing what can be started by id. */
  cameras: Pick<CameraRegistry, 'ids' | 'get'> | undefined;
}

/** Parameters from the query string, overridden by a JSON or form body (backends use either). */
function paramsOf(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  const fromBody = body && typeof body === 'object' && !Array.isArray(body) ? body : {};
  return { ...(request.query as Record<string, unknown>), ...fromBody };
}

export const streamRoutes =
  ({
    manager,
    resolveSource,
    sourcePolicy,
    detectByDefault,
    detection,
    observer,
    checkSourceHost,
    playback,
    cameras,
  }: StreamRoutesDeps): FastifyPluginAsync =>
  async (app) => {
    const startSchema = startRequestSchema(sourcePolicy);

    const start = async (request: FastifyRequest) => {
      const { indicator_id, rtsp_link, wait, detect } = startSchema.parse(paramsOf(request));
      // Viewers of a running camera need not know its URL: the id alone joins it.
      const joined = rtsp_link === undefined && detect === undefined ? await manager.join(indicator_id, wait) : undefined;
      if (joined) {
        observer.startFinished('joined', undefined);
        return { indicator_id, ...playbackFields(indicator_id), status: joined };
      }
      const resolved = resolveSource(indicator_id, rtsp_link);
      // Checked before anything is started; FFmpeg gets the address that was checked.
      const checked =
        resolved.input.kind === 'rtsp' && !resolved.configured
          ? { ...resolved, input: { ...resolved.input, url: await checkSourceHost(resolved.input.url) } }
          : undefined;
      const consumer = (detect ?? resolved.detect ?? detectByDefault) ? await detection() : undefined;
      // CAMERAS_FILE may have been reloaded during those waits (a model load takes seconds): take the
      // entry as it is now; nothing awaits between here and the manager's map.
      const source = checked ?? resolveSource(indicator_id, rtsp_link);
      const startedAt = performance.now();
      try {
        const { status, created } = await manager.start(indicator_id, source, {
          wait,
          detection: consumer,
          detectExplicit: detect !== undefined,
        });
        // The duration histogram takes only starts that spawned FFmpeg and waited for it (see Metrics).
        observer.startFinished(created ? 'started' : 'joined', wait ? (performance.now() - startedAt) / 1000 : undefined);
        return { indicator_id, ...playbackFields(indicator_id), status };
      } catch (error) {
        if (error instanceof SourceFailure) observer.startFinished('failed', (performance.now() - startedAt) / 1000, error.failure.cause);
        throw error;
      }
    };
    /** stream_path, with a token on it (and the token and its expiry on their own) when playback is signed. */
    const playbackFields = (id: string) => {
      if (!playback) return { stream_path: streamPath(id) };
      const { token, expiresAt } = playback.issue(id);
      return { stream_path: `${streamPath(id)}?token=${token}`, playback_token: token, playback_expires_at: expiresAt.toISOString() };
    };

    app.get('/api/stream/start', start);
    app.post('/api/stream/start', start);

    app.post('/api/stream/stop', async (request) => {
      const { indicator_id } = idRequestSchema.parse(paramsOf(request));
      await manager.stop(indicator_id);
      return { indicator_id, status: 'stopped' };
    });

    // A fresh playback token: players renew theirs with it before it expires.
    app.get('/api/stream/token', { config: { playbackAccess: true } }, async (request) => {
      const { indicator_id } = idRequestSchema.parse(request.query);
      if (!playback) throw new PlaybackUnsigned();
      return { indicator_id, ...playbackFields(indicator_id) };
    });

    app.get('/api/stream/status', { config: { playbackAccess: true } }, async (request) => {
      const { indicator_id } = idRequestSchema.parse(paramsOf(request));
      const stream = manager.get(indicator_id);
      if (!stream) throw new StreamNotFound(indicator_id);
      return stream.snapshot();
    });

    // What can be started by id alone; never the URLs, which hold credentials.
    app.get('/api/cameras', async () => ({
      cameras: (cameras?.ids() ?? []).map((id) => {
        const { detect = null, audio = null, transport = null } = cameras!.get(id) ?? {};
        return { indicator_id: id, detect, audio, transport, state: manager.get(id)?.state ?? null };
      }),
    }));

    app.get('/api/streams', async () => {
      const streams = manager.list().map((stream) => stream.snapshot());
      return { active_streams: manager.activeCount(), streams };
    });
  };
