import { createReadStream } from 'node:fs';
import type { S3Client } from '@aws-sdk/client-s3';
import type { S3Config } from '../config/archive-config.js';
import { contentTypeOf } from '../recording/layout.js';

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
  // The SDK is loaded on the first upload: a daemon that never uploads never pays for it at start-up.
  let sdk: Promise<{ client: S3Client; Upload: typeof import('@aws-sdk/lib-storage').Upload }> | undefined;
  const load = () =>
    (sdk ??= (async () => {
      const [{ S3Client }, { Upload }] = await Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage')]);
      const client = new S3Client({
        region: config.region,
        ...(config.endpoint ? { endpoint: config.endpoint } : {}),
        forcePathStyle: config.forcePathStyle,
        ...(config.credentials ? { credentials: config.credentials } : {}),
        // The retries that matter are the queue's (they survive restarts); the SDK's own are kept short.
        maxAttempts: 2,
      });
      return { client, Upload };
    })());
  return {
    async put({ key, file, metadata }) {
      const { client, Upload } = await load();
      const upload = new Upload({
        client,
        partSize: PART_BYTES,
        queueSize: 2,
        params: {
          Bucket: config.bucket,
          Key: key,
          Body: createReadStream(file),
          ContentType: contentTypeOf(key),
          Metadata: metadata,
          ChecksumAlgorithm: 'CRC32',
        },
      });
      await upload.done();
    },
    close() {
      void sdk?.then(({ client }) => client.destroy());
    },
  };
}
