import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DetectionEvent } from '../../src/detection/detection-event.js';
import type { EventMessage } from '../../src/tracking/object-event.js';
import { startUrl } from '../support/api.js';
import { type Fleet, type FleetNode, placement, startFleet } from '../support/fleet.js';
import { type RtspCamera, startRtspCamera } from '../support/rtsp-camera.js';
import { SseClient } from '../support/sse-client.js';
import { waitFor } from '../support/wait-for.js';

const ASTRONAUT = fileURLToPath(new URL('../fixtures/media/astronaut.png', import.meta.url));
const API_TOKEN = 'fleet-wide-api-token-0123456789abcdef';
const auth = { authorization: `Bearer ${API_TOKEN}` };
const TOKEN_MAX = 20;

let fleet: Fleet;
let camera: RtspCamera;
let nodes: FleetNode[];
const clients: SseClient[] = [];

beforeAll(async () => {
  camera = await startRtspCamera({ image: ASTRONAUT, width: 512, height: 512 });
  const env = {
    DETECT_ENABLED: 'true',
    API_TOKEN,
    PLAYBACK_SECRET: 'one-secret-shared-by-every-node-of-the-fleet',
    RATE_LIMIT_MAX: '20',
    RATE_LIMIT_TOKEN_MAX: String(TOKEN_MAX),
    RATE_LIMIT_WINDOW_SECONDS: '60',
  };
  fleet = await startFleet({ ids: ['a', 'b'], leaseTtlSeconds: 2, env });
  nodes = fleet.nodes;
}, 90_000);

afterAll(async () => {
  for (const client of clients) await client.close();
  await fleet?.close();
  await camera?.stop();
}, 30_000);

const follow = async (url: string) => {
  const client = await SseClient.open(url, auth);
  clients.push(client);
  expect(client.status, url).toBe(200);
  return client;
};

describe('what a fleet shares beyond leases: live events, playback tokens, rate limits', () => {
  it('shows every node’s detections and object events to a client following all cameras on another node', async () => {
    const [a, b] = nodes.map((node) => node.daemon.baseUrl) as [string, string];
    // Followed on b before the camera starts on a, so that the first event is not missed.
    const detections = await follow(`${b}/api/stream/events`);
    const objectEvents = await follow(`${b}/api/events/stream`);
    const started = await fetch(startUrl(a, { indicator_id: 'face', rtsp_link: camera.url }), { headers: auth });
    expect(started.status, await started.clone().text()).toBe(200);
    expect(await placement(nodes, auth)).toEqual(new Map([['face', ['a']]]));

    const detection = await waitFor(() => detections.data<DetectionEvent>().find((d) => d.indicator_id === 'face'), {
      timeoutMs: 30_000,
      what: 'a detection of node a on node b',
    });
    expect(detection.detections.length).toBeGreaterThan(0);
    const created = await waitFor(() => objectEvents.data<EventMessage>('event').find((m) => m.type === 'new'), {
      timeoutMs: 30_000,
      what: 'a new object event of node a on node b',
    });
    expect(created.after.camera).toBe('face');
    // Each message once: b relays a's events, it does not also receive its own back.
    const ids = detections.data<DetectionEvent>().map((d) => `${d.indicator_id}@${d.frame_ts}`);
    expect(new Set(ids).size).toBe(ids.length);
  }, 90_000);

  it('verifies a playback token handed out by one node on every node', async () => {
    const [a, b] = nodes.map((node) => node.daemon.baseUrl) as [string, string];
    const started = (await (await fetch(startUrl(a, { indicator_id: 'face', rtsp_link: camera.url }), { headers: auth })).json()) as {
      stream_path: string;
      playback_token: string;
    };
    expect(started.stream_path).toContain('?token=');
    const signed = await fetch(`${b}${started.stream_path}`);
    expect(signed.status).toBe(200);
    // Segment URIs carry the token, so that the player's next requests pass too.
    expect(await signed.text()).toMatch(/\?token=/);
    expect((await fetch(`${b}/streams/face/stream.m3u8`)).status).toBe(403);

    // Nginx's auth_request on b is answered by b itself, for a token a signed.
    const authorize = (token: string) =>
      fetch(`${b}/api/playback/authorize`, { headers: { 'x-stream-id': 'face', 'x-playback-token': token } }).then((r) => r.status);
    expect(await authorize(started.playback_token)).toBe(204);
    expect(await authorize(`${started.playback_token}x`)).toBe(403);
    expect(
      await fetch(`${b}/api/playback/authorize`, { headers: { 'x-stream-id': 'other', 'x-playback-token': started.playback_token } }).then(
        (r) => r.status,
      ),
    ).toBe(403);
  }, 30_000);

  it('holds one rate limit across the fleet: a client spreading calls over the nodes gets no more', async () => {
    const client = { ...auth, 'x-forwarded-for': '203.0.113.7' };
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) {
      for (const node of nodes) statuses.push((await fetch(`${node.daemon.baseUrl}/api/streams`, { headers: client })).status);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(TOKEN_MAX);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30 - TOKEN_MAX);
    // Another client still has its own budget.
    expect(
      (await fetch(`${nodes[0]!.daemon.baseUrl}/api/streams`, { headers: { ...auth, 'x-forwarded-for': '203.0.113.8' } })).status,
    ).toBe(200);
  }, 30_000);
});
