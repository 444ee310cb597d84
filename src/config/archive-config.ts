import { z } from 'zod';

const bytes = z.coerce.number().int().min(0);
const hours = z.coerce
  .number()
  .gt(0)
  .max(24 * 365 * 10);

/**
 * Recording, retention and hand-off of finished footage (S3, webhook). Part of
 * the one environment schema; kept apart because it is a concern of its own.
 */
export const archiveEnvShape = {
  RECORD_DIR: z.string().min(1).default('./recordings'),
  // Cut on the first keyframe after this many seconds.
  RECORD_SEGMENT_SECONDS: z.coerce.number().min(1).max(3600).default(60),
  RECORD_RETAIN_HOURS: hours.default(168),
  // 0: no limit on the total size (the free-space guard still applies).
  RECORD_MAX_BYTES: bytes.default(0),
  RECORD_MIN_FREE_BYTES: bytes.default(1024 ** 3),
  RECORD_RETENTION_INTERVAL_SECONDS: z.coerce.number().min(0.1).max(3600).default(60),
  S3_ENDPOINT: z.url().optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_BUCKET: z.string().min(1).optional(),
  S3_PREFIX: z.string().default('recordings'),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  // Path-style addressing (http://host/bucket/key), which most self-hosted S3 servers need.
  S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).default('true'),
  SEGMENT_WEBHOOK_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  SEGMENT_WEBHOOK_SECRET: z.string().min(16, 'needs at least 16 characters').optional(),
  SEGMENT_WEBHOOK_MODE: z.enum(['notify', 'upload']).default('notify'),
  UPLOAD_DELETE_LOCAL: z.enum(['true', 'false']).default('false'),
  // Pending hand-offs kept on disk; past it new segments are kept but not queued (and it is reported).
  UPLOAD_QUEUE_MAX: z.coerce.number().int().min(1).max(10_000_000).default(10_000),
  UPLOAD_RETRY_MAX_SECONDS: z.coerce.number().min(0.1).max(3600).default(60),
};

const archiveEnv = z.object(archiveEnvShape);
type ArchiveEnv = z.output<typeof archiveEnv>;

export interface ArchiveConfig {
  dir: string;
  segmentSeconds: number;
  retainHours: number;
  maxBytes: number | undefined;
  minFreeBytes: number;
  retentionIntervalMs: number;
  s3: S3Config | undefined;
  webhook: WebhookConfig | undefined;
  deleteLocalAfterUpload: boolean;
  queueMax: number;
  retryMaxMs: number;
}

export interface S3Config {
  endpoint: string | undefined;
  region: string;
  bucket: string;
  prefix: string;
  /** undefined: the SDK's own chain (AWS_* variables, profiles, instance roles). */
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  forcePathStyle: boolean;
}

export interface WebhookConfig {
  url: string;
  secret: string | undefined;
  mode: 'notify' | 'upload';
}

export function archiveConfigProblems(e: ArchiveEnv): string[] {
  const problems: string[] = [];
  if ((e.S3_ACCESS_KEY_ID === undefined) !== (e.S3_SECRET_ACCESS_KEY === undefined)) {
    problems.push('S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: set both or neither');
  }
  if (e.S3_ENDPOINT !== undefined && e.S3_BUCKET === undefined) problems.push('S3_BUCKET: required with S3_ENDPOINT');
  if (e.UPLOAD_DELETE_LOCAL === 'true' && e.S3_BUCKET === undefined) {
    problems.push('UPLOAD_DELETE_LOCAL: needs S3_BUCKET (the local copy is deleted only once it is in S3)');
  }
  return problems;
}

export function toArchiveConfig(e: ArchiveEnv): ArchiveConfig {
  return {
    dir: e.RECORD_DIR,
    segmentSeconds: e.RECORD_SEGMENT_SECONDS,
    retainHours: e.RECORD_RETAIN_HOURS,
    maxBytes: e.RECORD_MAX_BYTES > 0 ? e.RECORD_MAX_BYTES : undefined,
    minFreeBytes: e.RECORD_MIN_FREE_BYTES,
    retentionIntervalMs: e.RECORD_RETENTION_INTERVAL_SECONDS * 1000,
    s3: e.S3_BUCKET
      ? {
          endpoint: e.S3_ENDPOINT,
          region: e.S3_REGION,
          bucket: e.S3_BUCKET,
          prefix: e.S3_PREFIX.replace(/^\/+|\/+$/g, ''),
          credentials:
            e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY
              ? { accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY }
              : undefined,
          forcePathStyle: e.S3_FORCE_PATH_STYLE === 'true',
        }
      : undefined,
    webhook: e.SEGMENT_WEBHOOK_URL
      ? { url: e.SEGMENT_WEBHOOK_URL, secret: e.SEGMENT_WEBHOOK_SECRET, mode: e.SEGMENT_WEBHOOK_MODE }
      : undefined,
    deleteLocalAfterUpload: e.UPLOAD_DELETE_LOCAL === 'true',
    queueMax: e.UPLOAD_QUEUE_MAX,
    retryMaxMs: e.UPLOAD_RETRY_MAX_SECONDS * 1000,
  };
}
