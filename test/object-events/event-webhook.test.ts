import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events/bus.js';
import type { StreamEvents } from '../../src/events/stream-events.js';
import { createEventWebhook } from '../../src/object-events/event-webhook.js';
import type { EventMessage, ObjectEvent } from '../../src/tracking/object-event.js';
import { waitFor } from '../support/wait-for.js';

const log = pino({ level: 'silent' });
const SECRET = 'event-webhook-secret-0123';
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const event = (id: string, endTime: number | null = null): ObjectEvent => ({
  id,
  camera: 'gate',
  label: 'person',
  score: 0.9,
  top_score: 0.9,
  box: { x: 0.1, y: 0.1, w: 0.2, h: 0.4 },
  start_time: 1_764_756_000,
  end_time: endTime,
  stationary: false,
  current_zones: [],
  entered_zones: [],
  has_snapshot: false,
  snapshot: null,
  has_clip: false,
  frames: 3,
});
const message = (type: EventMessage['type'], id: string): EventMessage => ({
  type,
  before: event(id),
  after: event(id, type === 'end' ? 1_764_756_060 : null),
});

/** A receiver that verifies every signature (and its timestamp) and refuses the first `refuse` requests; `down()` stops it. */
async function receiver(refuse: number, port = 0) {
  const received: EventMessage[] = [];
  const problems: string[] = [];
  let requests = 0;
  const server: Server = createServer(async (request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString();
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(request.headers['x-event-signature'])) ?? [];
    if (!t || v1 !== createHmac('sha256', SECRET).update(`${t}.${body}`).digest('hex')) problems.push('bad signature');
    if (Math.abs(Number(t) - Date.now() / 1000) > 5) problems.push('stale timestamp');
    requests += 1;
    if (requests <= refuse) {
      response.writeHead(503).end();
      return;
    }
    received.push(JSON.parse(body) as EventMessage);
    response.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const down = () => new Promise((resolve) => server.close(resolve));
  cleanups.push(down);
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}/events`, port: address.port, received, problems, requests: () => requests, down };
}

async function webhookFor(url: string, dir?: string, updates = false) {
  const queueDir = dir ?? (await mkdtemp(path.join(os.tmpdir(), 'sm-event-hook-')));
  if (!dir) cleanups.push(() => rm(queueDir, { recursive: true, force: true }));
  const bus = new EventBus<StreamEvents>(log);
  const hook = createEventWebhook({ config: { url, secret: SECRET, updates, queueMax: 100, retryMaxMs: 300 }, dir: queueDir, bus, log });
  await hook.start();
  return { bus, hook, queueDir };
}

describe('the event webhook, with a real HTTP receiver', () => {
  it('posts new and end (not update) signed with a timestamp, in order, retrying refusals', async () => {
    const target = await receiver(2);
    const { bus, hook } = await webhookFor(target.url);
    cleanups.push(() => hook.close());
    for (const m of [message('new', 'a'), message('update', 'a'), message('new', 'b'), message('end', 'a')]) bus.emit('object.event', m);
    // The last job leaves the queue just after its delivery is answered.
    await waitFor(() => (target.received.length === 3 && hook.stats().waiting === 0) || undefined, {
      timeoutMs: 10_000,
      what: 'three deliveries',
    });
    expect(target.received.map((m) => `${m.type} ${m.after.id}`)).toEqual(['new a', 'new b', 'end a']);
    expect(target.problems).toEqual([]);
    expect(target.requests()).toBe(5);
    expect(hook.stats()).toMatchObject({ waiting: 0, failures: 2 });
  });

  it('sends updates when asked to', async () => {
    const target = await receiver(0);
    const { bus, hook } = await webhookFor(target.url, undefined, true);
    cleanups.push(() => hook.close());
    bus.emit('object.event', message('update', 'a'));
    await waitFor(() => target.received.length === 1 || undefined, { timeoutMs: 10_000, what: 'the update' });
  });

  it('keeps what it could not deliver across a restart of the daemon, and delivers it when the receiver is up', async () => {
    const first = await receiver(Number.POSITIVE_INFINITY);
    const { bus, hook, queueDir } = await webhookFor(first.url);
    bus.emit('object.event', message('new', 'a'));
    bus.emit('object.event', message('end', 'a'));
    await waitFor(() => first.requests() >= 2 || undefined, { timeoutMs: 10_000, what: 'refused attempts' });
    await hook.close();
    await first.down();
    expect(hook.stats().waiting).toBe(2);

    // The next run, on the same queue, with the receiver back on the same address.
    const second = await receiver(0, first.port);
    const restarted = await webhookFor(second.url, queueDir);
    cleanups.push(() => restarted.hook.close());
    await waitFor(() => second.received.length === 2 || undefined, { timeoutMs: 10_000, what: 'the backlog' });
    expect(second.received.map((m) => m.type)).toEqual(['new', 'end']);
    expect(second.problems).toEqual([]);
  });
});
