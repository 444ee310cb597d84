import { config as loadDotenv } from 'dotenv';
import { buildApp } from './app.js';
import { CamerasFileError } from './cameras/camera-file.js';
import { type Config, ConfigError, loadConfig } from './config/config.js';
import { streamPath } from './hls/layout.js';
import { createLogger } from './log/logger.js';
import { createServices } from './services.js';
import { DEMO_ID } from './streams/sources.js';
import { VERSION } from './version.js';

/** Shutdown must finish well inside the 10 s that supervisors (Docker, systemd) allow. */
const SHUTDOWN_DEADLINE_MS = 9000;

async function main(): Promise<void> {
  loadDotenv({ quiet: true });
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`stream-manager: ${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }

  const log = createLogger({ level: config.logLevel, pretty: process.stdout.isTTY });
  const services = await createServices(config, log).catch((error: unknown) => {
    if (!(error instanceof CamerasFileError)) throw error;
    process.stderr.write(`stream-manager: CAMERAS_FILE: ${error.message}\n`);
    process.exit(78);
  });
  if (!services.ffmpeg.found) log.error({ path: config.ffmpegPath }, 'FFmpeg not found; streams cannot start');

  if (config.detection.enabled) {
    // Every stream will want the model: load it now, and refuse to run without it.
    await services.detection.get().catch((error: Error) => {
      process.stderr.write(`stream-manager: DETECT_ENABLED=true but ${error.message}\n`);
      process.exit(78);
    });
  }

  const app = await buildApp(config, services);
  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info({ signal }, 'shutting down');
    setTimeout(() => {
      log.error('shutdown took too long; killing FFmpeg and exiting');
      services.manager.killAll(); // detached process groups would otherwise outlive us
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    try {
      await app.close(); // stops listening, then stops every stream and removes its folder
    } catch (error) {
      log.error({ err: error }, 'shutdown failed; killing FFmpeg');
      services.manager.killAll();
      process.exit(1);
    }
    log.info('bye');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // Operators' habit for "re-read your configuration"; without a handler it would end the process.
  process.on('SIGHUP', () => {
    log.info(services.cameras ? 'SIGHUP: reloading CAMERAS_FILE' : 'SIGHUP: no CAMERAS_FILE to reload');
    void services.cameras?.reload();
  });

  await app.listen({ port: config.port, host: config.host });
  log.info({ version: VERSION, ffmpeg: services.ffmpeg.version, streamDir: config.streamDir }, 'stream-manager ready');
  if (config.demoEnabled) {
    const base = `http://localhost:${config.port}`;
    log.info(`demo camera enabled: open ${base}/player?indicator_id=${DEMO_ID} (HLS at ${base}${streamPath(DEMO_ID)})`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`stream-manager: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
