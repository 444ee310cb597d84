import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventMessage } from '../../src/tracking/object-event.js';
import { startUrl } from '../support/api.js';
import { type DaemonProcess, startDaemonProcess } from '../support/daemon-process.js';
import { type Broker, type Subscriber, startMosquitto, subscribe } from '../support/mosquitto.js';
import { type RtspCamera, startRtspCamera } from '../support/rtsp-camera.js';
import { waitFor } from '../support/wait-for.js';

const ASTRONAUT = fileURLToPath(new URL('../fixtures/media/astronaut.png', import.meta.url));

let broker: Broker;
let camera: RtspCamera;
let mqtt: Subscriber;
let root: string;
const daemons: DaemonProcess[] = [];

beforeAll(async () => {
  [broker, camera] = await Promise.all([startMosquitto(), startRtspCamera({ image: ASTRONAUT, width: 512, height: 512 })]);
  mqtt = await subscribe(broker.url, ['stream-manager/#']);
  root = await mkdtemp(path.join(os.tmpdir(), 'sm-daemon-events-'));
}, 30_000);
afterAll(async () => {
  for (const daemon of daemons) await daemon.kill();
  await mqtt?.close();
  await Promise.all([broker?.close(), camera?.stop()]);
  await rm(root, { recursive: true, force: true });
});

const daemon = async () => {
  const started = await startDaemonProcess({
    STREAM_DIR: path.join(root, 'streams'),
    RECORD_DIR: path.join(root, 'recordings'),
    EVENT_DIR: path.join(root, 'events'),
    DETECT_ENABLED: 'true',
    MQTT_URL: broker.url,
    MQTT_CLIENT_ID: 'sm-daemon',
  });
  daemons.push(started);
  return started;
};
const availability = () => mqtt.messages.filter((m) => m.topic === 'stream-manager/available').map((m) => m.payload);
const events = () => mqtt.json<EventMessage>('stream-manager/events');

describe('the daemon as a process, with a real broker', () => {
  it('is marked offline by its last will when killed, and its next run ends the events it left open', async () => {
    const first = await daemon();
    await waitFor(() => availability().at(-1) === 'online' || undefined, { timeoutMs: 10_000, what: 'online' });
    expect((await fetch(startUrl(first.baseUrl, { indicator_id: 'face', rtsp_link: camera.url }))).status).toBe(200);
    const created = await waitFor(() => events().find((m) => m.type === 'new'), { timeoutMs: 30_000, what: 'a new event' });

    first.child.kill('SIGKILL');
    await first.exited;
    // The broker publishes the will as soon as it sees the connection drop.
    await waitFor(() => availability().at(-1) === 'offline' || undefined, { timeoutMs: 10_000, what: 'the last will' });
    expect(events().some((m) => m.type === 'end')).toBe(false);

    const second = await daemon();
    const ended = await waitFor(() => events().find((m) => m.type === 'end'), { timeoutMs: 20_000, what: 'the open event to end' });
    expect(ended.after.id).toBe(created.after.id);
    expect(ended.after.end_time).toBeGreaterThanOrEqual(created.after.start_time);
    const stored = await (await fetch(`${second.baseUrl}/api/events/${created.after.id}`)).json();
    expect(stored).toMatchObject({ id: created.after.id, end_time: ended.after.end_time });
    await waitFor(() => availability().at(-1) === 'online' || undefined, { timeoutMs: 10_000, what: 'online again' });

    // A clean shutdown says offline itself.
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    await waitFor(() => availability().at(-1) === 'offline' || undefined, { timeoutMs: 10_000, what: 'offline on shutdown' });
  }, 120_000);
});
