import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventMessage, ObjectEvent } from '../../src/tracking/object-event.js';
import { startUrl } from '../support/api.js';
import { type Broker, type Subscriber, startMosquitto, subscribe } from '../support/mosquitto.js';
import { type RtspCamera, startRtspCamera } from '../support/rtsp-camera.js';
import { SseClient } from '../support/sse-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

const ASTRONAUT = fileURLToPath(new URL('../fixtures/media/astronaut.png', import.meta.url));
const BLINK_SECONDS = 5;

let broker: Broker;
let face: RtspCamera;
let blink: RtspCamera;
let pattern: RtspCamera;
let t: TestApp;
let mqtt: Subscriber;
let sse: SseClient;

beforeAll(async () => {
  [broker, face, pattern] = await Promise.all([
    startMosquitto(),
    startRtspCamera({ image: ASTRONAUT, width: 512, height: 512 }),
    startRtspCamera({ pattern: 'moving' }),
  ]);
  mqtt = await subscribe(broker.url, ['stream-manager/#', 'homeassistant/#']);
  t = await startTestApp({
    DETECT_ENABLED: 'true',
    MQTT_URL: broker.url,
    MQTT_HA_DISCOVERY: 'true',
    MQTT_CLIENT_ID: 'sm-test',
    EVENT_END_SECONDS: '2',
    SSE_HEARTBEAT_SECONDS: '1',
  });
  sse = await SseClient.open(`${t.baseUrl}/api/events/stream`);
}, 60_000);
afterAll(async () => {
  await sse?.close();
  await t?.close();
  await mqtt?.close();
  await Promise.all([broker?.close(), face?.stop(), blink?.stop(), pattern?.stop()]);
});

const events = (camera?: string) =>
  mqtt.json<EventMessage>('stream-manager/events').filter((m) => camera === undefined || m.after.camera === camera);
const ofType = (messages: EventMessage[], type: string) => messages.filter((m) => m.type === type);
const payloads = (topic: string) => mqtt.messages.filter((m) => m.topic === topic).map((m) => m.payload);
const start = (id: string, camera: RtspCamera) => fetch(startUrl(t.baseUrl, { indicator_id: id, rtsp_link: camera.url }));
const stop = (id: string) =>
  fetch(`${t.baseUrl}/api/stream/stop`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ indicator_id: id }),
  });

describe('tracked-object events over MQTT, from a real Mosquitto', () => {
  it('a face streamed for 20 s is one event: one new, few updates, one end after the stream stops', async () => {
    expect((await start('face', face)).status).toBe(200);
    expect((await start('pattern', pattern)).status).toBe(200);
    await waitFor(() => ofType(events('face'), 'new')[0], { timeoutMs: 20_000, what: 'a new event for the face' });
    await new Promise((resolve) => setTimeout(resolve, 20_000));
    expect((await stop('face')).status).toBe(200);
    const [end] = await waitFor(() => ofType(events('face'), 'end').at(0) && ofType(events('face'), 'end'), {
      timeoutMs: 10_000,
      what: 'the end',
    });

    const messages = events('face');
    expect(ofType(messages, 'new')).toHaveLength(1);
    expect(ofType(messages, 'end')).toHaveLength(1);
    // A face that does not move is news once more only: when it becomes stationary (a better score may add one or two).
    const updates = ofType(messages, 'update');
    expect(updates.some((u) => u.after.stationary && !u.before.stationary)).toBe(true);
    expect(updates.length).toBeLessThanOrEqual(3);
    const [created] = ofType(messages, 'new');
    expect(created!.after).toMatchObject({ camera: 'face', label: 'face', end_time: null, has_clip: false });
    expect(created!.after.frames).toBe(t.config.events.minFrames);
    expect(created!.after.id).toMatch(/^\d+\.\d{6}-[0-9a-f]{6}$/);
    expect(end!.after).toMatchObject({ id: created!.after.id, end_time: expect.any(Number) });
    expect(end!.after.end_time!).toBeGreaterThan(created!.after.start_time + 20);
    // The face stays put: after EVENT_STATIONARY_SECONDS (10 s) it is stationary.
    expect(end!.before.stationary).toBe(true);

    // A test pattern raises nothing.
    expect(events('pattern')).toEqual([]);

    // The event's best picture, full size, retained on <prefix>/<camera>/<label>/snapshot.
    const picture = mqtt.messages.filter((m) => m.topic === 'stream-manager/face/face/snapshot').at(-1)!;
    expect(picture.bytes.subarray(0, 2).toString('hex')).toBe('ffd8');
    expect(created!.after.has_snapshot).toBe(true);

    // The count of faces in view, retained; availability; Home Assistant discovery for the pair.
    expect(payloads('stream-manager/face/face')).toEqual(['1', '0']);
    expect(payloads('stream-manager/available')).toContain('online');
    const sensor = JSON.parse(
      mqtt.messages.find((m) => m.topic === 'homeassistant/binary_sensor/sm-test_face_face/occupancy/config')!.payload,
    );
    expect(sensor).toMatchObject({
      state_topic: 'stream-manager/face/face',
      device_class: 'occupancy',
      availability_topic: 'stream-manager/available',
    });

    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/stream_manager_object_events_total\{type="new",label="face"\} [1-9]/);
    expect(metrics).toMatch(/stream_manager_mqtt_connected 1/);

    // The same messages on the event stream, and the event in the store, ended.
    expect(sse.data<EventMessage>('event').filter((m) => m.after.camera === 'face')).toEqual(messages);
    const stored = (await (await fetch(`${t.baseUrl}/api/events?camera=face`)).json()) as { events: ObjectEvent[] };
    expect(stored.events).toEqual([end!.after]);
    expect(await (await fetch(`${t.baseUrl}/api/events/${created!.after.id}`)).json()).toEqual(end!.after);
  }, 90_000);

  it('a camera whose picture switches between a face and no face gives one event per appearance', async () => {
    blink = await startRtspCamera({ image: ASTRONAUT, width: 512, height: 512, blinkSeconds: BLINK_SECONDS });
    expect((await start('blink', blink)).status).toBe(200);
    // Three appearances: the first picture, then twice more after a blank.
    await waitFor(() => blink.blinks.filter((b) => b.showing === 'image').length >= 2 || undefined, {
      timeoutMs: 4 * BLINK_SECONDS * 1000 + 10_000,
      what: 'the face to come back twice',
    });
    await waitFor(() => ofType(events('blink'), 'new').length >= 3 || undefined, { timeoutMs: 10_000, what: 'the third event' });
    expect((await stop('blink')).status).toBe(200);
    await waitFor(() => ofType(events('blink'), 'end').length >= 3 || undefined, { timeoutMs: 10_000, what: 'three ends' });
    const messages = events('blink');
    const news = ofType(messages, 'new');
    expect(news).toHaveLength(3);
    expect(new Set(news.map((m) => m.after.id)).size).toBe(3);
    // Each began while the face was shown, at most a few seconds after it appeared.
    const appearances = [blink.blinks[0]!.at - BLINK_SECONDS * 1000, ...blink.blinks.filter((b) => b.showing === 'image').map((b) => b.at)];
    news.forEach((m, i) => {
      const lag = m.after.start_time * 1000 - appearances[i]!;
      expect(lag).toBeGreaterThan(-1000);
      expect(lag).toBeLessThan(BLINK_SECONDS * 1000);
    });
    expect(ofType(messages, 'end')).toHaveLength(3);
  }, 90_000);

  it('keeps what happens while the broker is away, and publishes it when the broker is back', async () => {
    expect((await start('face2', face)).status).toBe(200);
    const created = await waitFor(() => ofType(events('face2'), 'new')[0], { timeoutMs: 20_000, what: 'the event' });
    await broker.stop();
    await waitFor(() => !t.services.events.mqtt!.stats().connected || undefined, {
      timeoutMs: 10_000,
      what: 'the daemon to see the broker gone',
    });
    // The event ends while nobody can hear it.
    expect((await stop('face2')).status).toBe(200);
    await waitFor(() => t.services.events.mqtt!.stats().waiting > 0 || undefined, {
      timeoutMs: 10_000,
      what: 'the end to wait in the outbox',
    });
    await broker.restart();
    const end = await waitFor(() => ofType(events('face2'), 'end')[0], { timeoutMs: 40_000, what: 'the end, once the broker is back' });
    expect(end.after.id).toBe(created.after.id);
    expect(t.services.events.mqtt!.stats()).toMatchObject({ connected: true, waiting: 0, dropped: 0 });
  }, 90_000);
});
