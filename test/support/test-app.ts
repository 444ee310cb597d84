import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/log/logger.js';
import { createServices, pidRecordDir, type Services, type SystemDeps } from '../../src/services.js';
import { watchContract } from './contract.js';

export interface TestApp {
  app: FastifyInstance;
  config: Config;
  services: Services;
  baseUrl: string;
  streamDir: string;
  recordDir: string;
  eventDir: string;
  /** Every log line the daemon wrote, as raw JSON text. */
  logs: string[];
  /** Stream folders currently in STREAM_DIR. */
  streamFolders(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * The real application (real FFmpeg, real HTTP on a free port) with a
 * temporary STREAM_DIR and logs captured in memory; every answer it gives is
 * checked against its OpenAPI document, and close() fails if one broke it.
 */
export async function startTestApp(env: Record<string, string> = {}, system: SystemDeps = {}): Promise<TestApp> {
  // A caller's own STREAM_DIR (inside a sandbox it watches) is used, and removed at close like ours.
  const streamDir = env.STREAM_DIR ?? (await mkdtemp(path.join(os.tmpdir(), 'sm-test-')));
  // A caller's own RECORD_DIR outlives the app: a test restarts the daemon on it.
  const recordDir = env.RECORD_DIR ?? (await mkdtemp(path.join(os.tmpdir(), 'sm-rec-')));
  const eventDir = env.EVENT_DIR ?? (await mkdtemp(path.join(os.tmpdir(), 'sm-events-')));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    STREAM_DIR: streamDir,
    RECORD_DIR: recordDir,
    EVENT_DIR: eventDir,
    LOG_LEVEL: 'debug',
    STREAM_START_TIMEOUT_SECONDS: '15',
    // Tests make hundreds of calls a minute from one address; the rate-limit tests turn it back on.
    RATE_LIMIT_MAX: '0',
    ...env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  // The daemon's own logger factory: its serializers are what redaction tests check.
  const log = createLogger({ level: config.logLevel, destination: sink });
  const services = await createServices(config, log, system);
  const app = await buildApp(config, services);
  const contract = watchContract(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    config,
    services,
    baseUrl: `http://127.0.0.1:${port}`,
    streamDir,
    recordDir,
    eventDir,
    logs,
    streamFolders: async () => (await readdir(streamDir).catch(() => [])).sort(),
    close: async () => {
      await app.close();
      await rm(streamDir, { recursive: true, force: true });
      if (env.RECORD_DIR === undefined) await rm(recordDir, { recursive: true, force: true });
      if (env.EVENT_DIR === undefined) await rm(eventDir, { recursive: true, force: true });
      await rm(pidRecordDir(streamDir), { recursive: true, force: true });
      // Last, once all is cleaned up: an answer the OpenAPI document does not describe fails the file.
      if (contract.violations.length > 0) {
        throw new Error(`answers that break the OpenAPI document:\n${[...new Set(contract.violations)].join('\n')}`);
      }
    },
  };
}
