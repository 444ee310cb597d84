import type { FastifyPluginAsync } from 'fastify';
import type { ClusterStatus } from '../cluster/cluster.js';
import type { ListedNode } from '../cluster/node-registry.js';
import type { DetectionHealth } from '../detection/detection-provider.js';
import type { BinaryInfo } from '../ffmpeg/binary-info.js';
import { errorResponses, jsonResponse } from './openapi/responses.js';
import { healthResponse } from './schemas/health-schemas.js';
import { scopeQuery } from './schemas/stream-schemas.js';

export interface HealthDeps {
  activeStreams(): number;
  ffmpeg: BinaryInfo;
  ffprobe: BinaryInfo;
  version: string;
  startedAt: number;
  /** The model: loaded or not, and where it runs. Health never loads it. */
  detection?: () => DetectionHealth;
  /** In a fleet: this node's standing, and every node for ?scope=cluster. */
  cluster?: { status(): ClusterStatus; nodes(): Promise<readonly ListedNode[]> };
}

export const healthRoutes =
  ({ activeStreams, ffmpeg, ffprobe, version, startedAt, cluster, detection }: HealthDeps): FastifyPluginAsync =>
  async (app) => {
    const schema = {
      tags: ['operations'],
      summary: 'Health, for load balancers and operators',
      description: 'Always open (no API token). 503 when FFmpeg is missing.',
      querystring: scopeQuery,
      response: {
        200: jsonResponse('Healthy', healthResponse),
        503: jsonResponse('Unhealthy: FFmpeg is missing', healthResponse),
        ...errorResponses('invalid_request'),
      },
    };
    app.get('/api/health', { schema }, async (request, reply) => {
      const healthy = ffmpeg.found;
      const { scope } = scopeQuery.parse(request.query);
      const nodes = scope === 'cluster' && cluster ? await cluster.nodes() : undefined;
      return reply.code(healthy ? 200 : 503).send({
        status: healthy ? 'healthy' : 'unhealthy',
        active_streams: activeStreams(),
        version,
        uptime_seconds: Math.round((Date.now() - startedAt) / 1000),
        ffmpeg,
        ffprobe,
        ...(detection ? { detection: detection() } : {}),
        // A node whose Redis is away still serves: it says so here rather than failing its health check.
        ...(cluster ? { cluster: cluster.status() } : {}),
        ...(nodes
          ? {
              nodes: nodes.map(({ node_id, url, stale, active_streams, max_streams, version: v, started_at, seen_at }) => ({
                node_id,
                url,
                stale,
                active_streams,
                max_streams,
                version: v,
                started_at,
                seen_at: new Date(seen_at).toISOString(),
              })),
            }
          : {}),
      });
    });
  };
