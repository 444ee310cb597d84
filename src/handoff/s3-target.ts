import { createReadStream } from 'node:fs';
import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { S3Config } from '../config/archive-config.js';

export interface S3Object {
  key: string;
  file: string;
  metadata: Record<string, string>;
}

export interface S3Target {
  put(object: S3Object): Promise<void>;
  close(): void;
}

/** Parts of 16 MiB: a minute of a 4K camera goes up in a few parts; smaller files in one request. */
const PART_BYTES = 16 * 1024 * 1024;

/**
 * Uploads to S3 or any S3-compatible store. lib-storage's Upload switches to a
 * multipart upload for large files, and every request carries a CRC32 checksum
 * the server verifies.
 */
export function createS3Target(config: S3Config): S3Target {
  const client = new S3Client({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.forcePathStyle,
    ...(config.credentials ? { credentials: config.credentials } : {}),
    // The retries that matter are the queue's (they survive restarts); the SDK's own are kept short.
    maxAttempts: 2,
  });
  return {
    async put({ key, file, metadata }) {
      const upload = new Upload({
        client,
        partSize: PART_BYTES,
        queueSize: 2,
        params: {
          Bucket: config.bucket,
          Key: key,
          Body: createReadStream(file),
          ContentType: 'video/mp4',
          Metadata: metadata,
          ChecksumAlgorithm: 'CRC32',
        },
      });
      await upload.done();
    },
    close() {
      client.destroy();
    },
  };
}
