import cors from '@fastify/cors';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Config } from './config/config.js';
import { LiveHlsOutput } from './hls/live/live-hls-output.js';
import { detectionRoutes } from './http/detection-routes.js';
import { registerErrorHandlers } from './http/error-handler.js';
import { eventRoutes } from './http/event-routes.js';
import { type Forwarder, registerForwarding } from './http/forwarding.js';
import { healthRoutes } from './http/health-routes.js';
import { AUTHORIZE_PATH, hlsRoutes } from './http/hls-routes.js';
import { registerDocs } from './http/openapi/docs.js';
import { BODY_ERRORS, errorResponses, fileResponse, withErrors } from './http/openapi/responses.js';
import { useZodRouteSchemas } from './http/openapi/schema-compilers.js';
import { pages } from './http/pages.js';
import { predictRoutes } from './http/predict-routes.js';
import { recordingRoutes } from './http/recording-routes.js';
import { streamRoutes } from './http/stream-routes.js';
import { createApiTokenCheck, requireApiToken } from './security/api-auth.js';
import type { Services } from './services.js';
import { apiLinkPolicy } from './sources/api-links.js';
import { VERSION } from './version.js';

/** The HTTP application, shared by the daemon entry point and the tests. */
export async function buildApp(config: Config, services: Services): Promise<FastifyInstance> {
  const { manager, log } = services;
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    // Players fetch a playlist every second; logging each would drown everything else.
    logController: new LogController({
      disableRequestLogging: (request) => !config.logRequests || request.url.startsWith('/streams/') || request.url === AUTHORIZE_PATH,
    }),
    bodyLimit: 64 * 1024,
    // Event streams never go idle; without this, closing would wait for every SSE client to leave.
    forceCloseConnections: true,
    // Behind Nginx every request comes from the proxy; the client is in X-Forwarded-For.
    trustProxy: config.trustProxy,
  });
  registerErrorHandlers(app);
  useZodRouteSchemas(app);
  // Before every route: the document is made of the routes it sees registered.
  if (config.docsEnabled) await registerDocs(app, { version: VERSION });
  const hasApiToken = createApiTokenCheck(config.apiTokens);
  if (config.apiTokens.length > 0) requireApiToken(app, hasApiToken, services.playback);

  await app.register(cors, {
    origin: config.corsOrigins.includes('*') ? '*' : config.corsOrigins,
    // A bare OPTIONS is not worth a plain-text 400 (every other error is JSON); browsers always send the full preflight.
    strictPreflight: false,
  });
  await app.register(formbody);
  const { cluster } = services;
  // Before the routes, so that its hook sees every one of them.
  const forwarder: Forwarder | undefined = cluster
    ? await registerForwarding(app, {
        nodeId: cluster.nodeId,
        runsHere: (id) => manager.get(id) !== undefined,
        ownerOf: cluster.ownerOf,
        spillTargets: cluster.spillTargets,
        onForwarded: cluster.countForwarded,
      })
    : undefined;
  // The control endpoints, in a scope of their own so that rate limiting never touches HLS.
  await app.register(async (control) => {
    // What any control route may answer besides its own: no or a wrong token (API_TOKEN), too many calls (RATE_LIMIT_MAX).
    // And any with a body: malformed, too large, of a type it does not take.
    const controlErrors = errorResponses('unauthorized', 'rate_limited');
    const bodyErrors = errorResponses(...BODY_ERRORS);
    control.addHook('onRoute', (route) => {
      const withBody = route.method !== 'GET' && route.method !== 'HEAD';
      const own = route.schema?.response as Record<number, unknown> | undefined;
      route.schema = { ...route.schema, response: withErrors(withErrors(own, controlErrors), withBody ? bodyErrors : {}) };
    });
    if (config.rateLimit.max > 0) {
      const { max, tokenMax, windowMs } = config.rateLimit;
      // The trusted backend calls start for every page view from one address: with a valid API
      // token it counts apart (unlimited by default), and anonymous callers keep the limit.
      await control.register(rateLimit, {
        max: (request) => (hasApiToken(request) ? tokenMax : max),
        allowList: (request) => tokenMax === 0 && hasApiToken(request),
        keyGenerator: (request) => `${hasApiToken(request) ? 'token:' : ''}${request.ip}`,
        timeWindow: windowMs,
        // In a fleet the counts live in Redis, so a limit holds however Nginx spreads the calls;
        // with Redis away, requests pass rather than fail.
        ...(cluster ? { redis: cluster.redis, nameSpace: `${config.cluster!.keyPrefix}rate-limit:`, skipOnError: true } : {}),
        errorResponseBuilder: (_request, context) =>
          Object.assign(new Error(`too many requests; try again in ${Math.ceil(context.ttl / 1000)} s`), { statusCode: 429 }),
      });
    }
    await control.register(
      streamRoutes({
        manager,
        startStream: services.startStream,
        sourcePolicy: apiLinkPolicy(config),
        playback: services.playback,
        cameras: services.cameras,
        forwarder,
        nodes: cluster?.nodes,
      }),
    );
    await control.register(
      detectionRoutes({
        manager,
        ffmpegPath: config.ffmpegPath,
        detection: services.detection,
        feed: services.liveFeed,
        heartbeatMs: config.sseHeartbeatMs,
        playback: services.playback,
      }),
    );
    await control.register(
      predictRoutes({ detection: services.detection, limits: config.predict, confidenceThreshold: config.detection.confidenceThreshold }),
    );
    await control.register(recordingRoutes({ catalogue: services.archive.catalogue, ffmpegPath: config.ffmpegPath }));
    await control.register(
      eventRoutes({
        store: services.events.store,
        pictures: services.events.pictures,
        feed: services.liveFeed,
        heartbeatMs: config.sseHeartbeatMs,
        recordings: { catalogue: services.archive.catalogue, ffmpegPath: config.ffmpegPath },
        preCaptureMs: config.events.preCaptureMs,
        postCaptureMs: config.events.postCaptureMs,
      }),
    );
  });
  await app.register(
    healthRoutes({
      activeStreams: () => manager.activeCount(),
      ffmpeg: services.ffmpeg,
      ffprobe: services.ffprobe,
      version: VERSION,
      startedAt: Date.now(),
      cluster,
      detection: () => services.detection.health(),
    }),
  );
  const metricsDocs = {
    tags: ['operations'],
    summary: 'Prometheus metrics',
    response: { 200: fileResponse('The text exposition format', 'text/plain') },
  };
  app.get('/metrics', { schema: metricsDocs }, async (_request, reply) =>
    reply.type(services.metrics.registry.contentType).send(await services.metrics.render()),
  );
  await app.register(pages);
  await app.register(
    hlsRoutes({
      streamDir: config.streamDir,
      onPlaylistRequest: (id) => {
        // Only known streams count: unknown ids must not grow the metrics.
        if (manager.touch(id)) services.bus.emit('playlist.requested', { id });
      },
      mediaMaxAgeSeconds: 3600,
      live: (id) => {
        const output = manager.get(id)?.output('hls');
        return output instanceof LiveHlsOutput ? output : undefined;
      },
      playback: services.playback,
      observer: services.metrics,
    }),
  );

  // The app owns the services it serves: closing it (shutdown, a test's end) closes them all.
  app.addHook('onClose', () => services.close());
  return app;
}
