import type { FastifyPluginAsync } from 'fastify';
import type { BinaryInfo } from '../ffmpeg/binary-info.js';

export interface HealthDeps {
  activeStreams(): number;
  ffmpeg: BinaryInfo;
  ffprobe: BinaryInfo;
  version: string;
  startedAt: number;
}

export const healthRoutes =
  ({ activeStreams, ffmpeg, ffprobe, version, startedAt }: HealthDeps): FastifyPluginAsync =>
  async (app) => {
    app.get('/api/health', async (_request, reply) => {
      const healthy = ffmpeg.found;
      return reply.code(healthy ? 200 : 503).send({
        status: healthy ? 'healthy' : 'unhealthy',
        active_streams: activeStreams(),
        version,
        uptime_seconds: Math.round((Date.now() - startedAt) / 1000),
        ffmpeg,
        ffprobe,
      });
    });
  };
