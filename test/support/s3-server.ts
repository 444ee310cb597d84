import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { freePort } from './ports.js';

const SCRIPT = fileURLToPath(new URL('../fixtures/s3-server.cjs', import.meta.url));
const OBJECT_SUFFIX = '._S3rver_object';
export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface S3Server {
  endpoint: string;
  bucket: string;
  /** Stops the server process (its data stays for restart()). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  restart(): Promise<void>;
  /** Every object's key, sorted (read off the server's data folder). */
  keys(): Promise<string[]>;
  /** Every object: key → bytes and metadata. */
  objects(): Promise<Map<string, { body: Buffer; metadata: Record<string, string> }>>;
  /** Stops it and removes its data. */
  close(): Promise<void>;
}

/** A real S3-protocol server (s3rver) in a child process of its own, on a free port, with one bucket. */
export async function startS3Server(bucket = 'footage'): Promise<S3Server> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sm-s3-'));
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let child: ReturnType<typeof spawn> | undefined;
  let exited: Promise<void> = Promise.resolve();

  const start = async () => {
    const process_ = spawn(process.execPath, [SCRIPT, dir, String(port), bucket], { stdio: ['pipe', 'pipe', 'pipe'] });
    child = process_;
    exited = new Promise((resolve) => process_.once('close', () => resolve()));
    const stderr: string[] = [];
    process_.stderr!.on('data', (chunk: Buffer) => stderr.push(String(chunk)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the S3 server did not start: ${stderr.join('')}`)), 15_000);
      createInterface({ input: process_.stdout! }).on('line', (line) => {
        if (line.startsWith('READY')) {
          clearTimeout(timer);
          resolve();
        }
      });
      process_.once('close', () => reject(new Error(`the S3 server exited: ${stderr.join('')}`)));
    });
  };
  const stop = async () => {
    child?.kill('SIGKILL');
    await exited;
    child = undefined;
  };
  await start();

  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: S3_CREDENTIALS,
    // s3rver's signature check does not know the checksum-mode header the SDK adds to reads by default.
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  // s3rver's signature check refuses the SDK's ListObjects: the keys are read off its data folder instead.
  const keys = async () =>
    (await readdir(path.join(dir, bucket), { recursive: true }))
      .filter((file) => file.endsWith(OBJECT_SUFFIX))
      .map((file) => file.slice(0, -OBJECT_SUFFIX.length))
      .sort();
  return {
    endpoint,
    bucket,
    stop,
    restart: start,
    keys,
    async objects() {
      const objects = new Map<string, { body: Buffer; metadata: Record<string, string> }>();
      for (const Key of await keys()) {
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key }));
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key }));
        objects.set(Key, { body: Buffer.from(await object.Body!.transformToByteArray()), metadata: head.Metadata ?? {} });
      }
      return objects;
    },
    async close() {
      client.destroy();
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
