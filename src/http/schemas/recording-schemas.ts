import { z } from 'zod';
import { isoTime } from '../openapi/responses.js';

const upload = z
  .enum(['none', 'pending', 'uploaded', 'backlog'])
  .describe('Its hand-off to S3 and the webhook: none (not handed off), pending, uploaded, backlog (waiting behind others)');

const segment = z.object({
  name: z.string().meta({ examples: ['2026-12-04T18-30-00Z.mp4'] }),
  start: isoTime,
  end: isoTime,
  duration: z.number().describe('Seconds.'),
  size: z.number().describe('Bytes.'),
  upload,
  s3_key: z.string().optional(),
});

const snapshot = z.object({ name: z.string(), time: isoTime, size: z.number(), upload, s3_key: z.string().optional() });

export const recordingsResponse = z.object({
  indicator_id: z.string(),
  spans: z.array(z.object({ start: isoTime, end: isoTime, duration: z.number() })).describe('Stretches recorded without a gap.'),
  segments: z.array(segment),
  snapshots: z.array(snapshot),
});

export const recordingsDeletedResponse = z.object({ indicator_id: z.string(), deleted: z.array(z.string()) });
