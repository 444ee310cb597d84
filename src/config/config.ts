import { z } from 'zod';
import type { ClassifierSettings } from '../detection/decode.js';
import { MODEL_KINDS, type ModelKind } from '../detection/model-kind.js';
import { PIXEL_RANGES } from '../detection/preprocess.js';
import { resolveSecretFiles } from '../security/secrets.js';
import { type ArchiveConfig, archiveConfigProblems, archiveEnvShape, toArchiveConfig } from './archive-config.js';
import { type ClusterConfig, clusterEnvShape, toClusterConfig } from './cluster-config.js';
import { type EventsConfig, eventsEnvShape, toEventsConfig } from './events-config.js';

/** Environment booleans: accept the spellings operators actually write. */
const envBoolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], {
    error: 'must be true or false',
  })
  .transform((value) => ['true', '1', 'yes', 'on'].includes(value));

const seconds = (min: number, max: number) => z.coerce.number().min(min).max(max);
const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const csv = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);

/**
 * Every variable the daemon reads. Names are an interface (backends, Docker
 * and scripts set them), so the seed's names stay as they were.
 */
const envSchema = z.object({
  PORT: integer(0, 65535).default(8088),
  HOST: z.string().min(1).default('0.0.0.0'),
  STREAM_DIR: z.string().min(1).default('./streams'),
  CLEANUP_DELAY_SECONDS: seconds(1, 86_400).default(30),
  CLEANUP_INTERVAL_SECONDS: seconds(0.1, 3_600).default(10),
  // Segments are cut on keyframes, so with a 1 s camera GOP a 1 s target gives
  // the first playable playlist about a second sooner than the seed's 2 s.
  // Below 1 s the epoch-based segment numbering could repeat across restarts.
  HLS_SEGMENT_TIME: seconds(1, 30).default(1),
  HLS_LIST_SIZE: integer(2, 100).default(6),
  // lowlatency: the daemon packages FFmpeg's fragmented MP4 into LL-HLS parts (also plays as plain
  // fMP4 HLS in players without LL support); fmp4: the same without parts; mpegts: FFmpeg's own muxer.
  HLS_VARIANT: z.enum(['lowlatency', 'fmp4', 'mpegts']).default('lowlatency'),
  // LL-HLS part length; players stay PART-HOLD-BACK (three part targets) behind the live edge, so this
  // sets the latency: 0.12 s (three frames at 25 fps) gives about 0.65 s glass to glass in hls.js.
  HLS_PART_TIME: seconds(0.1, 2).default(0.12),
  HLS_PARTS_ON_DISK: envBoolean.default(false),
  MAX_STREAMS: integer(1, 10_000).default(300),
  STREAM_START_TIMEOUT_SECONDS: seconds(1, 300).default(15),
  STOP_GRACE_SECONDS: seconds(0.1, 60).default(3),
  RESTART_BACKOFF_INITIAL_SECONDS: seconds(0.1, 60).default(0.5),
  RESTART_BACKOFF_MAX_SECONDS: seconds(0.1, 600).default(10),
  WATCHDOG_TIMEOUT_SECONDS: seconds(1, 600).default(10),
  FFMPEG_PATH: z.string().min(1).default('ffmpeg'),
  FFMPEG_NICE: integer(0, 19).default(0),
  FFPROBE_PATH: z.string().min(1).default('ffprobe'),
  RTSP_TRANSPORT: z.enum(['tcp', 'udp']).default('tcp'),
  ALLOWED_SCHEMES: csv.pipe(z.array(z.enum(['rtsp', 'rtsps'])).min(1, 'needs at least one of rtsp, rtsps')).default(['rtsp', 'rtsps']),
  RTSP_LINK_MAX_LENGTH: integer(16, 65_536).default(2048),
  AUDIO_ENABLED: envBoolean.default(true),
  AUDIO_TRANSCODE: envBoolean.default(true),
  TRANSCODE_PRESET: z.enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium']).default('veryfast'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_REQUESTS: envBoolean.default(true),
  DOCS_ENABLED: envBoolean.default(true),
  CORS_ORIGINS: csv.default(['*']),
  DEMO_ENABLED: envBoolean.default(false),
  DETECT_ENABLED: envBoolean.default(false),
  DETECT_MODEL: z.string().min(1).default('./models/blazeface-front-128.onnx'),
  DETECT_MODEL_TYPE: z.enum(['auto', ...MODEL_KINDS]).default('auto'),
  DETECT_LABELS: z.string().min(1).optional(),
  DETECT_FPS: z.coerce.number().gt(0).max(60).default(2),
  DETECT_KEYFRAMES_ONLY: envBoolean.default(false),
  DETECT_THREADS: integer(1, 64).default(1),
  DETECT_BATCH_SIZE: integer(1, 64).default(1),
  DETECT_BATCH_TIMEOUT_MS: integer(0, 1000).default(10),
  CLASSIFIER_TOP_K: integer(1, 1000).default(5),
  CLASSIFIER_NORMALIZATION: z.enum(PIXEL_RANGES).default('imagenet'),
  // POST /api/predict: a JSON batch of base64 pictures, or one raw picture, and what counts as a person.
  PREDICT_MAX_FRAMES: integer(1, 1024).default(32),
  PREDICT_MAX_BYTES: integer(1024, 1024 * 1024 * 1024).default(20 * 1024 * 1024),
  PREDICT_MAX_FRAME_BYTES: integer(1024, 1024 * 1024 * 1024).default(10 * 1024 * 1024),
  PERSON_LABELS: csv.default(['person', 'face']),
  CONFIDENCE_THRESHOLD: z.coerce.number().gt(0).lt(1).default(0.5),
  IOU_THRESHOLD: z.coerce.number().gt(0).lt(1).default(0.45),
  CAPTURE_DIR: z.string().min(1).optional(),
  CAPTURE_EVERY_N: integer(1, 1_000_000).default(10),
  SSE_HEARTBEAT_SECONDS: seconds(1, 3600).default(15),
  API_TOKEN: csv.pipe(z.array(z.string().min(16, 'each token needs at least 16 characters'))).default([]),
  // Per client address: a backend calling for all its users is one client, so the default is generous.
  RATE_LIMIT_MAX: integer(0, 1_000_000).default(600),
  RATE_LIMIT_WINDOW_SECONDS: seconds(1, 86_400).default(60),
  // Callers with a valid API token (the backend, calling for all its users): a budget of their own; 0: unlimited.
  RATE_LIMIT_TOKEN_MAX: integer(0, 100_000_000).default(0),
  ALLOWED_SOURCE_HOSTS: csv
    .pipe(z.array(z.string().regex(/^[A-Za-z0-9._:-]+(\/\d{1,3})?$/, 'entries must be hostnames, addresses or CIDRs')))
    .default([]),
  // Signed playback: HMAC keys (several, for rotation; the first signs) and how long a token lives.
  PLAYBACK_SECRET: csv.pipe(z.array(z.string().min(32, 'each secret needs at least 32 characters'))).default([]),
  PLAYBACK_TOKEN_TTL_SECONDS: integer(10, 7 * 86_400).default(3600),
  CAMERAS_FILE: z.string().min(1).optional(),
  ALLOW_API_SOURCES: envBoolean.default(true),
  // Where file: sources live; nothing outside it is ever read.
  MEDIA_DIR: z.string().min(1).default('./media'),
  // rtsp_link may also be file: (inside MEDIA_DIR) and http(s) (ALLOWED_SOURCE_HOSTS); never device:.
  ALLOW_API_FILE_SOURCES: envBoolean.default(false),
  // Whose X-Forwarded-For to believe for the client address: false, true, loopback, or addresses/CIDRs.
  TRUST_PROXY: z.string().default('loopback'),
  ...archiveEnvShape,
  ...eventsEnvShape,
  ...clusterEnvShape,
});

/** Every variable name the schema knows (deployment files are checked against it). */
export function configEnvNames(): string[] {
  return Object.keys(envSchema.shape);
}

export interface Config {
  port: number;
  host: string;
  streamDir: string;
  idleTimeoutMs: number;
  cleanupIntervalMs: number;
  hls: {
    segmentSeconds: number;
    listSize: number;
    variant: 'lowlatency' | 'fmp4' | 'mpegts';
    partSeconds: number;
    /** Low-latency parts on disk too; otherwise they are served from memory only. */
    partsOnDisk: boolean;
  };
  maxStreams: number;
  startTimeoutMs: number;
  stopGraceMs: number;
  restartBackoff: { initialMs: number; maxMs: number };
  watchdogTimeoutMs: number;
  ffmpegPath: string;
  /** How far below the daemon's CPU priority FFmpeg runs (nice); 0: alike. */
  ffmpegNice: number;
  ffprobePath: string;
  rtspTransport: 'tcp' | 'udp';
  allowedSchemes: string[];
  rtspLinkMaxLength: number;
  audio: { enabled: boolean; transcode: boolean };
  transcodePreset: string;
  logLevel: string;
  /** Two info lines per API request (in and out); playlists, segments and Nginx's checks never log. */
  logRequests: boolean;
  /** The OpenAPI document at /docs/json and Swagger UI at /docs. */
  docsEnabled: boolean;
  corsOrigins: string[];
  demoEnabled: boolean;
  detection: DetectionConfig;
  predict: PredictConfig;
  sseHeartbeatMs: number;
  /** Accepted bearer tokens for /api (several at once, for rotation); empty: no authentication. */
  apiTokens: string[];
  /**
   * Control-endpoint requests per client and window; max 0 turns rate limiting off. Callers with a
   * valid API token count apart, against tokenMax (0: no limit for them).
   */
  rateLimit: { max: number; windowMs: number; tokenMax: number };
  /** Fastify's trustProxy: which proxies' X-Forwarded-For names the client (rate limits key on it). */
  trustProxy: boolean | string;
  /** Hostnames, addresses and CIDRs cameras may be at; empty: anywhere. */
  allowedSourceHosts: string[];
  /** HMAC keys for playback tokens (the first signs); undefined: playback is open. */
  playback: { secrets: string[]; ttlSeconds: number } | undefined;
  /** The camera registry (YAML or JSON); undefined: none. */
  camerasFile: string | undefined;
  /** Whether start may name a camera by rtsp_link, or only by a registry id. */
  allowApiSources: boolean;
  /** The only folder file: sources are read from. */
  mediaDir: string;
  /** Whether rtsp_link may be file: or http(s) as well as rtsp. */
  allowApiFileSources: boolean;
  /** Recordings of CAMERAS_FILE cameras with record: true, their retention and hand-off. */
  archive: ArchiveConfig;
  events: EventsConfig;
  /** Several daemons sharing REDIS_URL; undefined: this daemon is the whole product. */
  cluster: ClusterConfig | undefined;
}

export interface DetectionConfig {
  /** The default for streams started without detect=true|false. */
  enabled: boolean;
  modelPath: string;
  modelType: ModelKind | undefined;
  labelsFile: string | undefined;
  /** A classifier's answer size and pixel normalization. */
  classifier: ClassifierSettings;
  fps: number;
  keyframesOnly: boolean;
  threads: number;
  batchSize: number;
  batchTimeoutMs: number;
  confidenceThreshold: number;
  iouThreshold: number;
  capture: { dir: string; everyN: number } | undefined;
}

export interface PredictConfig {
  /** Pictures in one JSON batch. */
  maxFrames: number;
  /** A whole request body, JSON or a raw picture. */
  maxBodyBytes: number;
  /** One batch picture, decoded from base64. */
  maxFrameBytes: number;
  /** Labels that make `has_person` true (a face is a person too). */
  personLabels: string[];
}

/** Thrown for bad configuration; the message names every offending variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment (empty strings count as unset). */
export function loadConfig(env: Record<string, string | undefined>): Config {
  let withSecrets: Record<string, string | undefined>;
  try {
    withSecrets = resolveSecretFiles(env);
  } catch (error) {
    throw new ConfigError([(error as Error).message]);
  }
  const present = Object.fromEntries(Object.entries(withSecrets).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  if (e.PLAYBACK_SECRET.length > 0 && e.API_TOKEN.length === 0) {
    // Without API tokens anyone could ask /api/stream/start or /api/stream/token for a playback token.
    throw new ConfigError(['PLAYBACK_SECRET: needs API_TOKEN too, or anyone could ask the API for a playback token']);
  }
  const archiveProblems = archiveConfigProblems(e);
  if (archiveProblems.length > 0) throw new ConfigError(archiveProblems);
  return {
    port: e.PORT,
    host: e.HOST,
    streamDir: e.STREAM_DIR,
    idleTimeoutMs: e.CLEANUP_DELAY_SECONDS * 1000,
    cleanupIntervalMs: e.CLEANUP_INTERVAL_SECONDS * 1000,
    hls: {
      segmentSeconds: e.HLS_SEGMENT_TIME,
      listSize: e.HLS_LIST_SIZE,
      variant: e.HLS_VARIANT,
      partSeconds: e.HLS_PART_TIME,
      partsOnDisk: e.HLS_PARTS_ON_DISK,
    },
    maxStreams: e.MAX_STREAMS,
    startTimeoutMs: e.STREAM_START_TIMEOUT_SECONDS * 1000,
    stopGraceMs: e.STOP_GRACE_SECONDS * 1000,
    restartBackoff: {
      initialMs: e.RESTART_BACKOFF_INITIAL_SECONDS * 1000,
      maxMs: e.RESTART_BACKOFF_MAX_SECONDS * 1000,
    },
    watchdogTimeoutMs: e.WATCHDOG_TIMEOUT_SECONDS * 1000,
    ffmpegPath: e.FFMPEG_PATH,
    ffmpegNice: e.FFMPEG_NICE,
    ffprobePath: e.FFPROBE_PATH,
    rtspTransport: e.RTSP_TRANSPORT,
    allowedSchemes: e.ALLOWED_SCHEMES,
    rtspLinkMaxLength: e.RTSP_LINK_MAX_LENGTH,
    audio: { enabled: e.AUDIO_ENABLED, transcode: e.AUDIO_TRANSCODE },
    transcodePreset: e.TRANSCODE_PRESET,
    logLevel: e.LOG_LEVEL,
    logRequests: e.LOG_REQUESTS,
    docsEnabled: e.DOCS_ENABLED,
    corsOrigins: e.CORS_ORIGINS,
    demoEnabled: e.DEMO_ENABLED,
    detection: {
      enabled: e.DETECT_ENABLED,
      modelPath: e.DETECT_MODEL,
      modelType: e.DETECT_MODEL_TYPE === 'auto' ? undefined : e.DETECT_MODEL_TYPE,
      labelsFile: e.DETECT_LABELS,
      classifier: { topK: e.CLASSIFIER_TOP_K, normalization: e.CLASSIFIER_NORMALIZATION },
      fps: e.DETECT_FPS,
      keyframesOnly: e.DETECT_KEYFRAMES_ONLY,
      threads: e.DETECT_THREADS,
      batchSize: e.DETECT_BATCH_SIZE,
      batchTimeoutMs: e.DETECT_BATCH_TIMEOUT_MS,
      confidenceThreshold: e.CONFIDENCE_THRESHOLD,
      iouThreshold: e.IOU_THRESHOLD,
      capture: e.CAPTURE_DIR ? { dir: e.CAPTURE_DIR, everyN: e.CAPTURE_EVERY_N } : undefined,
    },
    predict: {
      maxFrames: e.PREDICT_MAX_FRAMES,
      maxBodyBytes: e.PREDICT_MAX_BYTES,
      maxFrameBytes: e.PREDICT_MAX_FRAME_BYTES,
      personLabels: e.PERSON_LABELS.map((label) => label.toLowerCase()),
    },
    sseHeartbeatMs: e.SSE_HEARTBEAT_SECONDS * 1000,
    apiTokens: e.API_TOKEN,
    rateLimit: { max: e.RATE_LIMIT_MAX, windowMs: e.RATE_LIMIT_WINDOW_SECONDS * 1000, tokenMax: e.RATE_LIMIT_TOKEN_MAX },
    trustProxy: e.TRUST_PROXY === 'true' ? true : e.TRUST_PROXY === 'false' ? false : e.TRUST_PROXY,
    allowedSourceHosts: e.ALLOWED_SOURCE_HOSTS,
    playback: e.PLAYBACK_SECRET.length > 0 ? { secrets: e.PLAYBACK_SECRET, ttlSeconds: e.PLAYBACK_TOKEN_TTL_SECONDS } : undefined,
    camerasFile: e.CAMERAS_FILE,
    allowApiSources: e.ALLOW_API_SOURCES,
    mediaDir: e.MEDIA_DIR,
    allowApiFileSources: e.ALLOW_API_FILE_SOURCES,
    archive: toArchiveConfig(e),
    events: toEventsConfig(e),
    cluster: toClusterConfig(e),
  };
}
