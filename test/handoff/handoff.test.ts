import { createHmac, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Handoff } from '../../src/handoff/handoff.js';
import { createS3Target } from '../../src/handoff/s3-target.js';
import { createWebhookTarget, type SegmentNotice } from '../../src/handoff/webhook-target.js';
import { RecordingCatalogue } from '../../src/recording/catalogue.js';
import type { RecordedSegment } from '../../src/recording/segment.js';
import { S3_CREDENTIALS, type S3Server, startS3Server } from '../support/s3-server.js';
import { waitFor } from '../support/wait-for.js';

const log = pino({ level: 'silent' });
const SECRET = 'webhook-secret-0123456789';
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** RECORD_DIR with a catalogue; segments are files of random bytes. */
async function recordings() {
  const root = await mkdtemp(path.join(os.tmpdir(), 'sm-handoff-'));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  const open = async () => {
    const catalogue = new RecordingCatalogue({ root, probe: async () => undefined, log });
    await catalogue.load();
    return catalogue;
  };
  let minute = 0;
  const record = async (catalogue: RecordingCatalogue, bytes = 50_000) => {
    const start = Date.UTC(2026, 11, 2, 10, minute++, 0);
    const name = `2026-12-02/10-${String(minute - 1).padStart(2, '0')}-00.mp4`;
    const body = randomBytes(bytes);
    await mkdir(path.join(root, 'cam', '2026-12-02'), { recursive: true });
    await writeFile(path.join(root, 'cam', name), body);
    const segment: RecordedSegment = { name, start, duration: 60, bytes };
    await catalogue.add('cam', segment);
    return { segment, body };
  };
  return { root, open, record };
}

function handoffFor(root: string, catalogue: RecordingCatalogue, targets: { s3?: S3Server; webhook?: string }) {
  const handoff = new Handoff({
    dir: path.join(root, '.handoff'),
    root,
    catalogue,
    s3: targets.s3
      ? {
          target: createS3Target({
            endpoint: targets.s3.endpoint,
            region: 'us-east-1',
            bucket: targets.s3.bucket,
            prefix: 'site-a',
            credentials: S3_CREDENTIALS,
            forcePathStyle: true,
          }),
          prefix: 'site-a',
        }
      : undefined,
    webhook: targets.webhook ? createWebhookTarget({ url: targets.webhook, secret: SECRET, mode: 'notify' }) : undefined,
    deleteLocal: false,
    queueMax: 100,
    retry: { initialMs: 100, maxMs: 400 },
    log,
  });
  cleanups.push(() => handoff.close());
  return handoff;
}

const uploaded = (catalogue: RecordingCatalogue) => catalogue.segments('cam').every((s) => s.upload === 'uploaded');

describe('hand-off to a real S3-protocol server', () => {
  it('uploads each finished segment under <prefix>/<id>/YYYY/MM/DD/HH-MM-SS.mp4 with its bytes and metadata (multipart for large files)', async () => {
    const s3 = await startS3Server();
    cleanups.push(() => s3.close());
    const { root, open, record } = await recordings();
    const catalogue = await open();
    const handoff = handoffFor(root, catalogue, { s3 });
    await handoff.start();
    const small = await record(catalogue);
    const large = await record(catalogue, 20 * 1024 * 1024); // two 16 MiB parts
    for (const { segment } of [small, large]) await handoff.add('cam', segment);
    await waitFor(() => uploaded(catalogue), { timeoutMs: 30_000, what: 'both segments uploaded' });

    const objects = await s3.objects();
    expect([...objects.keys()]).toEqual(['site-a/cam/2026/12/02/10-00-00.mp4', 'site-a/cam/2026/12/02/10-01-00.mp4']);
    expect(objects.get('site-a/cam/2026/12/02/10-00-00.mp4')!.body.equals(small.body)).toBe(true);
    expect(objects.get('site-a/cam/2026/12/02/10-01-00.mp4')!.body.equals(large.body)).toBe(true);
    expect(objects.get('site-a/cam/2026/12/02/10-00-00.mp4')!.metadata).toEqual({
      camera: 'cam',
      kind: 'segment',
      start: '2026-12-02T10:00:00.000Z',
      duration: '60',
    });
    expect(catalogue.segments('cam').map((s) => s.s3Key)).toEqual([...objects.keys()]);
    expect(handoff.depth()).toBe(0);
  }, 60_000);

  it('loses nothing while the server is down, and drains once it is back', async () => {
    const s3 = await startS3Server();
    cleanups.push(() => s3.close());
    const { root, open, record } = await recordings();
    const catalogue = await open();
    const handoff = handoffFor(root, catalogue, { s3 });
    await handoff.start();
    await s3.stop();
    for (let i = 0; i < 3; i++) await handoff.add('cam', (await record(catalogue)).segment);
    await waitFor(() => handoff.stats()[0]!.failures >= 3, { what: 'retries against the stopped server' });
    expect(handoff.stats()[0]).toMatchObject({ step: 's3', depth: 3 });
    expect(catalogue.segments('cam').map((s) => s.upload)).toEqual(['pending', 'pending', 'pending']);
    await s3.restart();
    await waitFor(() => uploaded(catalogue), { timeoutMs: 20_000, what: 'the queue to drain' });
    expect((await s3.objects()).size).toBe(3);
  }, 60_000);

  it('resumes a backlog after a restart of the daemon', async () => {
    const s3 = await startS3Server();
    cleanups.push(() => s3.close());
    const { root, open, record } = await recordings();
    const before = await open();
    const first = handoffFor(root, before, { s3 });
    await first.start();
    await s3.stop();
    for (let i = 0; i < 2; i++) await first.add('cam', (await record(before)).segment);
    await first.close(); // the daemon goes away with two segments queued

    await s3.restart();
    const catalogue = await open(); // a new daemon reads the index and the queue from disk
    expect(catalogue.segments('cam').map((s) => s.upload)).toEqual(['pending', 'pending']);
    await handoffFor(root, catalogue, { s3 }).start();
    await waitFor(() => uploaded(catalogue), { timeoutMs: 20_000, what: 'the old backlog to drain' });
    expect((await s3.objects()).size).toBe(2);
  }, 60_000);
});

describe('hand-off to a webhook', () => {
  /** A receiver that checks every signature and refuses the first `refuse` requests. */
  async function receiver(refuse: number) {
    const notices: SegmentNotice[] = [];
    const badSignatures: string[] = [];
    let requests = 0;
    const server: Server = createServer(async (request: IncomingMessage, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      const expected = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
      if (request.headers['x-signature-256'] !== expected) badSignatures.push(String(request.headers['x-signature-256']));
      requests += 1;
      if (requests <= refuse) {
        response.writeHead(503).end();
        return;
      }
      notices.push(JSON.parse(String(body)) as SegmentNotice);
      response.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const { port } = server.address() as { port: number };
    return { url: `http://127.0.0.1:${port}/segments`, notices, badSignatures, requests: () => requests };
  }

  it('posts a signed notice per segment, after the S3 upload and with its key, retrying refusals in order', async () => {
    const s3 = await startS3Server();
    cleanups.push(() => s3.close());
    const hook = await receiver(3);
    const { root, open, record } = await recordings();
    const catalogue = await open();
    const handoff = handoffFor(root, catalogue, { s3, webhook: hook.url });
    await handoff.start();
    for (let i = 0; i < 2; i++) await handoff.add('cam', (await record(catalogue)).segment);
    await waitFor(() => uploaded(catalogue), { timeoutMs: 20_000, what: 'both segments handed on' });

    expect(hook.badSignatures).toEqual([]);
    expect(hook.requests()).toBe(5); // three refusals, then both
    expect(hook.notices).toEqual([
      {
        camera: 'cam',
        kind: 'segment',
        path: 'cam/2026-12-02/10-00-00.mp4',
        start: '2026-12-02T10:00:00.000Z',
        duration: 60,
        size: 50_000,
        s3_key: 'site-a/cam/2026/12/02/10-00-00.mp4',
      },
      {
        camera: 'cam',
        kind: 'segment',
        path: 'cam/2026-12-02/10-01-00.mp4',
        start: '2026-12-02T10:01:00.000Z',
        duration: 60,
        size: 50_000,
        s3_key: 'site-a/cam/2026/12/02/10-01-00.mp4',
      },
    ]);
  }, 60_000);

  it('keeps segments it could not hand on while the receiver is down, and delivers them when it is up', async () => {
    const { root, open, record } = await recordings();
    const catalogue = await open();
    const hook = await receiver(0);
    // Down: nothing listens at the address the daemon was given.
    const handoff = handoffFor(root, catalogue, { webhook: 'http://127.0.0.1:1/segments' });
    await handoff.start();
    for (let i = 0; i < 2; i++) await handoff.add('cam', (await record(catalogue)).segment);
    await waitFor(() => handoff.stats()[0]!.failures >= 2, { what: 'failed deliveries' });
    await handoff.close();
    expect(catalogue.segments('cam').map((s) => s.upload)).toEqual(['pending', 'pending']);

    // Up: the daemon comes back pointed at the receiver, and delivers what was queued.
    const again = await open();
    await handoffFor(root, again, { webhook: hook.url }).start();
    await waitFor(() => uploaded(again), { timeoutMs: 10_000, what: 'both notices delivered' });
    expect(hook.notices.map((n) => n.path)).toEqual(['cam/2026-12-02/10-00-00.mp4', 'cam/2026-12-02/10-01-00.mp4']);
  }, 30_000);
});
