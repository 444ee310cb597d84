import { z } from 'zod';
import { MODEL_KINDS } from '../../detection/model-kind.js';
import { isoTime } from '../openapi/responses.js';

const binary = z.object({ found: z.boolean(), path: z.string(), version: z.string().nullable() });

const clusterStatus = z
  .object({
    node_id: z.string(),
    node_url: z.string(),
    redis: z.enum(['up', 'down']).describe('down: starts are decided on this node alone until Redis is back'),
    fallback_starts: z.number(),
    duplicates_stopped: z.number(),
    forwarded: z.object({ owner: z.number(), spill: z.number() }),
  })
  .describe('With REDIS_URL: this node in the fleet.');

const clusterNode = z.object({
  node_id: z.string(),
  url: z.string(),
  stale: z.boolean().describe('not heard from for longer than a lease lives'),
  active_streams: z.number(),
  max_streams: z.number(),
  version: z.string(),
  started_at: isoTime,
  seen_at: isoTime,
});

export const healthResponse = z
  .object({
    status: z.enum(['healthy', 'unhealthy']).describe('unhealthy (with 503): FFmpeg is missing'),
    active_streams: z.number(),
    version: z.string(),
    uptime_seconds: z.number(),
    ffmpeg: binary,
    ffprobe: binary,
    detection: z
      .object({
        model: z.string().describe("The model file's name"),
        kind: z.enum(MODEL_KINDS).nullable().describe('null until the model is loaded'),
        loaded: z.boolean(),
        device: z.literal('cpu'),
      })
      .optional(),
    cluster: clusterStatus.optional(),
    nodes: z.array(clusterNode).optional().describe('With scope=cluster: every node of the fleet.'),
  })
  .meta({ id: 'Health' });
