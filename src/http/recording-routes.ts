import { createReadStream } from 'node:fs';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import { AppError } from '../errors/app-error.js';
import type { RecordingCatalogue } from '../recording/catalogue.js';
import { concatScript, streamClip } from '../recording/clip.js';
import { endOf, type RecordedSegment } from '../recording/segment.js';
import { overlapping, spansOf } from '../recording/spans.js';
import { errorResponses, fileResponse } from './openapi/responses.js';
import { indicatorIdSchema, queryFlag } from './request-schemas.js';
import { recordingsDeletedResponse, recordingsResponse } from './schemas/recording-schemas.js';

export interface RecordingRoutesDeps {
  catalogue: RecordingCatalogue;
  ffmpegPath: string;
}

/** The longest clip one call may ask for: a remux reads every byte of it. */
const MAX_CLIP_HOURS = 6;

/** ISO 8601 or epoch milliseconds. */
const instant = (name: string) =>
  z.string({ error: `${name} must be a time` }).transform((value, ctx) => {
    const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: `${name} must be an ISO 8601 time or epoch milliseconds` });
      return z.NEVER;
    }
    return ms;
  });

const rangeSchema = z
  .object({ indicator_id: indicatorIdSchema, start: instant('start').optional(), end: instant('end').optional() })
  .refine((q) => q.start === undefined || q.end === undefined || q.end > q.start, { message: 'end must be after start' });

const clipSchema = z
  .object({
    indicator_id: indicatorIdSchema,
    start: instant('start'),
    end: instant('end'),
    download: queryFlag,
  })
  .refine((q) => q.end > q.start, { message: 'end must be after start' })
  .refine((q) => q.end - q.start <= MAX_CLIP_HOURS * 3_600_000, { message: `a clip is at most ${MAX_CLIP_HOURS} hours long` });

const snapshotSchema = z.object({ indicator_id: indicatorIdSchema, at: instant('at').optional() });

export class NothingRecorded extends AppError {
  constructor(id: string, from: number, to: number) {
    super('no_recording', `nothing is recorded for ${id} between ${new Date(from).toISOString()} and ${new Date(to).toISOString()}`);
  }
}

export class NoSnapshot extends AppError {
  constructor(id: string) {
    super('no_recording', `no snapshot is kept for ${id}`);
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

function snapshotView(snapshot: RecordedSegment) {
  return {
    name: snapshot.name,
    time: iso(snapshot.start),
    size: snapshot.bytes,
    upload: snapshot.upload ?? 'none',
    ...(snapshot.s3Key ? { s3_key: snapshot.s3Key } : {}),
  };
}

/** The snapshot taken last at or before `at`, else the first one after it. */
function snapshotAt(snapshots: readonly RecordedSegment[], at: number): RecordedSegment | undefined {
  return snapshots.filter((s) => s.start <= at).at(-1) ?? snapshots.find((s) => s.start > at);
}

function segmentView(segment: RecordedSegment) {
  return {
    name: segment.name,
    start: iso(segment.start),
    end: iso(endOf(segment)),
    duration: segment.duration,
    size: segment.bytes,
    upload: segment.upload ?? 'none',
    ...(segment.s3Key ? { s3_key: segment.s3Key } : {}),
  };
}

/**
 * One MP4 of a camera's recordings from `start` to `end` (epoch ms), remuxed as it is read;
 * NothingRecorded when no segment overlaps the range.
 */
export function replyWithClip(
  reply: FastifyReply,
  { catalogue, ffmpegPath }: RecordingRoutesDeps,
  { id, start, end, download, name }: { id: string; start: number; end: number; download: boolean; name?: string },
): FastifyReply {
  const segments = overlapping(catalogue.segments(id), start, end);
  if (segments.length === 0) throw new NothingRecorded(id, start, end);
  const script = concatScript(
    segments.map((segment) => ({ file: catalogue.pathOf(id, segment), segment })),
    start,
    end,
  );
  // The client leaving ends FFmpeg.
  const abort = new AbortController();
  reply.raw.on('close', () => abort.abort());
  const fileName = name ?? `${id}_${iso(Math.max(start, segments[0]!.start)).replaceAll(':', '-')}.mp4`;
  return reply
    .type('video/mp4')
    .header('content-disposition', `${download ? 'attachment' : 'inline'}; filename="${fileName}"`)
    .header('cache-control', 'no-store')
    .send(streamClip(ffmpegPath, script, abort.signal));
}

/** The recorded footage: what there is, one MP4 of any range, a snapshot of a time, and deleting a range. */
export function recordingRoutes({ catalogue, ffmpegPath }: RecordingRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    const inRange = (id: string, start = Number.NEGATIVE_INFINITY, end = Number.POSITIVE_INFINITY) =>
      overlapping(catalogue.segments(id), start, end);
    const snapshotsIn = (id: string, start = Number.NEGATIVE_INFINITY, end = Number.POSITIVE_INFINITY) =>
      catalogue.snapshots(id).filter((s) => s.start >= start && s.start < end);

    const tags = ['recordings'];
    const invalid = errorResponses('invalid_request');
    const listDocs = {
      tags,
      summary: "What a camera's recordings hold",
      querystring: rangeSchema,
      response: { 200: recordingsResponse, ...invalid },
    };
    app.get('/api/recordings', { schema: listDocs }, async (request) => {
      const { indicator_id, start, end } = rangeSchema.parse(request.query);
      const segments = inRange(indicator_id, start, end);
      return {
        indicator_id,
        spans: spansOf(segments).map((span) => ({ start: iso(span.start), end: iso(span.end), duration: (span.end - span.start) / 1000 })),
        segments: segments.map(segmentView),
        snapshots: snapshotsIn(indicator_id, start, end).map(snapshotView),
      };
    });

    const snapshotDocs = {
      tags,
      summary: 'The snapshot kept nearest a time',
      description: 'The last one taken at or before `at` (default now), else the first after it; X-Snapshot-Time says when it was taken.',
      querystring: snapshotSchema,
      response: { 200: fileResponse('A JPEG', 'image/jpeg'), ...errorResponses('invalid_request', 'no_recording') },
    };
    app.get('/api/recordings/snapshot', { schema: snapshotDocs }, async (request, reply) => {
      const { indicator_id, at = Date.now() } = snapshotSchema.parse(request.query);
      const snapshot = snapshotAt(catalogue.snapshots(indicator_id), at);
      if (!snapshot) throw new NoSnapshot(indicator_id);
      return reply
        .type('image/jpeg')
        .header('x-snapshot-time', iso(snapshot.start))
        .header('cache-control', 'no-cache')
        .send(createReadStream(catalogue.pathOf(indicator_id, snapshot)));
    });

    const clipDocs = {
      tags,
      summary: 'One MP4 of any range',
      description: `Remuxed from the segments as it is sent; at most ${MAX_CLIP_HOURS} hours.`,
      querystring: clipSchema,
      response: { 200: fileResponse('An MP4', 'video/mp4'), ...errorResponses('invalid_request', 'no_recording') },
    };
    app.get('/api/recordings/clip', { schema: clipDocs }, async (request, reply) => {
      const { indicator_id, start, end, download } = clipSchema.parse(request.query);
      return replyWithClip(reply, { catalogue, ffmpegPath }, { id: indicator_id, start, end, download });
    });

    const deleteDocs = {
      tags,
      summary: 'Delete the segments and snapshots of a range',
      description: 'Whole segments only: those that lie entirely within start and end (both required).',
      querystring: rangeSchema,
      response: { 200: recordingsDeletedResponse, ...invalid },
    };
    app.delete('/api/recordings', { schema: deleteDocs }, async (request) => {
      const { indicator_id, start, end } = rangeSchema.parse(request.query);
      if (start === undefined || end === undefined) {
        throw new AppError('invalid_request', 'start and end are required to delete recordings');
      }
      // Whole segments only (those that lie entirely in the range), and the snapshots taken in it.
      const doomed = [
        ...inRange(indicator_id, start, end).filter((s) => s.start >= start && endOf(s) <= end),
        ...snapshotsIn(indicator_id, start, end),
      ];
      await catalogue.remove(
        indicator_id,
        doomed.map((s) => s.name),
      );
      request.log.info({ stream: indicator_id, count: doomed.length }, 'recordings deleted by an operator');
      return { indicator_id, deleted: doomed.map((s) => s.name) };
    });
  };
}
