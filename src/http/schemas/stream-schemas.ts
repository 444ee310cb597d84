import { z } from 'zod';
import { isoTime } from '../openapi/responses.js';

const id = z.string().meta({ examples: ['lobby-cam'] });
const state = z.enum(['starting', 'running', 'restarting', 'failed', 'stopped']);

const playback = {
  stream_path: z
    .string()
    .describe('Where the playlist is; with signed playback it carries ?token=…')
    .meta({ examples: ['/streams/lobby-cam/stream.m3u8'] }),
  playback_token: z.string().optional().describe('With PLAYBACK_SECRET: the token on its own.'),
  playback_expires_at: isoTime.optional().describe('With PLAYBACK_SECRET: when the token expires.'),
};

export const startResponse = z
  .object({
    indicator_id: id,
    ...playback,
    status: z
      .enum(['started', 'running', 'starting', 'restarting'])
      .describe('started: this call started it; running: it already ran; starting/restarting: with wait=false, not playable yet'),
  })
  .meta({ id: 'StartAnswer' });

export const stopResponse = z.object({ indicator_id: id, status: z.literal('stopped') });

export const tokenResponse = z.object({ indicator_id: id, ...playback });

const box = z
  .object({ x: z.number(), y: z.number(), w: z.number(), h: z.number() })
  .describe('Normalised to the picture: 0..1 from the top left.')
  .meta({ id: 'Box' });

export const detection = z.object({ label: z.string(), score: z.number(), box }).meta({ id: 'Detection' });

const detectionStatus = z
  .object({
    frames_in: z.number(),
    inferred: z.number(),
    dropped: z.number(),
    fps: z.number(),
    mean_inference_ms: z.number().nullable(),
    stage_ms: z.object({ read: z.number(), pre: z.number(), model: z.number(), post: z.number() }).nullable(),
    latest: z.object({ at: isoTime, detections: z.array(detection) }).nullable(),
  })
  .describe('Counters and the newest detections; null when detection is off for the stream.');

export const streamSnapshot = z
  .object({
    indicator_id: id,
    state,
    stream_path: z.string(),
    pid: z.number().nullable().describe("FFmpeg's pid; null between runs."),
    started_at: isoTime,
    last_access: isoTime,
    restarts: z.number(),
    mode: z.enum(['copy', 'transcode']).describe('copy: the video is remuxed; transcode: re-encoded to H.264'),
    source: z
      .object({
        video_codec: z.string().nullable(),
        width: z.number().nullable(),
        height: z.number().nullable(),
        fps: z.number().nullable(),
        audio_codec: z.string().nullable(),
      })
      .nullable(),
    last_error: z
      .object({ cause: z.string(), message: z.string(), at: isoTime, ffmpeg_output: z.array(z.string()) })
      .nullable()
      .describe("The last thing that went wrong, with FFmpeg's last lines (credentials redacted)."),
    detection: detectionStatus.nullable(),
    always_on: z.boolean().describe('Kept running without viewers (record: true in CAMERAS_FILE).'),
    recording: z
      .object({ segments_written: z.number(), last_segment: z.string().optional() })
      .nullable()
      .describe('Segments written this run; null when the stream is not recorded.'),
  })
  .meta({ id: 'StreamStatus' });

const clusterStreams = z.object({
  active_streams: z.number(),
  nodes: z.array(
    z.object({
      node_id: z.string(),
      url: z.string(),
      stale: z.boolean(),
      active_streams: z.number(),
      max_streams: z.number(),
      streams: z.array(z.string()),
    }),
  ),
});

export const streamsResponse = z
  .union([z.object({ active_streams: z.number(), streams: z.array(streamSnapshot) }), clusterStreams])
  .describe('This node’s streams; with scope=cluster (in a fleet), every node’s stream ids.');

export const camerasResponse = z.object({
  cameras: z.array(
    z.object({
      indicator_id: id,
      detect: z.boolean().nullable(),
      audio: z.boolean().nullable(),
      transport: z.enum(['tcp', 'udp']).nullable(),
      record: z.boolean(),
      state: state.nullable().describe('null: not running'),
    }),
  ),
});

export const scopeQuery = z.object({
  scope: z.enum(['node', 'cluster']).optional().describe('cluster: every node of the fleet (with REDIS_URL)'),
});
