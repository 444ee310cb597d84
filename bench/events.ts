/**
 * Tracked-object events, measured in one run with a real Mosquitto and the real daemon (BlazeFace,
 * DETECT_FPS=2 unless --fps):
 * 1. from the face appearing in the camera's picture (the fixture switches it on and says when)
 *    to the `new` message arriving at an MQTT subscriber, over several appearances;
 * 2. MQTT messages per minute for one face that stays in view (new, updates, no end);
 * 3. what tracking and publishing cost per analysed frame, against the model's own time.
 *
 * Usage: npm run bench:events -- [--appearances N (8)] [--blink S (4)] [--steady S (60)] [--fps N (2)]
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { EventBus } from '../src/events/bus.js';
import type { StreamEvents } from '../src/events/stream-events.js';
import { createMqttPublisher } from '../src/mqtt/mqtt-publisher.js';
import { CameraEvents } from '../src/tracking/camera-events.js';
import { DEFAULT_EVENT_RULES } from '../src/tracking/event-rules.js';
import type { EventMessage } from '../src/tracking/object-event.js';
import { startUrl } from '../test/support/api.js';
import { startMosquitto, subscribe } from '../test/support/mosquitto.js';
import { startRtspCamera } from '../test/support/rtsp-camera.js';
import { startTestApp } from '../test/support/test-app.js';
import { waitFor } from '../test/support/wait-for.js';
import { percentile } from './stats.js';

const { values: options } = parseArgs({
  options: {
    appearances: { type: 'string', default: '8' },
    blink: { type: 'string', default: '4' },
    steady: { type: 'string', default: '60' },
    fps: { type: 'string', default: '2' },
  },
});
const APPEARANCES = Number(options.appearances);
const BLINK_SECONDS = Number(options.blink);
const STEADY_MS = Number(options.steady) * 1000;
const ASTRONAUT = fileURLToPath(new URL('../test/fixtures/media/astronaut.png', import.meta.url));

const broker = await startMosquitto();
const [blink, steady] = await Promise.all([
  startRtspCamera({ image: ASTRONAUT, width: 512, height: 512, blinkSeconds: BLINK_SECONDS }),
  startRtspCamera({ image: ASTRONAUT, width: 512, height: 512 }),
]);
const subscriber = await subscribe(broker.url, ['stream-manager/events']);
const arrivals: Array<{ message: EventMessage; at: number }> = [];
subscriber.messages.length = 0;
const t = await startTestApp({
  DETECT_ENABLED: 'true',
  DETECT_FPS: options.fps,
  MQTT_URL: broker.url,
  // Ends within the blank half of each blink, so that every appearance is an event of its own.
  EVENT_END_SECONDS: String(Math.min(2, BLINK_SECONDS / 2)),
  // Nobody plays these streams: they must not be swept for it.
  CLEANUP_DELAY_SECONDS: '3600',
});
const inferenceMs: number[] = [];
t.services.bus.on('detection', (frame) => inferenceMs.push(frame.inference_ms));

try {
  // Arrival times are taken as messages come in.
  const seen = subscriber.messages.length;
  const poll = setInterval(() => {
    for (const m of subscriber.messages.splice(seen)) arrivals.push({ message: JSON.parse(m.payload) as EventMessage, at: Date.now() });
  }, 5);
  for (const [id, camera] of [
    ['blink', blink],
    ['steady', steady],
  ] as const) {
    const response = await fetch(startUrl(t.baseUrl, { indicator_id: id, rtsp_link: camera.url }));
    if (response.status !== 200) throw new Error(`cannot start ${id}: ${await response.text()}`);
  }
  const steadyFrom = Date.now();
  await waitFor(() => blink.blinks.filter((b) => b.showing === 'image').length >= APPEARANCES || undefined, {
    timeoutMs: (APPEARANCES + 4) * 2 * BLINK_SECONDS * 1000,
    intervalMs: 100,
    what: 'the appearances',
  });
  await new Promise((resolve) => setTimeout(resolve, Math.max(BLINK_SECONDS * 1000, STEADY_MS - (Date.now() - steadyFrom))));
  clearInterval(poll);

  // 1. Appearance → new. The first picture is shown from the start, so only the switches count.
  const shown = blink.blinks.filter((b) => b.showing === 'image').map((b) => b.at);
  const news = arrivals.filter((a) => a.message.type === 'new' && a.message.after.camera === 'blink');
  const lags = shown.flatMap((at) => {
    const next = news.find((n) => n.at >= at && n.at < at + 2 * BLINK_SECONDS * 1000);
    return next ? [(next.at - at) / 1000] : [];
  });

  // 2. Messages per minute for the steady face, over the whole window after its first.
  const steadyMessages = arrivals.filter((a) => a.message.after.camera === 'steady');
  const first = steadyMessages[0]?.at ?? Date.now();
  const minutes = (Date.now() - first) / 60_000;
  const counts = { new: 0, update: 0, end: 0 };
  for (const a of steadyMessages) counts[a.message.type] += 1;

  // 3. Tracking and publishing per frame, in process, against the model's time measured above:
  // every message goes through the bus to a real MQTT publisher connected to the broker.
  const bus = new EventBus<StreamEvents>(pino({ level: 'silent' }));
  const publisher = createMqttPublisher({
    config: {
      url: broker.url,
      username: undefined,
      password: undefined,
      topicPrefix: 'bench',
      clientId: 'bench',
      haDiscovery: false,
      queueMax: 100_000,
    },
    bus,
    log: pino({ level: 'silent' }),
    knownLabels: () => [],
  });
  publisher.start();
  await waitFor(() => publisher.stats().connected || undefined, { timeoutMs: 10_000, what: 'the bench publisher to connect' });
  const cost = (objects: number) => {
    const events = new CameraEvents({ camera: 'c', rules: DEFAULT_EVENT_RULES, newId: (ms) => String(ms), hasClip: false });
    const samples: number[] = [];
    for (let frame = 0; frame < 2000; frame++) {
      const detections = Array.from({ length: objects }, (_, i) => ({
        label: 'person',
        score: 0.9,
        box: { x: (i / objects + frame * 0.0005) % 0.9, y: 0.3, w: 0.05, h: 0.2 },
      }));
      const started = process.hrtime.bigint();
      for (const message of events.frame(frame * 500, detections)) bus.emit('object.event', message);
      samples.push(Number(process.hrtime.bigint() - started) / 1000);
    }
    return percentile(samples.slice(200), 50);
  };

  console.log(`\nevents: ${process.version}, DETECT_FPS=${options.fps}, EVENT_MIN_FRAMES=${t.config.events.minFrames}\n`);
  console.log('| measure | result |');
  console.log('|---|---|');
  console.log(
    `| face appears → \`new\` on MQTT (${lags.length} appearances) | p50 ${percentile(lags, 50).toFixed(2)} s, p95 ${percentile(lags, 95).toFixed(2)} s, max ${Math.max(...lags).toFixed(2)} s |`,
  );
  console.log(
    `| one face in view for ${minutes.toFixed(1)} min | ${((counts.new + counts.update + counts.end) / minutes).toFixed(1)} messages/min (new ${counts.new}, update ${counts.update}, end ${counts.end}) |`,
  );
  console.log(`| model (BlazeFace), per analysed frame | p50 ${percentile(inferenceMs, 50).toFixed(2)} ms |`);
  for (const objects of [1, 5, 20]) {
    console.log(`| tracking, lifecycle and MQTT publishing, ${objects} moving object(s) per frame | p50 ${cost(objects).toFixed(1)} µs |`);
  }
  console.log(`(${publisher.stats().published} messages published by the cost runs)`);
  await publisher.close();
} finally {
  await t.close();
  await subscriber.close();
  await Promise.all([broker.close(), blink.stop(), steady.stop()]);
}
