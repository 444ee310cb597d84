import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { accepts, freePort } from './ports.js';
import { waitFor } from './wait-for.js';

export interface RunningRedis {
  url: string;
  port: number;
  /** SIGKILL (an outage: nothing saved); restart() brings an empty Redis back on the same port. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** Debian's redis-server on a free loopback port, without persistence, in a folder of its own. */
export async function startRedis(): Promise<RunningRedis> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sm-redis-'));
  const port = await freePort();
  let child: ReturnType<typeof spawn> | undefined;
  let exited = Promise.resolve();
  const stderr: string[] = [];
  const start = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
    const process_ = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = process_;
    exited = new Promise((resolve) => process_.once('close', () => resolve()));
    process_.stderr!.on('data', (chunk: Buffer) => stderr.push(String(chunk)));
    process_.stdout!.resume();
    await waitFor(async () => (await accepts(port)) || undefined, {
      timeoutMs: 10_000,
      what: `redis-server on ${port}: ${stderr.join('')}`,
    });
  };
  const stop = async () => {
    child?.kill('SIGKILL');
    await exited;
    child = undefined;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    restart: start,
    async close() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
