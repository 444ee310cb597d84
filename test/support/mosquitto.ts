import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { accepts, freePort } from './ports.js';
import { waitFor } from './wait-for.js';

const MOSQUITTO = '/usr/sbin/mosquitto';

export interface Broker {
  url: string;
  port: number;
  /** SIGTERM (Mosquitto saves its sessions and queued messages); restart() brings it back on the same port. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Debian's Mosquitto on a free port, anonymous, in a folder of its own. Sessions persist across
 * stop() and restart(), so that a subscriber with a persistent session misses nothing.
 */
export async function startMosquitto(): Promise<Broker> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sm-mosquitto-'));
  const port = await freePort();
  const config = path.join(dir, 'mosquitto.conf');
  await writeFile(
    config,
    [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence true', `persistence_location ${dir}/`, 'log_dest stderr', ''].join(
      '\n',
    ),
  );
  let child: ReturnType<typeof spawn> | undefined;
  let exited = Promise.resolve();
  const stderr: string[] = [];

  const start = async () => {
    const process_ = spawn(MOSQUITTO, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = process_;
    exited = new Promise((resolve) => process_.once('close', () => resolve()));
    process_.stderr!.on('data', (chunk: Buffer) => stderr.push(String(chunk)));
    await waitFor(async () => (await accepts(port)) || undefined, { timeoutMs: 10_000, what: `mosquitto on ${port}: ${stderr.join('')}` });
  };
  const stop = async () => {
    child?.kill('SIGTERM');
    await exited;
    child = undefined;
  };
  await start();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    stop,
    restart: start,
    async close() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface Subscriber {
  /** Every message so far, in arrival order. */
  messages: Array<{ topic: string; payload: string; bytes: Buffer; retain: boolean }>;
  /** The messages on `topic` parsed as JSON. */
  json<T = unknown>(topic: string): T[];
  close(): Promise<void>;
}

/**
 * A real MQTT client subscribed to `topics` (QoS 1) with a persistent session: what the broker
 * queues for it while it is away (or the broker restarts) arrives when it is back.
 */
export async function subscribe(url: string, topics: string[]): Promise<Subscriber> {
  const client: MqttClient = await mqtt.connectAsync(url, {
    reconnectPeriod: 200,
    clean: false,
    clientId: `test-${randomBytes(4).toString('hex')}`,
  });
  const messages: Subscriber['messages'] = [];
  client.on('message', (topic, payload, packet) =>
    messages.push({ topic, payload: payload.toString(), bytes: payload, retain: packet.retain }),
  );
  await client.subscribeAsync(topics, { qos: 1 });
  return {
    messages,
    json: <T>(topic: string) => messages.filter((m) => m.topic === topic).map((m) => JSON.parse(m.payload) as T),
    close: () => client.endAsync(),
  };
}
